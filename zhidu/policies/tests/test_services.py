import datetime as dt

import pytest
from django.db import DatabaseError, transaction
from django.utils import translation

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from zhidu.policies.choices import VersionStatus
from zhidu.policies.documents import document_diff
from zhidu.policies.models import PolicyClosure, PolicyVersion
from zhidu.policies.selectors import policy_version_diff
from zhidu.policies.services import (
    policy_closure_record,
    policy_draft_create,
    policy_draft_discard,
    policy_draft_update,
    policy_publish,
    policy_version_retire,
)


def _state():
    """Everything a refused call must leave as it was."""
    return (
        list(PolicyVersion.objects.order_by("pk").values_list("pk", "status", "document", "effective_from", "note")),
        AuditEvent.objects.count(),
        PolicyClosure.objects.count(),
    )


def test_draft_starts_from_the_rule_in_force_and_is_numbered(org, publish):
    publish(max_leads_per_rep=40)
    draft = policy_draft_create(actor=org.admin, kind="demo_leads")
    assert draft.number == 2 and draft.status == VersionStatus.DRAFT
    assert draft.document["max_leads_per_rep"] == 40
    assert draft.author == org.admin
    unit_draft = policy_draft_create(actor=org.director, kind="demo_leads", unit=org.east)
    assert unit_draft.number == 1 and unit_draft.document["max_leads_per_rep"] == 40  # inherited
    ev = AuditEvent.objects.filter(action="policy.draft_create").latest("id")
    assert ev.actor == org.director and ev.object_id == str(unit_draft.pk)


def test_draft_based_on_a_version(org, publish):
    v1 = publish(max_leads_per_rep=40)
    publish(max_leads_per_rep=50)
    draft = policy_draft_create(actor=org.admin, kind="demo_leads", unit=org.west, based_on=v1)
    assert draft.based_on == v1 and draft.document["max_leads_per_rep"] == 40


def test_one_draft_per_policy(org, demo_kind):
    policy_draft_create(actor=org.admin, kind="demo_leads")
    before = _state()
    with pytest.raises(Conflict) as exc:
        policy_draft_create(actor=org.admin, kind="demo_leads")
    assert exc.value.code == "draft_exists"
    assert _state() == before


def test_unknown_kind_is_refused(org):
    before = _state()
    with pytest.raises(NotFound):
        policy_draft_create(actor=org.admin, kind="nope")
    assert _state() == before


def test_update_validates_and_fills_defaults(org, demo_kind):
    draft = policy_draft_create(actor=org.admin, kind="demo_leads")
    draft = policy_draft_update(
        actor=org.admin, version=draft, document={"max_leads_per_rep": "12", "tiers": [{"share": "0.5"}]}
    )
    assert draft.document == {
        "max_leads_per_rep": 12,
        "protect_days": 90,
        "round_robin": True,
        "tiers": [{"min_score": 0, "share": "0.5"}],
    }
    ev = AuditEvent.objects.filter(action="policy.draft_update").latest("id")
    assert ev.changes["max_leads_per_rep"] == [30, 12]
    assert ev.changes["tiers[0].share"] == ["1", "0.5"]


def test_invalid_document_gets_field_errors_and_changes_nothing(org, demo_kind):
    draft = policy_draft_create(actor=org.admin, kind="demo_leads")
    before = _state()
    bad = {"max_leads_per_rep": 0, "protect_days": "soon", "tiers": [{"share": 2}], "colour": "red"}
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        policy_draft_update(actor=org.admin, version=draft, document=bad)
    f = exc.value.fields
    assert set(f) == {
        "document.max_leads_per_rep",
        "document.protect_days",
        "document.tiers[0].share",
        "document.colour",
    }
    assert f["document.max_leads_per_rep"] == ["Must be at least 1."]
    assert f["document.protect_days"] == ["Enter a whole number."]
    assert f["document.colour"] == ["This field is not part of the policy."]
    assert _state() == before


def test_errors_are_translated_including_the_kinds_own(org, demo_kind):
    draft = policy_draft_create(actor=org.admin, kind="demo_leads")
    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        policy_draft_update(actor=org.admin, version=draft, document={"max_leads_per_rep": 0, "tiers": []})
    assert exc.value.fields["document.max_leads_per_rep"] == ["至少为 1。"]
    # The kind's own validator message is a lazy translation: shown in the user's language.
    assert exc.value.fields["document.tiers"] == ["至少设置一个档位。"]
    assert str(exc.value.message) == "制度内容有 2 处错误，请改正后再保存。"


@pytest.mark.parametrize("document", [[1, 2], "text", None, 5])
def test_document_must_be_an_object(org, demo_kind, document):
    draft = policy_draft_create(actor=org.admin, kind="demo_leads")
    before = _state()
    with pytest.raises(ValidationError) as exc:
        policy_draft_update(actor=org.admin, version=draft, document=document)
    assert list(exc.value.fields) == ["document"]
    assert _state() == before


def test_published_versions_cannot_be_edited_published_again_or_discarded(org, publish, today):
    v = publish(max_leads_per_rep=40)
    before = _state()
    with pytest.raises(Conflict) as exc:
        policy_draft_update(actor=org.admin, version=v, document={"max_leads_per_rep": 41})
    assert exc.value.code == "not_draft"
    with pytest.raises(Conflict):
        policy_publish(actor=org.admin, version=v, effective_from=today + dt.timedelta(days=1))
    with pytest.raises(Conflict):
        policy_draft_discard(actor=org.admin, version=v)
    assert _state() == before


def test_the_database_refuses_to_change_a_published_version(org, publish):
    v = publish(max_leads_per_rep=40)
    for change in (
        {"document": {"max_leads_per_rep": 1}},
        {"effective_from": dt.date(2030, 1, 1)},
        {"status": VersionStatus.DRAFT},
        {"number": 9},
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            PolicyVersion.objects.filter(pk=v.pk).update(**change)
    v.refresh_from_db()
    assert v.document["max_leads_per_rep"] == 40 and v.status == VersionStatus.PUBLISHED and v.number == 1
    # Moving to retired is allowed (content stays).
    PolicyVersion.objects.filter(pk=v.pk).update(status=VersionStatus.RETIRED)


def test_publish_records_who_and_when(org, demo_kind, today):
    draft = policy_draft_create(actor=org.admin, kind="demo_leads")
    v = policy_publish(actor=org.director, version=draft, effective_from=today, note="annual review")
    assert v.status == VersionStatus.PUBLISHED and v.effective_from == today
    assert v.published_by == org.director and v.published_at is not None and v.note == "annual review"
    ev = AuditEvent.objects.get(action="policy.publish")
    assert ev.actor == org.director and ev.changes["effective_from"] == today.isoformat()


def test_effective_from_in_a_closed_period_is_refused(org, demo_kind, today):
    policy_closure_record(actor=org.admin, closed_through=today - dt.timedelta(days=1))
    draft = policy_draft_create(actor=org.admin, kind="demo_leads")
    before = _state()
    for d in (today - dt.timedelta(days=1), today - dt.timedelta(days=40)):
        with pytest.raises(ValidationError) as exc:
            policy_publish(actor=org.admin, version=draft, effective_from=d, backdate=True, note="fix")
        assert exc.value.code == "period_closed" and "effective_from" in exc.value.fields
    assert _state() == before
    assert PolicyVersion.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


def test_closure_for_one_kind(org, demo_kind, today):
    policy_closure_record(actor=org.admin, kind="demo_leads", closed_through=today - dt.timedelta(days=3))
    draft = policy_draft_create(actor=org.admin, kind="demo_leads")
    with pytest.raises(ValidationError):
        policy_publish(
            actor=org.admin, version=draft, effective_from=today - dt.timedelta(days=3), backdate=True, note="x"
        )
    v = policy_publish(
        actor=org.admin, version=draft, effective_from=today - dt.timedelta(days=2), backdate=True, note="x"
    )
    assert v.effective_from == today - dt.timedelta(days=2)


def test_backdating_needs_the_flag_and_a_note(org, demo_kind, today):
    draft = policy_draft_create(actor=org.admin, kind="demo_leads")
    before = _state()
    with pytest.raises(ValidationError) as exc:
        policy_publish(actor=org.admin, version=draft, effective_from=today - dt.timedelta(days=1))
    assert exc.value.code == "backdate_required"
    with pytest.raises(ValidationError) as exc:
        policy_publish(actor=org.admin, version=draft, effective_from=today - dt.timedelta(days=1), backdate=True)
    assert list(exc.value.fields) == ["note"]
    with pytest.raises(ValidationError):
        policy_publish(actor=org.admin, version=draft, effective_from="2026-01-01")
    assert _state() == before
    v = policy_publish(
        actor=org.admin, version=draft, effective_from=today - dt.timedelta(days=1), backdate=True, note="typo fix"
    )
    assert v.status == VersionStatus.PUBLISHED


def test_closure_only_moves_forward_and_not_into_the_future(org, demo_kind, today):
    policy_closure_record(actor=org.admin, closed_through=today - dt.timedelta(days=10))
    before = _state()
    with pytest.raises(ValidationError):
        policy_closure_record(actor=org.admin, closed_through=today - dt.timedelta(days=11))
    with pytest.raises(ValidationError):
        policy_closure_record(actor=org.admin, closed_through=today + dt.timedelta(days=1))
    with pytest.raises(NotFound):
        policy_closure_record(actor=org.admin, kind="nope", closed_through=today - dt.timedelta(days=1))
    assert _state() == before


def test_retire_a_scheduled_version(org, publish, today):
    current = publish(max_leads_per_rep=40)
    scheduled = publish(on=today + dt.timedelta(days=30), max_leads_per_rep=60)
    before = _state()
    with pytest.raises(ValidationError):
        policy_version_retire(actor=org.admin, version=scheduled, reason="  ")
    with pytest.raises(Conflict) as exc:
        policy_version_retire(actor=org.admin, version=current, reason="wrong")
    assert exc.value.code == "in_force"
    assert _state() == before
    v = policy_version_retire(actor=org.admin, version=scheduled, reason="budget cut")
    assert v.status == VersionStatus.RETIRED and v.retired_reason == "budget cut"
    from zhidu.policies import policy_resolve

    assert policy_resolve("demo_leads", on=today + dt.timedelta(days=40)).version_id == current.pk
    with pytest.raises(Conflict):
        policy_version_retire(actor=org.admin, version=v, reason="again")


def test_discard_a_draft(org, demo_kind):
    draft = policy_draft_create(actor=org.admin, kind="demo_leads")
    policy_draft_discard(actor=org.admin, version=draft)
    assert not PolicyVersion.objects.filter(pk=draft.pk).exists()
    assert AuditEvent.objects.filter(action="policy.draft_discard", object_id=str(draft.pk)).exists()
    with pytest.raises(NotFound):
        policy_draft_update(actor=org.admin, version=draft, document={})
    # The number is free again for the next draft.
    assert policy_draft_create(actor=org.admin, kind="demo_leads").number == 1


@pytest.mark.parametrize("persona", ["rep_a1", "tm_a", "rm_east", "finance", "asst_a"])
def test_only_policy_editors_may_write(org, demo_kind, persona):
    user = getattr(org, persona)
    before = _state()
    with pytest.raises(PermissionDenied):
        policy_draft_create(actor=user, kind="demo_leads")
    assert _state() == before


@pytest.mark.parametrize("persona", ["gm", "director", "admin"])
def test_policy_editors(org, demo_kind, persona):
    assert policy_draft_create(actor=getattr(org, persona), kind="demo_leads").number == 1


def test_diff_nested_paths():
    old = {"a": 1, "b": {"c": 2, "d": [1, 2, 3]}, "e": [{"x": 1}], "gone": True}
    new = {"a": 1, "b": {"c": 3, "d": [1, 5]}, "e": [{"x": 1}, {"x": 2}], "new": "y"}
    lines = {(d.path, d.change, str(d.old), str(d.new)) for d in document_diff(old, new)}
    assert lines == {
        ("b.c", "changed", "2", "3"),
        ("b.d[1]", "changed", "2", "5"),
        ("b.d[2]", "removed", "3", "None"),
        ("e[1]", "added", "None", "{'x': 2}"),
        ("gone", "removed", "True", "None"),
        ("new", "added", "None", "y"),
    }


def test_draft_diff_against_the_version_in_force(org, publish):
    v1 = publish(max_leads_per_rep=40)
    draft = policy_draft_create(actor=org.admin, kind="demo_leads", unit=org.east)
    draft = policy_draft_update(actor=org.admin, version=draft, document={**draft.document, "round_robin": False})
    base, lines = policy_version_diff(draft)
    assert base.version_id == v1.pk
    assert [(d.path, d.old, d.new) for d in lines] == [("round_robin", True, False)]
