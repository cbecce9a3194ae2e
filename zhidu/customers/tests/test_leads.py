"""线索: intake with cleaning and the duplicate check (other leads; customers reported, not
merged), the qualification checklist, the status moves (disqualify needs a reason), and
conversion through ``customer_register`` — refused duplicates write nothing; a lead may be
attached to a customer its owner holds."""

from __future__ import annotations

import pytest

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import Conflict, LimitExceeded, NotFound, PermissionDenied, ValidationError
from zhidu.customers.choices import DisqualifyReason, LeadStatus
from zhidu.customers.models import Contact, Customer, Lead
from zhidu.customers.services import leads as svc
from zhidu.customers.services.duplicates import DuplicateFound

from .factories import ContactFactory, CustomerFactory
from .lead_support import lead_policy, publish_since

pytestmark = pytest.mark.django_db

BANT = {"budget": {"ok": True, "note": "50万"}, "authority": True, "need": True, "timing": True}


def mine(org, **data):
    """A lead rep_a1 found and keeps."""
    data.setdefault("company", "上海华东机械有限公司")
    data.setdefault("contact_name", "张经理")
    data.setdefault("phone", "+86 138-0013-8000")
    return svc.lead_create(actor=org.rep_a1, data=data, assign="self")


def counts():
    return (Lead.objects.count(), Customer.objects.count(), Contact.objects.count(), AuditEvent.objects.count())


# --- intake ---------------------------------------------------------------------------------------


def test_create_normalises_and_records(org):
    lead = mine(org, email=" Zhang@Example.COM ", source="trade_show", source_detail="2026 工博会")
    assert lead.phone_normalized == "13800138000" and lead.email_normalized == "zhang@example.com"
    assert lead.name_normalized == "上海华东机械" and "shanghai" in lead.search_text
    assert (lead.owner, lead.owner_unit, lead.status) == (org.rep_a1, org.team_a, LeadStatus.NEW)
    assert lead.first_touched_at is not None and lead.created_by == org.rep_a1
    ev = AuditEvent.objects.get(action="lead.create")
    assert ev.changes["phone"] == [None, "+86 138-0013-8000"]


@pytest.mark.parametrize(
    "data, field",
    [
        ({"phone": "13800138000"}, "company"),
        ({"company": "某公司"}, "phone"),
        ({"company": "某公司", "phone": "12345"}, "phone"),
        ({"company": "某公司", "phone": "1380013800"}, "phone"),  # ten digits
        ({"company": "某公司", "phone": "13800138000", "source": "billboard"}, "source"),
        ({"company": "某公司", "phone": "13800138000", "province": "99"}, "province"),
    ],
)
def test_invalid_input_is_refused_and_nothing_written(org, data, field):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        svc.lead_create(actor=org.rep_a1, data=data, assign="self")
    assert field in exc.value.fields
    assert counts() == before


def test_who_may_create(org):
    with pytest.raises(PermissionDenied):
        svc.lead_create(actor=org.finance, data={"company": "财务录入", "phone": "13800138000"})
    with pytest.raises(PermissionDenied):  # a rep cannot put a lead into another team
        svc.lead_create(actor=org.rep_a1, data={"company": "别组", "phone": "13800138000"}, unit=org.team_b)
    lead = svc.lead_create(actor=org.rm_east, data={"company": "区域", "phone": "13800138001"}, unit=org.team_b)
    assert lead.owner == org.rep_b1  # the only rep of team_b, through the turn


def test_a_duplicate_lead_is_refused_kept_as_rejected_or_allowed(org):
    first = mine(org)
    before = counts()
    with pytest.raises(svc.LeadDuplicateFound) as exc:
        svc.lead_create(actor=org.rep_a2, data={"company": "上海華東機械（有限公司）", "phone": "02161234567"})
    body = exc.value.as_dict()
    assert body["code"] == "duplicate_lead"
    assert body["duplicates"][0]["owner"] == "吴一" and body["duplicates"][0]["matched_on"] == ["company"]
    assert "phone" not in body["duplicates"][0]  # nothing beyond what anyone may learn
    assert counts() == before
    # By phone too (written differently).
    with pytest.raises(svc.LeadDuplicateFound):
        svc.lead_create(actor=org.rep_a2, data={"company": "另一家", "phone": "0086 13800138000"})
    rejected = svc.lead_create(
        actor=org.rep_a2, data={"company": "上海华东机械", "phone": "13900000000"}, on_duplicate="reject"
    )
    assert rejected.status == LeadStatus.DISQUALIFIED and rejected.disqualify_reason == DisqualifyReason.DUPLICATE
    assert rejected.owner_id is None and rejected.allocation is None
    allowed = svc.lead_create(
        actor=org.rep_a2,
        data={"company": "上海华东机械", "phone": "13900000001"},
        lead_policy=lead_policy(duplicate_leads="allow"),
    )
    assert allowed.status == LeadStatus.NEW and first.pk != allowed.pk


def test_a_matching_customer_is_reported_not_merged(org):
    CustomerFactory(name="杭州数智科技有限公司", owner=org.rep_b1)
    lead = svc.lead_create(actor=org.rep_a1, data={"company": "杭州数智科技", "phone": "13800138000"}, assign="self")
    assert [m.name for m in lead.customer_matches] == ["杭州数智科技有限公司"]
    assert lead.customer_matches[0].owner_name == "褚三"
    assert lead.converted_customer is None and Customer.objects.count() == 1
    assert "customer match" in AuditEvent.objects.get(action="lead.create").reason


def test_edit_rechecks_duplicates_and_needs_edit_rights(org):
    a = mine(org)
    b = mine(org, company="另一家公司", phone="13900139000")
    with pytest.raises(svc.LeadDuplicateFound):
        svc.lead_update(actor=org.rep_a1, lead=b, data={"phone": "138 0013 8000"})
    with pytest.raises(NotFound):
        svc.lead_update(actor=org.rep_a2, lead=a, data={"city": "上海"})
    svc.lead_update(actor=org.tm_a, lead=a, data={"city": "上海"})
    a.refresh_from_db()
    assert a.city == "上海"
    assert AuditEvent.objects.get(action="lead.update").changes == {"city": ["", "上海"]}


# --- screening and status ------------------------------------------------------------------------


def test_checklist_moves_a_new_lead_to_working_and_qualify_needs_every_required_item(org):
    lead = mine(org)
    lead = svc.lead_checklist_update(actor=org.rep_a1, lead=lead, answers={"budget": {"ok": True, "note": "50万"}})
    assert lead.status == LeadStatus.WORKING
    assert lead.qualification["budget"]["ok"] and lead.qualification["budget"]["by"] == org.rep_a1.pk
    with pytest.raises(ValidationError) as exc:
        svc.lead_qualify(actor=org.rep_a1, lead=lead)
    assert exc.value.code == "checklist_incomplete" and exc.value.fields["answers"] == ["authority", "need", "timing"]
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WORKING
    with pytest.raises(ValidationError):
        svc.lead_checklist_update(actor=org.rep_a1, lead=lead, answers={"colour": True})
    lead = svc.lead_qualify(actor=org.rep_a1, lead=lead, answers=BANT)
    assert lead.status == LeadStatus.QUALIFIED
    # A policy asking for any two items.
    other = mine(org, company="两项即可", phone="13900139001")
    q = svc.lead_qualify(
        actor=org.rep_a1,
        lead=other,
        answers={"need": True, "timing": True},
        lead_policy=lead_policy(qualify_min_checked=2),
    )
    assert q.status == LeadStatus.QUALIFIED


def test_disqualify_needs_a_reason_and_other_needs_a_note(org):
    lead = mine(org)
    for reason, note in (("", ""), ("bogus", ""), (DisqualifyReason.OTHER, "  ")):
        with pytest.raises(ValidationError):
            svc.lead_disqualify(actor=org.rep_a1, lead=lead, reason=reason, note=note)
    lead.refresh_from_db()
    assert lead.status == LeadStatus.NEW and not AuditEvent.objects.filter(action="lead.disqualify").exists()
    lead = svc.lead_disqualify(actor=org.rep_a1, lead=lead, reason=DisqualifyReason.EMPTY_NUMBER)
    assert (lead.status, lead.disqualify_reason) == (LeadStatus.DISQUALIFIED, "empty_number")
    with pytest.raises(Conflict):
        svc.lead_qualify(actor=org.rep_a1, lead=lead, answers=BANT)
    lead = svc.lead_status_set(actor=org.rep_a1, lead=lead, status=LeadStatus.WORKING)  # reopened
    assert lead.status == LeadStatus.WORKING and lead.disqualify_reason == ""


def test_status_moves_go_through_their_own_services(org):
    lead = mine(org)
    for status in (LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED, LeadStatus.CONVERTED, "lost"):
        with pytest.raises(ValidationError):
            svc.lead_status_set(actor=org.rep_a1, lead=lead, status=status)
    with pytest.raises(NotFound):
        svc.lead_status_set(actor=org.rep_b1, lead=lead, status=LeadStatus.WORKING)
    assert svc.lead_status_set(actor=org.rep_a1, lead=lead, status=LeadStatus.WORKING).status == LeadStatus.WORKING


# --- conversion -----------------------------------------------------------------------------------


def qualified(org, **data):
    return svc.lead_qualify(actor=org.rep_a1, lead=mine(org, **data), answers=BANT)


def test_convert_registers_a_customer_and_contact_for_the_owner(org):
    lead = qualified(org, email="zhang@example.com", industry="C", province="31", city="上海", title="采购经理")
    lead = svc.lead_convert(actor=org.rep_a1, lead=lead, customer_data={"tier": "B"})
    c = lead.converted_customer
    assert (c.name, c.owner, c.tier, c.industry, c.province, c.source) == (
        "上海华东机械有限公司",
        org.rep_a1,
        "B",
        "C",
        "31",
        "other",
    )
    assert c.protected_until is not None and c.credit_to == org.rep_a1
    contact = lead.converted_contact
    assert (contact.customer, contact.name, contact.phone_normalized, contact.title, contact.is_primary) == (
        c,
        "张经理",
        "13800138000",
        "采购经理",
        True,
    )
    assert lead.status == LeadStatus.CONVERTED and lead.converted_at is not None
    assert AuditEvent.objects.filter(action="customer.register", object_id=str(c.pk)).exists()
    assert AuditEvent.objects.get(action="lead.convert").changes["converted_customer"] == [None, c.pk]
    with pytest.raises(Conflict):
        svc.lead_convert(actor=org.rep_a1, lead=lead)


def test_convert_of_another_owners_customer_is_refused_and_nothing_written(org):
    CustomerFactory(name="上海华东机械股份有限公司", owner=org.rep_b1)
    lead = qualified(org, company="上海華東機械")
    before = counts()
    with pytest.raises(DuplicateFound) as exc:
        svc.lead_convert(actor=org.rep_a1, lead=lead)
    assert exc.value.code == "duplicate" and "褚三" in str(exc.value.message)
    assert counts() == before
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED and lead.converted_customer is None
    # The phone of someone else's contact is refused the same way.
    other = qualified(org, company="完全不同的公司", phone="13912345678")
    ContactFactory(customer=CustomerFactory(name="别人的", owner=org.rep_b1), phone="139-1234-5678")
    with pytest.raises(DuplicateFound):
        svc.lead_convert(actor=org.rep_a1, lead=other)
    other.refresh_from_db()
    assert other.status == LeadStatus.QUALIFIED


def test_attach_to_a_customer_the_owner_holds(org):
    own = CustomerFactory(name="上海华东机械有限公司", owner=org.rep_a1)
    existing = ContactFactory(customer=own, phone="13800138000")
    lead = qualified(org)
    lead = svc.lead_convert(actor=org.rep_a1, lead=lead, customer=own)
    assert lead.converted_customer == own and lead.converted_contact == existing  # same phone: reused
    assert Customer.objects.count() == 1 and own.contacts.count() == 1
    # A new contact is added when the customer does not have it yet.
    second = qualified(org, company="另一个部门", contact_name="李工", phone="13700137000")
    second = svc.lead_convert(actor=org.rep_a1, lead=second, customer=own)
    assert second.converted_contact.name == "李工" and own.contacts.count() == 2


def test_attach_to_someone_elses_customer_is_refused(org):
    theirs = CustomerFactory(name="别人的客户", owner=org.rep_a2)
    lead = qualified(org, company="不相干")
    before = counts()
    with pytest.raises(PermissionDenied) as exc:
        svc.lead_convert(actor=org.rep_a1, lead=lead, customer=theirs)
    assert exc.value.code == "not_your_customer"
    assert counts() == before


def test_convert_requires_qualified_by_policy_and_an_owner(org):
    lead = mine(org)
    with pytest.raises(Conflict) as exc:
        svc.lead_convert(actor=org.rep_a1, lead=lead)
    assert exc.value.code == "not_qualified" and "预算" in str(exc.value.message)
    done = svc.lead_convert(actor=org.rep_a1, lead=lead, lead_policy=lead_policy(convert_requires_qualified=False))
    assert done.status == LeadStatus.CONVERTED
    waiting = svc.lead_create(actor=org.tm_a, data={"company": "等待分配", "phone": "13600136000"}, assign="none")
    with pytest.raises(Conflict) as exc:
        svc.lead_convert(actor=org.tm_a, lead=waiting, lead_policy=lead_policy(convert_requires_qualified=False))
    assert exc.value.code == "unassigned"


def test_convert_applies_the_holding_cap(org):
    publish_since(org.admin, "holding", {"max_customers": 1})
    CustomerFactory(owner=org.rep_a1)
    lead = qualified(org)
    before = counts()
    with pytest.raises(LimitExceeded):
        svc.lead_convert(actor=org.rep_a1, lead=lead)
    assert counts() == before


def test_a_manager_converts_for_the_owner_and_a_peer_cannot(org):
    lead = qualified(org)
    with pytest.raises(NotFound):
        svc.lead_convert(actor=org.rep_a2, lead=lead)
    lead = svc.lead_convert(actor=org.tm_a, lead=lead)
    assert lead.converted_customer.owner == org.rep_a1
