import datetime as dt

import pytest
from django.utils import timezone

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from zhidu.customers.models import Activity, ActivityType, ConflictClaim, Customer
from zhidu.customers.policies.customers import Side, conflict_propose
from zhidu.customers.services.conflicts import conflict_claim_decide, conflict_claim_file, conflict_decider

from .factories import CustomerFactory, LeadFactory, PublicPoolFactory

pytestmark = pytest.mark.django_db
EVIDENCE = "2026年10月在上海展会上与对方采购总监面谈并留下名片,有照片为证"


def now():
    return timezone.now()


def test_propose_protected_earlier_registration_wins():
    today = dt.date(2026, 11, 26)
    existing = Side(1, now() - dt.timedelta(days=10), today + dt.timedelta(days=5), None)
    claimant = Side(2, now() - dt.timedelta(days=20), None, None)
    winner, reason = conflict_propose(existing=existing, claimant=claimant, today=today)
    assert winner == 1  # the claimant was earlier but holds no protected registration
    assert "保护期" in reason or "protected" in reason


def test_propose_falls_back_to_latest_valid_follow_up():
    today = dt.date(2026, 11, 26)
    existing = Side(1, now() - dt.timedelta(days=200), today - dt.timedelta(days=1), now() - dt.timedelta(days=40))
    claimant = Side(2, None, None, now() - dt.timedelta(days=3))
    assert conflict_propose(existing=existing, claimant=claimant, today=today)[0] == 2
    claimant = Side(2, None, None, None)
    assert conflict_propose(existing=existing, claimant=claimant, today=today)[0] == 1


def test_decider_is_lowest_manager_above_both(org):
    assert conflict_decider(org.rep_a1, org.rep_a2) == org.tm_a
    assert conflict_decider(org.rep_a1, org.rep_b1) == org.rm_east
    assert conflict_decider(org.rep_a1, org.rep_c1) == org.gm
    assert conflict_decider(org.tm_a, org.rep_a1) == org.rm_east  # a side never decides


def _claim(org, **kw):
    return conflict_claim_file(actor=org.rep_a2, attempt={"name": "撞单有限公司"}, evidence=EVIDENCE, **kw)


def test_file_goes_to_approval_and_approving_keeps_the_proposal(org):
    from zhidu.approvals.models import ApprovalRequest
    from zhidu.approvals.services import approval_approve

    customer = CustomerFactory(name="撞单有限公司", owner=org.rep_a1)
    claim = _claim(org)
    assert claim.status == "under_review" and claim.approval_id
    request = ApprovalRequest.objects.get(pk=claim.approval_id)
    with pytest.raises(PermissionDenied):
        approval_approve(actor=org.rep_a1, request=request)
    approval_approve(actor=org.tm_a, request=request, comment="先报备且在保护期内")
    claim.refresh_from_db()
    assert claim.status == "decided" and claim.decided_winner == org.rep_a1
    assert claim.decision_reason == "先报备且在保护期内" and claim.credit_to == org.rep_a1
    assert Customer.objects.get(pk=customer.pk).owner == org.rep_a1
    assert AuditEvent.objects.filter(action="conflict_claim.decide", object_id=str(claim.pk)).exists()
    from zhidu.notifications.models import Notification

    told = Notification.objects.filter(event="customers.conflict_decided")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted([org.rep_a1.pk, org.rep_a2.pk])


def test_rejecting_the_proposal_moves_the_customer_and_credit(org):
    from zhidu.approvals.models import ApprovalRequest
    from zhidu.approvals.services import approval_reject

    customer = CustomerFactory(name="撞单有限公司", owner=org.rep_a1)
    claim = _claim(org)
    approval_reject(actor=org.tm_a, request=ApprovalRequest.objects.get(pk=claim.approval_id), comment="证据充分")
    customer.refresh_from_db()
    claim.refresh_from_db()
    assert claim.decided_winner == org.rep_a2 and claim.credit_to == org.rep_a2
    assert customer.owner == org.rep_a2 and customer.owner_unit == org.team_a and customer.credit_to == org.rep_a2
    assert customer.protected_until == timezone.localdate() + dt.timedelta(days=90)


def test_claimant_follow_ups_on_leads_count(org):
    customer = CustomerFactory(
        name="撞单有限公司", owner=org.rep_a1, protected_until=timezone.localdate() - dt.timedelta(days=1)
    )
    Customer.objects.filter(pk=customer.pk).update(last_valid_follow_up_at=now() - dt.timedelta(days=30))
    lead = LeadFactory(company="撞单", owner=org.rep_a2, name_normalized="撞单")
    Activity.objects.create(
        lead=lead, type=ActivityType.objects.get(code="visit"), owner=org.rep_a2, content="拜访", is_valid=True
    )
    claim = _claim(org)
    assert claim.proposed_winner == org.rep_a2


def test_refusals_write_nothing(org):
    CustomerFactory(name="撞单有限公司", owner=org.rep_a1)
    with pytest.raises(ValidationError):
        conflict_claim_file(actor=org.rep_a2, attempt={"name": "撞单"}, evidence="短")
    with pytest.raises(NotFound):
        conflict_claim_file(actor=org.rep_a2, attempt={"name": "根本不存在的公司"}, evidence=EVIDENCE)
    with pytest.raises(Conflict):
        conflict_claim_file(actor=org.rep_a1, attempt={"name": "撞单"}, evidence=EVIDENCE)  # own customer
    pool = PublicPoolFactory(unit=org.team_a)
    CustomerFactory(name="公海的公司", pool=pool)
    with pytest.raises(Conflict):
        conflict_claim_file(actor=org.rep_a2, attempt={"name": "公海的公司"}, evidence=EVIDENCE)
    assert not ConflictClaim.objects.exists()
    _claim(org)
    with pytest.raises(Conflict):
        _claim(org)  # one open claim per person and customer
    assert ConflictClaim.objects.count() == 1


def test_direct_decision_only_by_the_decider_and_once(org):
    CustomerFactory(name="撞单有限公司", owner=org.rep_a1)
    claim = _claim(org)
    ConflictClaim.objects.filter(pk=claim.pk).update(approval_id=None)
    with pytest.raises(PermissionDenied):
        conflict_claim_decide(actor=org.rep_a2, claim=claim, winner=org.rep_a2, reason="我赢")
    conflict_claim_decide(actor=org.tm_a, claim=claim, winner=org.rep_a1, reason="先报备")
    with pytest.raises(Conflict):
        conflict_claim_decide(actor=org.tm_a, claim=claim, winner=org.rep_a2, reason="改主意")
    assert ConflictClaim.objects.get(pk=claim.pk).decided_winner == org.rep_a1


def test_claims_are_numbered_when_filed_and_cannot_be_deleted(org):
    from zhidu.core.errors import Conflict as ConflictError

    CustomerFactory(name="撞单有限公司", owner=org.rep_a1)
    CustomerFactory(name="另一家有限公司", owner=org.rep_a1)
    first = _claim(org)
    second = conflict_claim_file(actor=org.rep_a2, attempt={"name": "另一家有限公司"}, evidence=EVIDENCE)
    period = timezone.localdate().strftime("%Y%m")
    assert first.number == f"CC-{period}-0001"
    assert second.number == f"CC-{period}-0002"
    with pytest.raises(ConflictError):
        first.delete()
    assert ConflictClaim.objects.filter(pk=first.pk).exists()
