"""A column that is a ``text[]`` on PostgreSQL and a plain (always NULL) text column
elsewhere, with the ``has_grams`` lookup the search uses.

DESIGN (search): trigram indexes cannot serve two-character Chinese queries, so on
PostgreSQL each searchable row stores the 1- and 2-character grams of its ``search_text``
in an array with a GIN index, and a query asks ``search_grams @> ARRAY[query grams]`` and
then rechecks ``search_text LIKE %q%``. SQLite has no arrays and no GIN: the column exists
(so one migration serves both databases and ``makemigrations --check`` stays clean) but
stays NULL there, and ``has_grams`` compiles to a tautology so the same queryset works and
the ``contains`` recheck alone does the filtering. The GIN index itself is created by a
vendor-guarded operation in the migration, not declared in ``Meta.indexes``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Lookup


def _is_pg(connection) -> bool:
    return connection.vendor == "postgresql"


class SearchGramsField(models.Field):
    description = "1- and 2-character grams of the search text (PostgreSQL array)"

    def __init__(self, *args, **kwargs):
        kwargs["null"] = True
        kwargs["blank"] = True
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("null", "blank", "editable"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def db_type(self, connection):
        return "text[]" if _is_pg(connection) else "text"

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None or not _is_pg(connection):
            return None
        return sorted(set(value))

    def from_db_value(self, value, expression, connection):
        return value  # a list on PostgreSQL, None elsewhere

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        return None  # derived data: never serialised, recomputed on load


@SearchGramsField.register_lookup
class HasGrams(Lookup):
    """``search_grams__has_grams=[...]``: every gram present (PostgreSQL ``@>``)."""

    lookup_name = "has_grams"

    def get_db_prep_lookup(self, value, connection):
        return ("%s", [sorted(set(value))])

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @> ({rhs})::text[]", (*lhs_params, *rhs_params)

    def as_sql(self, compiler, connection):
        # No arrays: match every row and let the ``search_text`` recheck filter.
        return "1 = 1", ()
