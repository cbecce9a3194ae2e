"""Follow-ups (跟进记录) and visit check-ins (拜访签到): validity per the ``follow_up``
policy, protection extension, who may log and comment, attachments, check-ins flagged
for distance/accuracy/location/photo, activity types and development plans."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from freezegun import freeze_time

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from zhidu.customers.choices import PlanStatus
from zhidu.customers.models import (
    Activity,
    ActivityAttachment,
    ActivityComment,
    ActivityType,
    Collaborator,
    Customer,
    DevelopmentStep,
    VisitCheckIn,
)
from zhidu.customers.policies.customers import ProtectionPolicy
from zhidu.customers.policies.follow_up import (
    FollowUpPolicy,
    VisitPolicy,
    check_in_assess,
    follow_up_validity,
    haversine_m,
)
from zhidu.customers.services import activities as svc
from zhidu.customers.services import pool as pool_svc

from .pool_support import held, load_urls, publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded attachments and photos go to a temporary folder, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


GOOD = "拜访了采购部王经理，确认了明年的采购计划与预算"
SHANGHAI_TOWER = (31.235_500, 121.501_300)


@pytest.fixture(autouse=True)
def _urls_and_english():
    """URLs loaded before freezegun; messages compared in the English source."""
    load_urls()
    with translation.override("en"):
        yield


def pol(model, **values):
    return SimpleNamespace(value=model(**values), version_id=None, ref="test")


def t(code):
    return ActivityType.objects.get(code=code)


def log(actor, customer, code="call", content=GOOD, outcome="progressed", **kw):
    return svc.activity_log(actor=actor, customer=customer, type=t(code), content=content, outcome=outcome, **kw)


# --- validity rules (pure) ----------------------------------------------------------------------------------


def _v(**kw):
    base = dict(
        type_code="call",
        type_counts=True,
        type_requires_check_in=False,
        content=GOOD,
        outcome="progressed",
        occurred_on=dt.date(2026, 3, 2),
        logged_on=dt.date(2026, 3, 2),
        check_in_flagged=None,
        policy=FollowUpPolicy(),
    )
    base.update(kw)
    return follow_up_validity(**base)


def test_validity_rules_per_policy():
    assert _v().valid
    assert not _v(type_counts=False).valid  # e-mail, WeChat, note: not by default
    assert _v(type_counts=False, policy=FollowUpPolicy(valid_types=["email"]), type_code="email").valid
    assert not _v(policy=FollowUpPolicy(valid_types=["visit"])).valid
    short = _v(content="打了电话")
    assert not short.valid and "at least 15" in short.reason
    assert _v(content="打了电话", policy=FollowUpPolicy(min_content_chars=2)).valid
    assert not _v(outcome="no_answer").valid
    assert not _v(outcome="").valid
    assert _v(outcome="no_answer", policy=FollowUpPolicy(valid_outcomes=["no_answer"])).valid
    late = _v(occurred_on=dt.date(2026, 2, 20))
    assert not late.valid and "10 days" in late.reason
    assert not _v(type_requires_check_in=True).valid
    assert not _v(type_requires_check_in=True, check_in_flagged=True, check_in_reason="no location").valid
    assert _v(type_requires_check_in=True, check_in_flagged=False).valid


def test_haversine_and_check_in_assessment():
    # 1° of latitude is about 111.2 km.
    assert round(haversine_m(30, 120, 31, 120)) == 111_195
    near = check_in_assess(
        latitude=31.2360, longitude=121.5013, accuracy_m=30, customer_latitude=SHANGHAI_TOWER[0],
        customer_longitude=SHANGHAI_TOWER[1], has_photo=True, policy=VisitPolicy(),
    )  # fmt: skip
    assert not near.flagged and 50 <= near.distance_m <= 60
    far = check_in_assess(
        latitude=31.2455, longitude=121.5013, accuracy_m=30, customer_latitude=SHANGHAI_TOWER[0],
        customer_longitude=SHANGHAI_TOWER[1], has_photo=True, policy=VisitPolicy(),
    )  # fmt: skip
    assert far.flagged and "more than 500 m" in far.reason
    none = check_in_assess(
        latitude=None, longitude=None, accuracy_m=None, customer_latitude=SHANGHAI_TOWER[0],
        customer_longitude=SHANGHAI_TOWER[1], has_photo=False, policy=VisitPolicy(),
    )  # fmt: skip
    assert none.flagged and "no location" in none.reason and "no photo" in none.reason
    fuzzy = check_in_assess(
        latitude=31.2360, longitude=121.5013, accuracy_m=1500, customer_latitude=None, customer_longitude=None,
        has_photo=True, policy=VisitPolicy(),
    )  # fmt: skip
    assert fuzzy.flagged and "accuracy" in fuzzy.reason and fuzzy.distance_m is None


# --- logging ------------------------------------------------------------------------------------------------------


def test_a_valid_follow_up_moves_the_clock_and_extends_protection(org):
    with freeze_time("2026-03-02 10:00:00+08:00"):
        received = timezone.now() - dt.timedelta(days=10)
        c = held(org.rep_a1, received=received, protected_until=dt.date(2026, 3, 12))
        protection = pol(ProtectionPolicy, follow_up_extends_days=30, max_days_from_receipt=35)
        a = log(org.rep_a1, c, protection_policy=protection)
    assert a.is_valid and a.validity_reason == "Valid follow-up."
    assert a.policy_ref == "follow_up · default" and a.owner_unit_id == org.team_a.pk
    c.refresh_from_db()
    assert c.last_valid_follow_up_at == a.occurred_at
    # Follow-up on 2 March + 30 days = 1 April, capped at receipt (20 Feb) + 35 days = 27 March.
    assert c.protected_until == dt.date(2026, 3, 27)
    ev = AuditEvent.objects.get(action="customer.follow_up", object_id=str(c.pk))
    assert ev.changes["protected_until"] == ["2026-03-12", "2026-03-27"]


def test_protection_extension_from_the_published_policy(org):
    publish(org.admin, "protection", {"follow_up_extends_days": 45, "max_days_from_receipt": 400})
    c = held(org.rep_a1, protected_until=timezone.localdate())
    log(org.rep_a1, c)
    c.refresh_from_db()
    assert c.protected_until == timezone.localdate() + dt.timedelta(days=45)


def test_an_invalid_follow_up_changes_nothing_on_the_customer(org):
    c = held(org.rep_a1, protected_until=timezone.localdate() + dt.timedelta(days=5))
    a = log(org.rep_a1, c, outcome="no_answer")
    assert not a.is_valid and "outcome" in a.validity_reason
    c.refresh_from_db()
    assert c.last_valid_follow_up_at is None
    assert c.protected_until == timezone.localdate() + dt.timedelta(days=5)
    assert not AuditEvent.objects.filter(action="customer.follow_up").exists()


def test_policy_decides_validity_and_records_its_version(org):
    version = publish(org.admin, "follow_up", {"min_content_chars": 40})
    a = log(org.rep_a1, held(org.rep_a1))
    assert not a.is_valid and a.policy_version_id == version.pk and "follow_up v" in a.policy_ref


def test_follow_up_on_a_pool_customer_needs_a_claim_first(org):
    c = held(org.rep_a1)
    pool_svc.customer_release(actor=org.rep_a1, customer=c, reason="无需求")
    with pytest.raises(Conflict) as exc:
        log(org.rep_a2, Customer.objects.get(pk=c.pk))
    assert exc.value.code == "in_pool"
    assert not Activity.objects.exists()


def test_who_may_log(org):
    c = held(org.rep_a1)
    with pytest.raises(NotFound):
        log(org.rep_a2, c)
    with pytest.raises(PermissionDenied):
        log(org.finance, c)
    assert log(org.tm_a, c).owner_id == org.tm_a.pk  # the manager in scope
    Collaborator.objects.create(customer=c, user=org.rep_a2, access="read")
    assert log(org.rep_a2, c).owner_id == org.rep_a2.pk  # a collaborator
    assert Activity.objects.count() == 2


def test_future_and_bad_input_is_refused_and_nothing_is_written(org):
    c = held(org.rep_a1)
    with pytest.raises(ValidationError) as exc:
        log(org.rep_a1, c, occurred_at=timezone.now() + dt.timedelta(hours=2))
    assert "occurred_at" in exc.value.fields
    with pytest.raises(ValidationError):
        log(org.rep_a1, c, content="   ")
    with pytest.raises(ValidationError):
        log(org.rep_a1, c, next_date=timezone.localdate() - dt.timedelta(days=1))
    other = held(org.rep_a2)
    from .factories import ContactFactory

    with pytest.raises(ValidationError):
        log(org.rep_a1, c, contact=ContactFactory(customer=other))
    assert not Activity.objects.exists()


def test_attachments_are_limited_by_size_and_kind(org):
    c = held(org.rep_a1)
    small = SimpleUploadedFile("报价单.pdf", b"%PDF-1.4 hello", content_type="application/pdf")
    a = log(org.rep_a1, c, attachments=[small])
    att = ActivityAttachment.objects.get(activity=a)
    assert att.name == "报价单.pdf" and att.size == 14 and att.uploaded_by_id == org.rep_a1.pk
    exe = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationError) as exc:
        log(org.rep_a1, c, attachments=[exe])
    assert "attachments" in exc.value.fields
    big = SimpleUploadedFile("big.pdf", b"x" * (2 * 1024 * 1024 + 1), content_type="application/pdf")
    with pytest.raises(ValidationError):
        log(org.rep_a1, c, attachments=[big], follow_up_policy=pol(FollowUpPolicy, max_attachment_mb=2))
    assert Activity.objects.count() == 1 and ActivityAttachment.objects.count() == 1


def test_logging_on_a_lead_marks_it_touched(org):
    from .factories import LeadFactory

    lead = LeadFactory(owner=org.rep_a1)
    a = svc.activity_log(actor=org.rep_a1, customer=None, lead=lead, type=t("call"), content=GOOD, outcome="progressed")
    assert a.lead_id == lead.pk
    lead.refresh_from_db()
    assert lead.first_touched_at is not None
    with pytest.raises(NotFound):
        svc.activity_log(actor=org.rep_a2, customer=None, lead=lead, type=t("call"), content=GOOD)


def test_a_managers_follow_up_on_a_lead_does_not_stop_the_assignees_clock(org):
    from .factories import LeadFactory

    lead = LeadFactory(owner=org.rep_a1, owner_unit=org.team_a)
    svc.activity_log(actor=org.tm_a, customer=None, lead=lead, type=t("call"), content=GOOD, outcome="progressed")
    lead.refresh_from_db()
    assert lead.first_touched_at is None


# --- visit check-in -------------------------------------------------------------------------------------------------


def photo():
    return SimpleUploadedFile("site.jpg", b"\xff\xd8\xff\xe0fakejpeg", content_type="image/jpeg")


def at_tower(org, **kw):
    return held(org.rep_a1, latitude=SHANGHAI_TOWER[0], longitude=SHANGHAI_TOWER[1], **kw)


def test_check_in_on_site_is_a_valid_visit(org):
    c = at_tower(org)
    a = svc.visit_check_in(
        actor=org.rep_a1, customer=c, latitude="31.236000", longitude="121.501300", accuracy_m=25,
        photo=photo(), content=GOOD, outcome="progressed",
        client_time=timezone.now() - dt.timedelta(minutes=3),
    )  # fmt: skip
    ci = VisitCheckIn.objects.get(activity=a)
    assert a.type.code == "visit" and a.is_valid
    assert not ci.flagged and 50 <= ci.distance_m <= 60 and ci.accuracy_m == 25 and ci.photo
    assert ci.checked_in_at == a.occurred_at  # the server's time
    assert Customer.objects.get(pk=c.pk).last_valid_follow_up_at == a.occurred_at


def test_check_in_too_far_is_flagged_and_does_not_count(org):
    c = at_tower(org)
    a = svc.visit_check_in(
        actor=org.rep_a1, customer=c, latitude=31.2600, longitude=121.5013, accuracy_m=20, photo=photo(),
        content=GOOD, outcome="progressed",
    )  # fmt: skip
    ci = a.check_in
    assert ci.flagged and ci.distance_m > 2500 and "more than 500 m" in ci.flag_reason
    assert not a.is_valid and "flagged" in a.validity_reason
    assert Customer.objects.get(pk=c.pk).last_valid_follow_up_at is None


def test_check_in_without_location_is_flagged(org):
    c = at_tower(org)
    a = svc.visit_check_in(actor=org.rep_a1, customer=c, photo=photo(), content=GOOD, outcome="progressed")
    assert a.check_in.flagged and a.check_in.flag_reason == "no location"
    assert a.check_in.distance_m is None and not a.is_valid


def test_check_in_distance_follows_the_visit_policy(org):
    publish(org.admin, "visit", {"max_distance_m": 5000, "require_photo": False})
    c = at_tower(org)
    a = svc.visit_check_in(
        actor=org.rep_a1, customer=c, latitude=31.2600, longitude=121.5013, accuracy_m=20, content=GOOD,
        outcome="progressed",
    )  # fmt: skip
    assert not a.check_in.flagged and a.is_valid and a.check_in.policy_version_id is not None


def test_check_in_refuses_bad_input(org):
    c = at_tower(org)
    with pytest.raises(ValidationError):
        svc.visit_check_in(actor=org.rep_a1, customer=c, latitude=95, longitude=121)
    with pytest.raises(ValidationError):
        svc.visit_check_in(actor=org.rep_a1, customer=c, latitude=31.2, longitude=None)
    text = SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")
    with pytest.raises(ValidationError) as exc:
        svc.visit_check_in(actor=org.rep_a1, customer=c, latitude=31.2, longitude=121.5, photo=text)
    assert "photo" in exc.value.fields
    with pytest.raises(NotFound):
        svc.visit_check_in(actor=org.rep_b1, customer=c, latitude=31.2, longitude=121.5)
    assert not Activity.objects.exists() and not VisitCheckIn.objects.exists()


# --- comments (点评) ---------------------------------------------------------------------------------------------------

COMMENT_MATRIX = [
    ("tm_a", "ok"),
    ("rm_east", "ok"),
    ("director", "ok"),
    ("gm", "ok"),
    ("admin", "ok"),
    ("rep_a1", PermissionDenied),  # their own follow-up
    ("rep_a2", NotFound),
    ("asst_a", PermissionDenied),  # sees the team's follow-ups, is no manager
    ("tm_b", NotFound),
    ("tm_c", NotFound),
    ("finance", NotFound),
]


@pytest.mark.parametrize(("persona", "expected"), COMMENT_MATRIX)
def test_comment_permission_matrix(org, persona, expected, monkeypatch):
    sent = []
    monkeypatch.setattr(svc, "notify_later", lambda **kw: sent.append(kw))
    a = log(org.rep_a1, held(org.rep_a1))
    user = getattr(org, persona)
    if expected == "ok":
        comment = svc.activity_comment_add(actor=user, activity=a, content="下次带上技术方案")
        assert comment.author_id == user.pk
        assert sent[0]["recipient_ids"] == [org.rep_a1.pk]
    else:
        with pytest.raises(expected):
            svc.activity_comment_add(actor=user, activity=a, content="x")
        assert not ActivityComment.objects.exists()


def test_an_empty_comment_is_refused(org):
    a = log(org.rep_a1, held(org.rep_a1))
    with pytest.raises(ValidationError):
        svc.activity_comment_add(actor=org.tm_a, activity=a, content="  ")


# --- activity types -------------------------------------------------------------------------------------------------------


def test_activity_types_are_edited_by_admins_only(org):
    with pytest.raises(PermissionDenied):
        svc.activity_type_create(actor=org.rep_a1, data={"code": "demo", "name": "演示"})
    new = svc.activity_type_create(actor=org.director, data={"code": "demo", "name": "产品演示", "name_en": "Demo"})
    assert new.sort_order > ActivityType.objects.exclude(pk=new.pk).order_by("-sort_order").first().sort_order
    svc.activity_type_update(actor=org.director, activity_type=new, data={"counts_as_valid": False, "is_active": False})
    new.refresh_from_db()
    assert not new.counts_as_valid and not new.is_active
    with pytest.raises(ValidationError):
        svc.activity_type_update(actor=org.director, activity_type=new, data={"code": "other"})
    with pytest.raises(ValidationError):
        svc.activity_type_create(actor=org.director, data={"code": "demo", "name": "重复"})
    first, second = list(ActivityType.objects.order_by("sort_order", "code")[:2])
    svc.activity_type_move(actor=org.director, activity_type=second, up=True)
    assert list(ActivityType.objects.order_by("sort_order", "code")[:2]) == [second, first]
    with pytest.raises(ValidationError):
        log(org.rep_a1, held(org.rep_a1), code="demo")  # inactive


# --- development plans ---------------------------------------------------------------------------------------------------


def test_development_plan_with_steps(org):
    c = held(org.rep_a1)
    plan = svc.development_plan_create(actor=org.rep_a1, customer=c, title="年内签约", goal="拿下首单")
    step = svc.development_step_add(
        actor=org.rep_a1, plan=plan, title="技术交流", owner=org.rep_a2, due_date=timezone.localdate()
    )
    assert step.owner_id == org.rep_a2.pk
    # The step's owner ticks it off even without access to the customer.
    svc.development_step_complete(actor=org.rep_a2, step=step)
    assert DevelopmentStep.objects.get(pk=step.pk).done_at is not None
    with pytest.raises(NotFound):
        svc.development_plan_create(actor=org.rep_b1, customer=c, title="抢单")
    svc.development_plan_set_status(actor=org.rep_a1, plan=plan, status=PlanStatus.DONE)
    with pytest.raises(Conflict):
        svc.development_step_add(actor=org.rep_a1, plan=plan, title="再加一步")


# --- permission matrix: who logs on rep_a1's customer, who sees rep_a1's follow-ups ---------------------

ACTIVITY_MATRIX = [
    # persona, may log a follow-up on rep_a1's customer, sees rep_a1's follow-up in the list
    ("rep_a1", "ok", True),
    ("rep_a2", NotFound, False),
    ("rep_b1", NotFound, False),
    ("asst_a", "ok", True),  # the team's assistant (team scope)
    ("tm_a", "ok", True),
    ("tm_b", NotFound, False),
    ("rm_east", "ok", True),
    ("rm_west", NotFound, False),
    ("director", "ok", True),
    ("gm", "ok", True),
    ("finance", PermissionDenied, False),
    ("admin", "ok", True),
]


@pytest.mark.parametrize(("persona", "log_result", "sees"), ACTIVITY_MATRIX)
def test_activity_permission_matrix(org, persona, log_result, sees):
    from zhidu.customers.selectors.activities import activity_list

    c = held(org.rep_a1)
    own = log(org.rep_a1, c)
    user = getattr(org, persona)
    if log_result == "ok":
        assert log(user, c).owner_id == user.pk
    else:
        with pytest.raises(log_result):
            log(user, c)
        assert Activity.objects.count() == 1
    assert (own.pk in {a.pk for a in activity_list(user=user)}) is sees


def test_timeline_shows_a_follow_up_once_and_no_raw_audit_codes(org):
    from zhidu.customers.selectors.customers import customer_timeline

    from .factories import CustomerFactory

    c = CustomerFactory(owner=org.rep_a1, owner_unit=org.team_a)
    log(org.rep_a1, c)
    entries = customer_timeline(user=org.rep_a1, customer=c)
    assert [e.kind for e in entries].count("activity") == 1
    assert not any("customer." in str(e.title) for e in entries)
