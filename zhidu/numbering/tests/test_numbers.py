import datetime as dt

import pytest
from django.db import transaction
from django.db.transaction import TransactionManagementError

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import NotFound, PermissionDenied, ValidationError
from zhidu.numbering import number_next
from zhidu.numbering.models import NumberCounter, NumberingRule
from zhidu.numbering.registry import register_numbering
from zhidu.numbering.rules import RuleSpec
from zhidu.numbering.services import numbering_rule_reset, numbering_rule_update

from .conftest import ON


@pytest.mark.parametrize(
    "rule,seq,expected",
    [
        ({}, 7, "HT-202611-0007"),
        ({"date_part": "yyyy", "reset": "yearly"}, 7, "HT-2026-0007"),
        ({"date_part": "yyyymmdd", "reset": "daily", "width": 3}, 12, "HT-20261105-012"),
        ({"date_part": "none", "reset": "never", "separator": "", "width": 6}, 42, "HT000042"),
        ({"prefix": "", "separator": "_"}, 7, "202611_0007"),
        ({"prefix": "合同", "separator": "."}, 7, "合同.202611.0007"),
        ({"width": 2}, 123, "HT-202611-123"),  # longer than the width: written in full
    ],
)
def test_formats(rule, seq, expected):
    spec = RuleSpec(key="k", label="k", prefix=rule.pop("prefix", "HT"), **rule)
    assert spec.format(seq, ON) == expected


def test_periods():
    base = {"key": "k", "label": "k", "prefix": "X"}
    assert RuleSpec(**base, reset="never", date_part="none").period(ON) == ""
    assert RuleSpec(**base, reset="yearly").period(ON) == "2026"
    assert RuleSpec(**base, reset="monthly").period(ON) == "202611"
    assert RuleSpec(**base, reset="daily", date_part="yyyymmdd").period(ON) == "20261105"


def test_numbers_follow_each_other(db, doc_types):
    assert [number_next("test_contract", on=ON) for _ in range(3)] == [
        "HT-202611-0001",
        "HT-202611-0002",
        "HT-202611-0003",
    ]
    assert number_next("test_quote", on=ON) == "BJ000001"
    assert number_next("test_daily", on=ON) == "RB-20261105-001"


def test_monthly_rollover(db, doc_types):
    nov30, dec1 = dt.date(2026, 11, 30), dt.date(2026, 12, 1)
    assert number_next("test_contract", on=nov30) == "HT-202611-0001"
    assert number_next("test_contract", on=nov30) == "HT-202611-0002"
    assert number_next("test_contract", on=dec1) == "HT-202612-0001"
    assert number_next("test_contract", on=nov30) == "HT-202611-0003"  # a late November document
    assert number_next("test_daily", on=nov30) == "RB-20261130-001"
    assert number_next("test_daily", on=dec1) == "RB-20261201-001"
    assert number_next("test_quote", on=nov30) == "BJ000001"
    assert number_next("test_quote", on=dt.date(2027, 1, 1)) == "BJ000002"  # never restarts
    assert dict(NumberCounter.objects.filter(rule_key="test_contract").values_list("period", "value")) == {
        "202611": 3,
        "202612": 1,
    }


def test_yearly_rollover(db, doc_types):
    register_numbering("test_contract", "Test contract", "HT", date_part="yyyymm", reset="yearly")
    assert number_next("test_contract", on=dt.date(2026, 11, 30)) == "HT-202611-0001"
    assert number_next("test_contract", on=dt.date(2026, 12, 31)) == "HT-202612-0002"
    assert number_next("test_contract", on=dt.date(2027, 1, 1)) == "HT-202701-0001"


def test_today_is_the_default_date(db, doc_types):
    from django.utils import timezone

    assert number_next("test_contract") == f"HT-{timezone.localdate():%Y%m}-0001"


def test_rollback_gives_the_number_back(db, doc_types):
    class Boom(Exception):
        pass

    assert number_next("test_contract", on=ON) == "HT-202611-0001"
    with pytest.raises(Boom), transaction.atomic():
        assert number_next("test_contract", on=ON) == "HT-202611-0002"
        raise Boom
    assert number_next("test_contract", on=ON) == "HT-202611-0002"  # no gap


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_is_refused(doc_types):
    with pytest.raises(TransactionManagementError):
        number_next("test_contract", on=ON)
    assert not NumberCounter.objects.exists()
    with transaction.atomic():
        assert number_next("test_contract", on=ON) == "HT-202611-0001"


def test_unknown_key(db):
    with pytest.raises(NotFound) as exc:
        number_next("no_such_document", on=ON)
    assert exc.value.code == "unknown_numbering_key"
    assert not NumberCounter.objects.exists()


def test_register_refuses_a_bad_default():
    with pytest.raises(ValueError):
        register_numbering("bad", "Bad", "HT", width=0)
    with pytest.raises(ValueError):
        register_numbering("bad", "Bad", "HT", date_part="none", reset="monthly")


# --- admins change rules ----------------------------------------------------------------


def _state():
    return (
        list(NumberingRule.objects.values_list("key", "prefix", "date_part", "width", "reset", "separator")),
        AuditEvent.objects.count(),
    )


GOOD = {"prefix": "HT", "date_part": "yyyymm", "width": 4, "reset": "monthly", "separator": "-"}


def test_an_override_applies_to_the_next_number(org, doc_types):
    assert number_next("test_contract", on=ON) == "HT-202611-0001"
    numbering_rule_update(actor=org.admin, key="test_contract", **{**GOOD, "prefix": "SC", "width": 5})
    assert number_next("test_contract", on=ON) == "SC-202611-00002"  # same counter, new form
    ev = AuditEvent.objects.get(action="numbering_rule.update")
    assert ev.changes == {
        "prefix": [None, "SC"],
        "date_part": [None, "yyyymm"],
        "width": [None, 5],
        "reset": [None, "monthly"],
        "separator": [None, "-"],
    }
    numbering_rule_reset(actor=org.admin, key="test_contract")
    assert number_next("test_contract", on=ON) == "HT-202611-0003"


@pytest.mark.parametrize(
    "change,field",
    [
        ({"width": 0}, "width"),
        ({"width": 13}, "width"),
        ({"width": "abc"}, "width"),
        ({"width": 4.5}, "width"),
        ({"width": True}, "width"),
        ({"prefix": "H T"}, "prefix"),
        ({"prefix": "HT-"}, "prefix"),
        ({"prefix": "A" * 13}, "prefix"),
        ({"separator": "/"}, "separator"),
        ({"date_part": "yy"}, "date_part"),
        ({"reset": "weekly"}, "reset"),
        ({"date_part": "yyyy", "reset": "monthly"}, "reset"),
        ({"date_part": "none", "reset": "yearly"}, "reset"),
    ],
)
def test_bad_rules_are_refused_and_change_nothing(org, doc_types, change, field):
    before = _state()
    with pytest.raises(ValidationError) as exc:
        numbering_rule_update(actor=org.admin, key="test_contract", **{**GOOD, **change})
    assert field in exc.value.fields
    assert _state() == before


def test_unknown_key_cannot_be_configured(org, doc_types):
    before = _state()
    with pytest.raises(NotFound):
        numbering_rule_update(actor=org.admin, key="nope", **GOOD)
    assert _state() == before


def test_restart_change_refused_once_numbers_were_issued_this_period(org, doc_types):
    from django.utils import timezone

    with transaction.atomic():
        number_next("test_contract")  # today
    before = _state()
    with pytest.raises(ValidationError) as exc:
        numbering_rule_update(actor=org.admin, key="test_contract", **{**GOOD, "reset": "yearly"})
    assert exc.value.code == "period_in_use"
    assert _state() == before
    # Prefix, width and separator may change at any time.
    numbering_rule_update(actor=org.admin, key="test_contract", **{**GOOD, "prefix": "HX"})
    # A type with no number this period may change how it restarts.
    numbering_rule_update(
        actor=org.admin, key="test_quote", prefix="BJ", date_part="yyyy", width=6, reset="yearly", separator=""
    )
    assert number_next("test_quote") == f"BJ{timezone.localdate():%Y}000001"


@pytest.mark.parametrize("persona", ["gm", "director", "rep_a1", "finance"])
def test_only_admins_change_rules(org, doc_types, persona):
    before = _state()
    with pytest.raises(PermissionDenied):
        numbering_rule_update(actor=getattr(org, persona), key="test_contract", **GOOD)
    assert _state() == before
