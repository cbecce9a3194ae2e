"""Document types of the tests' own (real ones are registered by the apps that number
documents) and a concrete numbered model, created for the tests that need a table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, models

from zhidu.numbering.models import NumberedModel
from zhidu.numbering.registry import register_numbering, unregister_numbering

ON = dt.date(2026, 11, 5)


class Voucher(NumberedModel):
    numbering_key = "test_contract"
    title = models.CharField(max_length=20, blank=True)

    class Meta(NumberedModel.Meta):
        app_label = "numbering_tests"


@pytest.fixture
def doc_types():
    register_numbering("test_contract", "Test contract", "HT")
    register_numbering("test_quote", "Test quote", "BJ", date_part="none", width=6, reset="never", separator="")
    register_numbering("test_daily", "Test daily", "RB", date_part="yyyymmdd", width=3, reset="daily")
    yield
    for key in ("test_contract", "test_quote", "test_daily"):
        unregister_numbering(key)


@pytest.fixture
def voucher_table(transactional_db, doc_types):
    """A table for ``Voucher``; schema changes need a transactional test on SQLite."""
    with connection.schema_editor() as editor:
        editor.create_model(Voucher)
    yield Voucher
    with connection.schema_editor() as editor:
        editor.delete_model(Voucher)
