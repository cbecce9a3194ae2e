import datetime as dt

import pytest
from django.utils import timezone

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import Conflict, LimitExceeded, NotFound, PermissionDenied, ValidationError
from zhidu.customers.models import Activity, ActivityType, Collaborator, Contact, Customer
from zhidu.customers.policies import DefaultPolicy
from zhidu.customers.policies.customers import HoldingPolicy
from zhidu.customers.services.contacts import contact_create, contact_update
from zhidu.customers.services.customers import (
    collaborator_remove,
    collaborator_set,
    customer_delete,
    customer_merge,
    customer_purge,
    customer_recycle_bin_purge_expired,
    customer_register,
    customer_restore,
    customer_update,
)
from zhidu.customers.services.duplicates import DuplicateFound, find_duplicates

from .factories import ContactFactory, CustomerFactory, PublicPoolFactory

pytestmark = pytest.mark.django_db


def test_register_sets_owner_protection_and_derived_fields(org, register):
    c = register(org.rep_a1, "華為技術有限公司", contact={"name": "张三", "phone": "+86 138-0000-1111"})
    c.refresh_from_db()
    assert c.owner == org.rep_a1 and c.owner_unit == org.team_a
    assert c.name == "華為技術有限公司"
    assert c.name_normalized == "华为技术"
    assert c.search_text == "华为技术有限公司 huaweijishu hwjs"
    assert c.protected_until == timezone.localdate() + dt.timedelta(days=90)
    assert c.credit_to == org.rep_a1 and c.created_by == org.rep_a1
    contact = c.contacts.get()
    assert contact.is_primary and contact.phone_normalized == "13800001111"
    assert AuditEvent.objects.filter(action="customer.register", object_id=str(c.pk)).count() == 1


def test_register_refuses_invalid_credit_code_and_writes_nothing(org, register):
    with pytest.raises(ValidationError) as exc:
        register(org.rep_a1, "腾讯科技", credit_code="91440300708461136A")
    assert "credit_code" in exc.value.fields
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.filter(action="customer.register").exists()


def test_company_beyond_prospect_needs_credit_code(org, register):
    with pytest.raises(ValidationError) as exc:
        register(org.rep_a1, "某某有限公司", status="active")
    assert "credit_code" in exc.value.fields
    register(org.rep_a1, "某某个人", kind="individual", status="active")


@pytest.mark.parametrize(
    "first,second",
    [
        ({"name": "华为技术有限公司"}, {"name": "華為技術（有限公司）"}),
        (
            {"name": "甲公司", "credit_code": "914403001922038216"},
            {"name": "乙公司", "credit_code": "914403001922038216"},
        ),
    ],
)
def test_duplicate_of_another_owner_is_refused_with_name_owner_protection_only(org, register, first, second):
    existing = register(org.rep_a1, first.pop("name"), **first)
    with pytest.raises(DuplicateFound) as exc:
        register(org.rep_b1, second.pop("name"), **second)
    body = exc.value.as_dict()
    assert body["code"] == "duplicate"
    assert body["duplicates"] == [
        {
            "name": existing.name,
            "owner": "吴一",
            "protected_until": existing.protected_until.isoformat(),
            "in_pool": False,
            "pool": "",
            "in_recycle_bin": False,
            "matched_on": body["duplicates"][0]["matched_on"],
        }
    ]
    assert "撞单申诉" in body["message"]  # zh-hans: "…可以提交撞单申诉。"
    assert Customer.objects.count() == 1


def test_duplicate_by_phone_with_plus86(org, register):
    register(org.rep_a1, "甲方", contact={"name": "李四", "phone": "13912345678"})
    with pytest.raises(DuplicateFound) as exc:
        register(org.rep_b1, "完全不同的名字", contact={"name": "李四", "phone": "+86 139 1234 5678"})
    assert exc.value.matches[0].matched_on == ["phone"]
    assert Customer.objects.count() == 1 and Contact.objects.count() == 1


def test_duplicate_by_email(org, register):
    register(org.rep_a1, "甲方", contact={"name": "李四", "email": "Li.Si@Example.com"})
    assert find_duplicates(emails=["li.si@example.com"])[0].matched_on == ["email"]


def test_pool_customer_match_says_claim_it(org, register):
    pool = PublicPoolFactory(unit=org.team_a)
    CustomerFactory(name="公海客户有限公司", pool=pool)
    with pytest.raises(DuplicateFound) as exc:
        register(org.rep_a1, "公海客户")
    assert exc.value.matches[0].in_pool
    assert "请到公海领取" in str(exc.value.message)


def test_holding_cap(org, monkeypatch):
    from zhidu.customers.services import customers as svc

    cap = DefaultPolicy(kind="holding", value=HoldingPolicy(max_customers=2), ref="holding · test")
    monkeypatch.setattr(svc, "policy_for", lambda kind, **kw: cap if kind == "holding" else svc_default(kind))
    for i in range(2):
        customer_register(actor=org.rep_a1, data={"name": f"客户{i}号"})
    with pytest.raises(LimitExceeded) as exc:
        customer_register(actor=org.rep_a1, data={"name": "客户3号"})
    assert exc.value.code == "holding_cap"
    assert Customer.objects.filter(owner=org.rep_a1).count() == 2
    # Paying customers do not count by default.
    Customer.objects.filter(owner=org.rep_a1).update(status="active")
    customer_register(actor=org.rep_a1, data={"name": "客户4号"})


def svc_default(kind):
    from zhidu.policies.registry import policy_kind

    return DefaultPolicy(kind=kind, value=policy_kind(kind).default(), ref=f"{kind} · default")


def test_rep_cannot_register_for_someone_else(org):
    with pytest.raises(PermissionDenied):
        customer_register(actor=org.rep_a1, data={"name": "代报客户"}, owner=org.rep_a2)
    c = customer_register(actor=org.tm_a, data={"name": "代报客户"}, owner=org.rep_a2)
    assert c.owner == org.rep_a2
    with pytest.raises(PermissionDenied):
        customer_register(actor=org.tm_a, data={"name": "越界客户"}, owner=org.rep_c1)


def test_update_by_owner_and_refusal_for_peer(org, register):
    c = register(org.rep_a1, "原名有限公司")
    customer_update(actor=org.rep_a1, customer=c, data={"name": "新名有限公司", "tier": "A"})
    c.refresh_from_db()
    assert (c.name, c.tier, c.name_normalized) == ("新名有限公司", "A", "新名")
    with pytest.raises(NotFound):
        customer_update(actor=org.rep_a2, customer=c, data={"tier": "D"})
    c.refresh_from_db()
    assert c.tier == "A"


def test_update_to_a_duplicate_name_is_refused(org, register):
    register(org.rep_b1, "已有客户有限公司")
    c = register(org.rep_a1, "我的客户")
    with pytest.raises(DuplicateFound):
        customer_update(actor=org.rep_a1, customer=c, data={"name": "已有客户"})
    c.refresh_from_db()
    assert c.name == "我的客户"


def test_read_write_collaborator_edits_read_collaborator_does_not(org, register):
    c = register(org.rep_a1, "协作客户")
    with pytest.raises(PermissionDenied):
        collaborator_set(actor=org.rep_a2, customer=c, user=org.rep_b1, access="read")
    collaborator_set(actor=org.rep_a1, customer=c, user=org.rep_b1, access="read")
    with pytest.raises(PermissionDenied):
        customer_update(actor=org.rep_b1, customer=c, data={"tier": "B"})
    collaborator_set(actor=org.rep_a1, customer=c, user=org.rep_b1, access="read_write")
    customer_update(actor=org.rep_b1, customer=c, data={"tier": "B"})
    assert Customer.objects.get(pk=c.pk).tier == "B"
    collaborator_remove(actor=org.tm_a, customer=c, user=org.rep_b1)
    assert not Collaborator.objects.exists()
    with pytest.raises(NotFound):
        customer_update(actor=org.rep_b1, customer=c, data={"tier": "C"})


def test_recycle_bin_delete_restore_purge(org, register):
    c = register(org.rep_a1, "回收客户", contact={"name": "王五", "phone": "13700000000"})
    with pytest.raises(PermissionDenied):
        customer_delete(actor=org.rep_a1, customer=c)
    customer_delete(actor=org.tm_a, customer=c, reason="录错")
    c.refresh_from_db()
    assert c.deleted_at is not None and c.deleted_by == org.tm_a
    assert not Customer.objects.alive().filter(pk=c.pk).exists()
    with pytest.raises(PermissionDenied):
        customer_restore(actor=org.director, customer=c)
    customer_restore(actor=org.admin, customer=c)
    c.refresh_from_db()
    assert c.deleted_at is None
    with pytest.raises(Conflict):
        customer_purge(actor=org.admin, customer=c)
    customer_delete(actor=org.tm_a, customer=c)
    customer_purge(actor=org.admin, customer=c)
    assert not Customer.objects.filter(pk=c.pk).exists() and not Contact.objects.exists()
    assert AuditEvent.objects.filter(action="customer.purge", object_id=str(c.pk)).exists()


def test_scheduled_purge_after_30_days(org, register):
    old = register(org.rep_a1, "很久以前删除")
    recent = register(org.rep_a1, "最近删除")
    customer_delete(actor=org.tm_a, customer=old)
    customer_delete(actor=org.tm_a, customer=recent)
    Customer.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - dt.timedelta(days=31))
    assert customer_recycle_bin_purge_expired() == 1
    assert list(Customer.objects.values_list("pk", flat=True)) == [recent.pk]


def test_merge_moves_contacts_and_activities(org, register):
    target = register(org.rep_a1, "合并目标有限公司", contact={"name": "甲", "phone": "13600000001"})
    source = CustomerFactory(name="合并来源", owner=org.rep_a2, credit_code="914403001922038216", province="31")
    ContactFactory(customer=source, name="乙", phone="13600000002")
    call = ActivityType.objects.get(code="call")
    Activity.objects.create(customer=source, type=call, owner=org.rep_a2, content="聊过", is_valid=True)
    with pytest.raises(PermissionDenied):
        customer_merge(actor=org.rep_a1, target=target, source=source, reason="同一家")
    with pytest.raises(ValidationError):
        customer_merge(actor=org.tm_a, target=target, source=source, reason=" ")
    customer_merge(actor=org.tm_a, target=target, source=source, reason="同一家")
    target.refresh_from_db()
    source.refresh_from_db()
    assert sorted(target.contacts.values_list("name", flat=True)) == ["乙", "甲"]
    assert target.activities.count() == 1
    assert target.credit_code == "914403001922038216" and target.province == "31"
    assert source.deleted_at is not None and source.credit_code == ""
    assert AuditEvent.objects.filter(action="customer.merge", object_id=str(target.pk)).exists()


def test_merge_refuses_outside_scope(org, register):
    a = register(org.rep_a1, "东区客户")
    c = register(org.rep_c1, "西区客户")
    with pytest.raises((NotFound, PermissionDenied)):
        customer_merge(actor=org.tm_a, target=a, source=c, reason="同一家")
    assert Customer.objects.alive().count() == 2


def test_contact_phone_duplicate_of_other_customer_refused(org, register):
    register(org.rep_b1, "别人的客户", contact={"name": "赵", "phone": "13500000000"})
    mine = register(org.rep_a1, "我的客户")
    with pytest.raises(DuplicateFound):
        contact_create(actor=org.rep_a1, customer=mine, data={"name": "赵", "phone": "135 0000 0000"})
    contact = contact_create(actor=org.rep_a1, customer=mine, data={"name": "钱", "phone": "13500000001"})
    contact_update(actor=org.rep_a1, contact=contact, data={"title": "采购经理"})
    assert Contact.objects.get(pk=contact.pk).title == "采购经理"


def test_lock_by_approval_and_lock_cap(org, register, monkeypatch):
    from zhidu.approvals.models import ApprovalRequest
    from zhidu.approvals.services import approval_approve
    from zhidu.customers.models import CustomerRequest
    from zhidu.customers.services import locks

    c = register(org.rep_a1, "锁定客户")
    until = timezone.localdate() + dt.timedelta(days=60)
    with pytest.raises(ValidationError):
        locks.customer_lock_request(actor=org.rep_a1, customer=c, until=timezone.localdate(), reason="大单")
    req = locks.customer_lock_request(actor=org.rep_a1, customer=c, until=until, reason="大单跟进中")
    assert req.approval_id and Customer.objects.get(pk=c.pk).locked_until is None
    approval_approve(actor=org.tm_a, request=ApprovalRequest.objects.get(pk=req.approval_id))
    c.refresh_from_db()
    assert c.locked_until == until and c.is_locked
    assert CustomerRequest.objects.get(pk=req.pk).status == "approved"
    # Cap of one lock: a second request is refused before it reaches anyone.
    cap = DefaultPolicy(kind="holding", value=HoldingPolicy(max_locked=1), ref="holding · test")
    monkeypatch.setattr(locks, "policy_for", lambda kind, **kw: cap if kind == "holding" else svc_default(kind))
    other = register(org.rep_a1, "第二个锁定客户")
    with pytest.raises(LimitExceeded):
        locks.customer_lock_request(actor=org.rep_a1, customer=other, until=until, reason="也想锁")
    locks.customer_unlock(actor=org.rep_a1, customer=c)
    assert Customer.objects.get(pk=c.pk).locked_until is None


def test_one_protection_extension_by_approval(org, register):
    from zhidu.approvals.models import ApprovalRequest
    from zhidu.approvals.services import approval_approve
    from zhidu.customers.services import locks

    c = register(org.rep_a1, "延期客户")
    before = c.protected_until
    req = locks.customer_protection_extend_request(actor=org.rep_a1, customer=c, reason="正在走采购流程")
    approval_approve(actor=org.tm_a, request=ApprovalRequest.objects.get(pk=req.approval_id))
    c.refresh_from_db()
    assert c.protected_until == before + dt.timedelta(days=30) and c.extension_count == 1
    with pytest.raises(LimitExceeded):
        locks.customer_protection_extend_request(actor=org.rep_a1, customer=c, reason="再延一次")
