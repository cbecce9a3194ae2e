"""Model fields shared by the apps."""

from __future__ import annotations

from django.db import models

from .crypto import decrypt_str, encrypt_str


class EncryptedTextField(models.TextField):
    """Text stored encrypted (``zhidu.core.crypto``): Python code sees the plain text, the
    column holds a Fernet token. Empty stays empty, so "is it set?" needs no key. The
    ciphertext differs on every save, so the column cannot be filtered or indexed by
    value; validators (``MaxLengthValidator`` …) see the plain text."""

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt_str(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_str(str(value))


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def field_keys_rotate() -> int:
    """Encrypt every stored value again under the first key of ``ZHIDU_FIELD_KEYS``; after
    that the other keys can be dropped. Each row is updated only if it still holds the value
    read (``UPDATE … WHERE col = old``), so a save in between is never overwritten.
    Idempotent. Returns the number of values rewritten."""
    from django.db import connection, transaction

    from .crypto import rotate_str

    done = 0
    quote = connection.ops.quote_name
    for model, field in encrypted_fields():
        table, column, pk = quote(model._meta.db_table), quote(field.column), quote(model._meta.pk.column)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT {pk}, {column} FROM {table} WHERE {column} <> ''")  # noqa: S608
            for row_pk, token in cursor.fetchall():
                if not token:
                    continue
                fresh = rotate_str(token)
                cursor.execute(
                    f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",  # noqa: S608
                    [fresh, row_pk, token],
                )
                done += cursor.rowcount
    return done
