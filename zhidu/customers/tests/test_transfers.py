"""客户转移 / 离职交接: who may transfer whose customers to whom (a persona matrix), per-row
results (holding cap, locks, already held), what goes along (leads, development steps,
pending approval tasks), credit that stays, one audit event with child rows, the pool as a
target, and deactivation blocked until the handover is done."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from zhidu.customers.choices import CustomerStatus, PoolEventKind, TransferKind
from zhidu.customers.models import (
    Collaborator,
    Customer,
    DevelopmentPlan,
    DevelopmentStep,
    Lead,
    PoolEvent,
    PublicPool,
    Transfer,
)
from zhidu.customers.policies.customers import HoldingPolicy
from zhidu.customers.policies.transfer import TransferPolicy
from zhidu.customers.services import bulk_actions as bulk
from zhidu.customers.services import transfers as svc
from zhidu.org.services import user_deactivate

from .factories import ContactFactory, CustomerFactory, LeadFactory
from .pool_support import load_urls

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _urls(settings):
    load_urls()
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def pol(model, **values):
    return SimpleNamespace(value=model(**values), version_id=None, ref="test")


def held(owner, n=1, **kw):
    return [CustomerFactory(owner=owner, **kw) for _ in range(n)]


def owners(customers):
    return [Customer.objects.get(pk=c.pk).owner_id for c in customers]


# --- who may transfer whose customers to whom ------------------------------------------------------

MATRIX = [
    # actor, from, to, allowed
    ("tm_a", "rep_a1", "rep_a2", True),
    ("tm_a", "rep_a1", "tm_a", True),
    ("tm_a", "rep_a1", "rep_b1", False),  # receiver outside the team
    ("tm_a", "rep_b1", "rep_a2", False),  # customers outside the team
    ("rm_east", "rep_a1", "rep_b1", True),
    ("rm_east", "rep_b1", "rep_a1", True),
    ("rm_east", "rep_a1", "rep_c1", False),
    ("rm_west", "rep_a1", "rep_c1", False),
    ("director", "rep_a1", "rep_c1", True),
    ("gm", "rep_c1", "rep_b1", True),
    ("rep_a1", "rep_a1", "rep_a2", False),  # reps release to the pool; they do not transfer
    ("rep_a2", "rep_a1", "rep_a2", False),
    ("asst_a", "rep_a1", "rep_a2", False),
    ("finance", "rep_a1", "rep_a2", False),
]


@pytest.mark.parametrize(("actor", "source", "target", "allowed"), MATRIX)
def test_transfer_matrix(org, actor, source, target, allowed):
    customers = held(getattr(org, source), 2)
    before = AuditEvent.objects.count()
    call = dict(actor=getattr(org, actor), customers=customers, to_user=getattr(org, target), reason="客户调整")
    if allowed:
        t = svc.customer_transfer(**call)
        assert (t.total, t.succeeded, t.failed) == (2, 2, 0)
        assert owners(customers) == [getattr(org, target).pk] * 2
        return
    try:
        t = svc.customer_transfer(**call)
    except (PermissionDenied, NotFound):
        assert not Transfer.objects.exists()
        assert AuditEvent.objects.count() == before
    else:
        # The call went through but every row outside the actor's scope failed.
        assert t.succeeded == 0 and t.failed == 2
        assert {i.message for i in t.items.all()} == {"Not found, or outside your scope."}
    assert owners(customers) == [getattr(org, source).pk] * 2


def test_handover_from_a_person_outside_the_units_is_refused(org):
    held(org.rep_b1, 1)
    with pytest.raises(PermissionDenied):
        svc.customer_handover(actor=org.tm_a, from_user=org.rep_b1, to_user=org.rep_a2, reason="离职")
    assert not Transfer.objects.exists()


def test_needs_a_reason_and_one_target(org):
    cs = held(org.rep_a1, 1)
    with pytest.raises(ValidationError) as exc:
        svc.customer_transfer(actor=org.tm_a, customers=cs, to_user=org.rep_a2, reason=" ")
    assert "reason" in exc.value.fields
    with pytest.raises(ValidationError):
        svc.customer_transfer(actor=org.tm_a, customers=cs, reason="调整")
    pool = PublicPool.objects.create(name="一组公海", unit=org.team_a)
    with pytest.raises(ValidationError):
        svc.customer_transfer(actor=org.tm_a, customers=cs, to_user=org.rep_a2, to_pool=pool, reason="调整")
    assert owners(cs) == [org.rep_a1.pk] and not Transfer.objects.exists()


def test_inactive_receiver_is_refused(org):
    cs = held(org.rep_a1, 1)
    org.rep_a2.is_active = False
    org.rep_a2.save()
    with pytest.raises(ValidationError):
        svc.customer_transfer(actor=org.tm_a, customers=cs, to_user=org.rep_a2, reason="调整")
    assert owners(cs) == [org.rep_a1.pk]


# --- per-row results -----------------------------------------------------------------------------------


def test_rows_over_the_receivers_cap_fail_the_rest_go_through(org):
    held(org.rep_a2, 1)  # the receiver already holds one
    paying = CustomerFactory(owner=org.rep_a1, status=CustomerStatus.ACTIVE)  # does not count
    cs = held(org.rep_a1, 3)
    t = svc.customer_transfer(
        actor=org.tm_a,
        customers=[*cs, paying],
        to_user=org.rep_a2,
        reason="调整",
        holding_policy=pol(HoldingPolicy, max_customers=3),
    )
    items = {int(i.object_id): i for i in t.items.all()}
    assert [items[c.pk].ok for c in cs] == [True, True, False]
    assert "Over the holding cap" in items[cs[2].pk].message and "the cap is 3" in items[cs[2].pk].message
    assert items[paying.pk].ok
    assert owners(cs) == [org.rep_a2.pk, org.rep_a2.pk, org.rep_a1.pk]
    assert (t.total, t.succeeded, t.failed, t.status) == (4, 3, 1, "done")


def test_rows_already_held_in_the_bin_or_in_a_pool_fail(org):
    mine = held(org.rep_a2, 1)[0]
    binned = CustomerFactory(owner=org.rep_a1, deleted_at=timezone.now())
    pool = PublicPool.objects.create(name="一组公海", unit=org.team_a)
    pooled = CustomerFactory(pool=pool, owner_unit=org.team_a)
    ok = held(org.rep_a1, 1)[0]
    t = svc.customer_transfer(actor=org.tm_a, customers=[mine, binned, pooled, ok], to_user=org.rep_a2, reason="调整")
    msg = {int(i.object_id): (i.ok, i.message) for i in t.items.all()}
    assert msg[mine.pk] == (False, "周组长 already holds it.".replace("周组长", str(org.rep_a2)))
    assert msg[binned.pk] == (False, "In the recycle bin.")
    assert msg[pooled.pk][0] is False and "public pool" in msg[pooled.pk][1]
    assert msg[ok.pk] == (True, "")


def test_owner_unit_restamped_protection_restarts_credit_stays(org):
    old = timezone.localdate() + dt.timedelta(days=5)
    c = CustomerFactory(owner=org.rep_a1, protected_until=old, recycle_warned_at=timezone.now())
    long = CustomerFactory(owner=org.rep_a1, protected_until=timezone.localdate() + dt.timedelta(days=400))
    Collaborator.objects.create(customer=c, user=org.rep_b1)
    svc.customer_transfer(actor=org.rm_east, customers=[c, long], to_user=org.rep_b1, reason="区域调整")
    c.refresh_from_db()
    long.refresh_from_db()
    assert c.owner_id == org.rep_b1.pk and c.owner_unit_id == org.team_b.pk
    assert c.credit_to_id == org.rep_a1.pk  # credit for the past stays with the original owner
    assert c.protected_until == timezone.localdate() + dt.timedelta(days=90)
    assert long.protected_until == timezone.localdate() + dt.timedelta(days=400)  # never shortened
    assert c.recycle_warned_at is None
    assert not Collaborator.objects.filter(customer=c, user=org.rep_b1).exists()


def test_protection_kept_when_the_policy_says_so(org):
    until = timezone.localdate() + dt.timedelta(days=3)
    c = CustomerFactory(owner=org.rep_a1, protected_until=until)
    svc.customer_transfer(
        actor=org.tm_a,
        customers=[c],
        to_user=org.rep_a2,
        reason="调整",
        transfer_policy=pol(TransferPolicy, restart_protection=False),
    )
    c.refresh_from_db()
    assert c.protected_until == until and c.owner_id == org.rep_a2.pk


def test_one_audit_event_with_a_child_row_per_customer(org):
    cs = held(org.rep_a1, 3)
    t = svc.customer_transfer(actor=org.tm_a, customers=cs, to_user=org.rep_a2, reason="重新分工")
    parent = AuditEvent.objects.get(action="customer.transfer", parent__isnull=True)
    assert parent.changes["transfer"] == t.pk and parent.changes["succeeded"] == 3
    children = AuditEvent.objects.filter(parent=parent).order_by("object_id")
    assert [int(e.object_id) for e in children] == sorted(c.pk for c in cs)
    assert children[0].changes["owner"] == [org.rep_a1.pk, org.rep_a2.pk]
    assert children[0].changes["owner_unit"] == [org.team_a.pk, org.team_a.pk]
    assert {e.reason for e in children} == {"重新分工"}


def test_receiver_is_notified(org, django_capture_on_commit_callbacks):
    from zhidu.notifications.models import Notification

    cs = held(org.rep_a1, 2)
    with django_capture_on_commit_callbacks(execute=True):
        svc.customer_transfer(actor=org.tm_a, customers=cs, to_user=org.rep_a2, reason="调整")
    n = Notification.objects.get(recipient=org.rep_a2)
    assert n.event == svc.EVENT_RECEIVED and "2" in n.title and n.body == "调整"
    assert Notification.objects.filter(recipient=org.rep_a1, event=svc.EVENT_MOVED_AWAY).exists()


# --- to the pool ------------------------------------------------------------------------------------------


def test_transfer_to_a_pool(org):
    pool = PublicPool.objects.create(name="一组公海", unit=org.team_a)
    cs = held(org.rep_a1, 2)
    locked = CustomerFactory(owner=org.rep_a1, locked_until=timezone.localdate() + dt.timedelta(days=9))
    t = svc.customer_transfer(actor=org.tm_a, customers=[*cs, locked], to_pool=pool, reason="离职后退回公海")
    assert (t.succeeded, t.failed) == (2, 1)
    for c in cs:
        c.refresh_from_db()
        assert (c.owner_id, c.pool_id, c.owner_unit_id, c.protected_until) == (None, pool.pk, org.team_a.pk, None)
    assert Customer.objects.get(pk=locked.pk).owner_id == org.rep_a1.pk
    assert "Locked until" in t.items.get(object_id=str(locked.pk)).message
    events = PoolEvent.objects.filter(kind=PoolEventKind.RELEASE, actor=org.tm_a)
    assert events.count() == 2 and {e.from_owner_id for e in events} == {org.rep_a1.pk}


def test_pool_outside_the_actors_units_is_refused(org):
    pool = PublicPool.objects.create(name="成都公海", unit=org.team_c)
    cs = held(org.rep_a1, 1)
    with pytest.raises(PermissionDenied):
        svc.customer_transfer(actor=org.tm_a, customers=cs, to_pool=pool, reason="调整")
    assert owners(cs) == [org.rep_a1.pk]


# --- handover: what goes along, deactivation -------------------------------------------------------------


def test_handover_moves_everything_then_deactivation_is_allowed(org):
    cs = held(org.rep_a1, 2)
    ContactFactory(customer=cs[0], name="李经理")
    lead = LeadFactory(owner=org.rep_a1, owner_unit=org.team_a)
    closed = LeadFactory(owner=org.rep_a1, owner_unit=org.team_a, status="converted")
    plan = DevelopmentPlan.objects.create(customer=cs[0], title="开发计划")
    open_step = DevelopmentStep.objects.create(plan=plan, title="拜访", owner=org.rep_a1)
    done_step = DevelopmentStep.objects.create(plan=plan, title="报价", owner=org.rep_a1, done_at=timezone.now())

    with pytest.raises(Conflict) as exc:
        user_deactivate(actor=org.admin, user=org.rep_a1)
    assert exc.value.code == "owns_records"
    assert "customers: 2" in str(exc.value.message) and "open leads: 1" in str(exc.value.message)

    t = svc.customer_handover(actor=org.tm_a, from_user=org.rep_a1, to_user=org.rep_a2, reason="离职交接")
    assert t.kind == TransferKind.HANDOVER and t.from_user_id == org.rep_a1.pk
    kinds = sorted((i.object_type, i.ok) for i in t.items.all())
    assert kinds.count(("customers.customer", True)) == 2
    assert ("customers.lead", True) in kinds and ("customers.developmentstep", True) in kinds
    assert owners(cs) == [org.rep_a2.pk] * 2
    assert cs[0].contacts.get().name == "李经理"  # contacts go with their customer
    assert Lead.objects.get(pk=lead.pk).owner_id == org.rep_a2.pk
    assert Lead.objects.get(pk=closed.pk).owner_id == org.rep_a1.pk  # history stays
    assert DevelopmentStep.objects.get(pk=open_step.pk).owner_id == org.rep_a2.pk
    assert DevelopmentStep.objects.get(pk=done_step.pk).owner_id == org.rep_a1.pk
    assert AuditEvent.objects.filter(action="customer.handover", object_type="customers.lead").exists()

    user_deactivate(actor=org.admin, user=org.rep_a1)
    org.rep_a1.refresh_from_db()
    assert not org.rep_a1.is_active


def test_handover_to_the_pool_leaves_leads_unassigned(org):
    pool = PublicPool.objects.create(name="一组公海", unit=org.team_a)
    held(org.rep_a1, 1)
    lead = LeadFactory(owner=org.rep_a1, owner_unit=org.team_a)
    svc.customer_handover(actor=org.tm_a, from_user=org.rep_a1, to_pool=pool, reason="离职")
    lead.refresh_from_db()
    assert lead.owner_id is None
    assert svc.owned_customers_count(org.rep_a1) == 0 and svc.open_leads_count(org.rep_a1) == 0


def _approval_waiting_for(org, approver):
    """A pending approval request whose only approver is ``approver``."""
    from zhidu.approvals.policies import ApprovalPolicy
    from zhidu.approvals.services import approval_submit
    from zhidu.customers.models import CustomerRequest

    c = CustomerFactory(owner=org.rep_b1)
    req = CustomerRequest.objects.create(customer=c, kind="lock", requested_by=org.rep_b1, reason="大单在谈")
    policy = ApprovalPolicy.model_validate(
        {"flows": [{"name": "t", "steps": [{"who": {"kind": "users", "usernames": [approver.username]}}]}]}
    )
    return approval_submit(actor=org.rep_b1, obj=req, title="锁定", snapshot_fields=["reason"], policy=policy)


def test_pending_approval_tasks_of_the_leaver_are_reassigned(org):
    from zhidu.approvals.models import ApprovalTask

    request = _approval_waiting_for(org, org.rep_a1)
    t = svc.customer_handover(actor=org.admin, from_user=org.rep_a1, to_user=org.rep_a2, reason="离职交接")
    row = t.items.get(object_type="approvals.approvaltask")
    assert row.ok, row.message
    pending = ApprovalTask.objects.get(request=request, status="pending")
    assert pending.approver_id == org.rep_a2.pk
    assert ApprovalTask.objects.get(request=request, approver=org.rep_a1).status == "reassigned"


def test_a_managers_handover_moves_the_leavers_approval_tasks(org):
    """The team manager is above the leaver, so the handover hands on their pending tasks
    (approvals: ``approval_reassign(handover=True)``; a manager not above them is refused
    there, see zhidu/approvals/tests/test_services.py)."""
    from zhidu.approvals.models import ApprovalTask

    request = _approval_waiting_for(org, org.rep_a1)
    t = svc.customer_handover(actor=org.tm_a, from_user=org.rep_a1, to_user=org.rep_a2, reason="离职交接")
    row = t.items.get(object_type="approvals.approvaltask")
    assert row.ok, row.message
    assert ApprovalTask.objects.get(request=request, status="pending").approver_id == org.rep_a2.pk


def test_approval_tasks_reassigned_when_managers_may_hand_on(org):
    """A company that lets team managers hand on tasks (approvals › assign) gets the
    approvals moved by the manager's handover too."""
    from zhidu.approvals.models import ApprovalTask
    from zhidu.org.models import ActionPermission, User

    ActionPermission.objects.create(
        role="team_manager", object_type="approvals.approvalrequest", action="assign", allowed=True
    )
    request = _approval_waiting_for(org, org.rep_a1)
    tm_a = User.objects.get(pk=org.tm_a.pk)
    t = svc.customer_handover(actor=tm_a, from_user=org.rep_a1, to_user=org.rep_a2, reason="离职交接")
    assert t.items.get(object_type="approvals.approvaltask").ok
    assert ApprovalTask.objects.get(request=request, status="pending").approver_id == org.rep_a2.pk


# --- bulk actions ----------------------------------------------------------------------------------------


def test_bulk_release_result_per_row(org):
    mine = held(org.rep_a1, 2)
    other = held(org.rep_c1, 1)[0]
    t = bulk.customer_bulk_action(actor=org.tm_a, action="release", customers=[*mine, other], reason="长期无进展")
    assert t.kind == TransferKind.BULK and (t.succeeded, t.failed) == (2, 1)
    assert t.items.get(object_id=str(other.pk)).message == "Not found, or outside your scope."
    assert all(Customer.objects.get(pk=c.pk).pool_id for c in mine)


def test_bulk_tag_and_assign(org):
    from .factories import TagFactory

    tag = TagFactory()
    cs = held(org.rep_a1, 2)
    t = bulk.customer_bulk_action(actor=org.tm_a, action="tag", customers=cs, tag=tag)
    assert (t.succeeded, t.failed) == (2, 0)
    assert set(Customer.objects.filter(tags=tag).values_list("pk", flat=True)) == {c.pk for c in cs}

    pool = PublicPool.objects.create(name="一组公海", unit=org.team_a)
    pooled = CustomerFactory(pool=pool, owner_unit=org.team_a)
    t = bulk.customer_bulk_action(actor=org.tm_a, action="assign", customers=[pooled, cs[0]], to_user=org.rep_a2)
    res = {int(i.object_id): i for i in t.items.all()}
    assert res[pooled.pk].ok and not res[cs[0].pk].ok
    assert Customer.objects.get(pk=pooled.pk).owner_id == org.rep_a2.pk


def test_bulk_transfer_uses_the_transfer_rules(org):
    cs = held(org.rep_a1, 2)
    t = bulk.customer_bulk_action(actor=org.tm_a, action="transfer", customers=cs, to_user=org.rep_a2, reason="调整")
    assert t.kind == TransferKind.BULK and t.succeeded == 2
    with pytest.raises(PermissionDenied):
        bulk.customer_bulk_action(actor=org.rep_a1, action="transfer", customers=cs, to_user=org.rep_a1, reason="x调整")
