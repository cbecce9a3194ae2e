"""One FilterSet per list serves the HTML list page and the API (NetBox's habit).

``filter_schema(FilterSetClass)`` turns a django-filter FilterSet into a pydantic model
that django-ninja uses as its ``Query`` schema, so the API documents the same filters in
OpenAPI that the list page offers; ``apply_filters`` runs the FilterSet on the query data
and raises a ``ValidationError`` with the field errors when the input is bad."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from pydantic import Field, create_model

from .errors import ValidationError


class AnyYesNoSelect(forms.NullBooleanSelect):
    """Yes / no / any for a boolean filter: Django's own select labels the empty choice
    "Unknown" (未知), which reads oddly on a filter that simply is not set."""

    def __init__(self, attrs=None):
        forms.Select.__init__(self, attrs, (("", _("Any")), ("true", _("Yes")), ("false", _("No"))))

    def format_value(self, value):
        # A list, as ChoiceWidget expects: a plain "true" would also "contain" the "" choice.
        return [{True: "true", False: "false", "true": "true", "false": "false"}.get(value, "")]


class BooleanFilter(django_filters.BooleanFilter):
    """``django_filters.BooleanFilter`` shown as "Any / Yes / No"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", AnyYesNoSelect)
        super().__init__(*args, **kwargs)


_TYPES: list[tuple[type, Any]] = [
    (django_filters.BooleanFilter, bool),
    (django_filters.NumberFilter, decimal.Decimal),
    (django_filters.DateFilter, dt.date),
    (django_filters.DateTimeFilter, dt.datetime),
    (django_filters.ModelMultipleChoiceFilter, list[str]),
    (django_filters.MultipleChoiceFilter, list[str]),
]


def _python_type(f) -> Any:
    for cls, typ in _TYPES:
        if isinstance(f, cls):
            return typ
    return str


def filter_schema(filterset_class, name: str | None = None) -> Any:
    fields: dict[str, Any] = {}
    for fname, f in filterset_class.base_filters.items():
        typ = _python_type(f)
        label = f.label or fname
        help_text = f.extra.get("help_text") or ""
        choices = getattr(f, "extra", {}).get("choices")
        desc = f"{label}. {help_text}".strip()
        if choices and not callable(choices):
            desc += " Choices: " + ", ".join(str(c[0]) for c in choices)
        fields[fname] = (typ | None, Field(default=None, description=str(desc)))
    fields["page"] = (int, Field(default=1, ge=1, description="Page number"))
    fields["page_size"] = (int, Field(default=50, ge=1, le=200, description="Rows per page (at most 200)"))
    return create_model(name or f"{filterset_class.__name__}Query", **fields)


def apply_filters(filterset_class, data: Any, queryset, *, request=None):
    fs = filterset_class(data=data, queryset=queryset, request=request)
    if not fs.is_valid():
        raise ValidationError(fields={k: [str(m) for m in v] for k, v in fs.errors.items()})
    return fs.qs


def query_to_data(query) -> dict[str, Any]:
    """The API's parsed query schema back to a FilterSet's data dict."""
    out: dict[str, Any] = {}
    for k, v in query.model_dump(exclude={"page", "page_size"}).items():
        if v is None:
            continue
        if isinstance(v, bool):
            out[k] = "true" if v else "false"
        else:
            out[k] = v
    return out


def filters_beyond_search(filterset: django_filters.FilterSet, search: str = "q") -> bool:
    """Whether a filter other than the search box (and the sort order) is set. A list page
    folds those filters away on a phone's screen and starts them open when this is true,
    so a filter in force is never hidden."""
    data = filterset.data or {}
    for name, flt in filterset.filters.items():
        if name == search or isinstance(flt, django_filters.OrderingFilter):
            continue
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        if any(v not in (None, "") for v in values):
            return True
    return False
