"""Lead pages: the list (scope, search, filters, htmx partial, query count), a new lead, the
lead page with the checklist, status actions and "why did I get this?", conversion with the
duplicate check, manual and bulk assignment, and who may open what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from zhidu.customers.choices import LeadStatus
from zhidu.customers.models import Customer, Lead
from zhidu.customers.services import allocation as alloc_svc
from zhidu.customers.services import leads as svc

from .factories import CustomerFactory
from .lead_support import alloc_policy, unassigned

pytestmark = pytest.mark.django_db

BANT = {"budget": True, "authority": True, "need": True, "timing": True}


def lead_of(org, user, company="上海某机械有限公司", phone="13800138000", **data):
    return svc.lead_create(actor=user, data={"company": company, "phone": phone, **data}, assign="self")


def test_list_scope_search_and_query_count(org, client, django_assert_max_num_queries):
    for i in range(30):
        lead_of(org, org.rep_a1, company=f"华为技术{i}号", phone=f"1380000{i:04d}")
    lead_of(org, org.rep_a2, company="同事的线索", phone="13900000000")
    unassigned(org.team_a, company="待分配线索")
    client.force_login(org.rep_a1)
    url = reverse("customers:lead_list")
    client.get(url)
    with django_assert_max_num_queries(15):
        r = client.get(url)
    body = r.content.decode()
    assert r.status_code == 200 and "同事的线索" not in body and "待分配线索" not in body
    assert "13800000029" in body  # reps hold view_phone on leads by default
    r = client.get(url, {"q": "hwjs1"}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert "<html" not in body and "华为技术1号" in body and "华为技术2号" not in body
    assert "华为技术5号" in client.get(url, {"q": "1380000 0005"}).content.decode()
    # The manager sees the team's leads, the waiting one too, and the bulk-assign bar.
    client.force_login(org.tm_a)
    with django_assert_max_num_queries(18):
        body = client.get(url, {"unassigned": "true"}).content.decode()
    assert "待分配线索" in body and "华为技术1号" not in body and 'data-testid="lead-bulk"' in body


def test_create_through_the_form(org, client):
    client.force_login(org.rep_a1)
    r = client.post(
        reverse("customers:lead_create"),
        {
            "company": "苏州精工",
            "contact_name": "王工",
            "phone": "138-0000-2222",
            "source": "trade_show",
            "assign": "self",
        },
    )
    lead = Lead.objects.get()
    assert r.status_code == 302 and r.url == reverse("customers:lead_detail", args=[lead.pk])
    assert lead.owner == org.rep_a1 and lead.phone_normalized == "13800002222"
    r = client.post(
        reverse("customers:lead_create"),
        {"company": "蘇州精工有限公司", "phone": "13999999999", "source": "web_search", "assign": "self"},
    )
    assert r.status_code == 200 and 'data-testid="lead-duplicates"' in r.content.decode()
    assert Lead.objects.count() == 1


def test_a_manager_creates_for_a_team_and_it_is_allocated(org, client):
    client.force_login(org.rm_east)
    r = client.post(
        reverse("customers:lead_create"),
        {"company": "杭州智造", "phone": "13800003333", "source": "referral", "unit": org.team_b.pk, "assign": "auto"},
    )
    assert r.status_code == 302
    assert Lead.objects.get().owner == org.rep_b1


def test_detail_checklist_status_and_why(org, client):
    lead = unassigned(org.team_a, company="宁波港机")
    alloc_svc.lead_allocate(actor=None, lead=lead, policy=alloc_policy())
    lead.refresh_from_db()
    client.force_login(lead.owner)
    url = reverse("customers:lead_detail", args=[lead.pk])
    body = client.get(url).content.decode()
    assert 'data-testid="why"' in body and "allocation · test" in body and 'data-testid="why-candidates"' in body
    r = client.post(reverse("customers:lead_checklist", args=[lead.pk]), {"ok_budget": "on", "note_budget": "预算已批"})
    assert r.status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WORKING and lead.qualification["budget"]["note"] == "预算已批"
    assert lead.first_touched_at is not None
    r = client.post(reverse("customers:lead_checklist", args=[lead.pk]), {"ok_budget": "on", "qualify": "1"})
    assert r.status_code == 422 and 'data-testid="form-error"' in r.content.decode()
    data = {f"ok_{k}": "on" for k in BANT} | {"qualify": "1"}
    assert client.post(reverse("customers:lead_checklist", args=[lead.pk]), data).status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED
    r = client.post(reverse("customers:lead_disqualify", args=[lead.pk]), {"reason": "", "note": ""})
    assert r.status_code == 422
    lead.refresh_from_db()
    assert lead.status == LeadStatus.QUALIFIED
    why = client.get(reverse("customers:lead_why", args=[lead.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in why and 'data-testid="why"' in why


def test_pages_refuse_people_outside_the_scope(org, client):
    lead = lead_of(org, org.rep_a1)
    client.force_login(org.rep_b1)
    assert client.get(reverse("customers:lead_detail", args=[lead.pk])).status_code == 404
    assert client.get(reverse("customers:lead_convert", args=[lead.pk])).status_code == 404
    client.force_login(org.rep_a1)
    assert client.get(reverse("customers:lead_assign", args=[lead.pk])).status_code == 403  # reps do not assign
    client.force_login(org.finance)
    assert client.get(reverse("customers:lead_list")).status_code == 403


def test_convert_through_the_form_with_the_duplicate_check(org, client):
    CustomerFactory(name="上海某机械股份有限公司", owner=org.rep_b1)
    lead = lead_of(org, org.rep_a1)
    svc.lead_qualify(actor=org.rep_a1, lead=lead, answers=BANT)
    client.force_login(org.rep_a1)
    url = reverse("customers:lead_convert", args=[lead.pk])
    page = client.get(url).content.decode()
    assert 'hx-post="' + reverse("customers:duplicate_check") + '"' in page
    r = client.post(url, {"mode": "new", "name": "上海某机械", "tier": "C", "kind": "company"})
    body = r.content.decode()
    assert r.status_code == 200 and 'data-testid="duplicate-result"' in body and "褚三" in body
    assert 'data-testid="file-conflict"' in body
    assert Customer.objects.count() == 1
    r = client.post(
        url, {"mode": "new", "name": "上海某新公司", "tier": "B", "kind": "company", "contact_name": "张三"}
    )
    lead.refresh_from_db()
    assert r.status_code == 302 and lead.status == LeadStatus.CONVERTED
    assert lead.converted_customer.name == "上海某新公司" and lead.converted_customer.tier == "B"
    # The customer page lists the lead it came from.
    body = client.get(reverse("customers:customer_detail", args=[lead.converted_customer_id])).content.decode()
    assert 'data-testid="customer-leads"' in body


def test_manager_assigns_and_bulk_assigns(org, client):
    lead = unassigned(org.team_a)
    client.force_login(org.tm_a)
    r = client.post(reverse("customers:lead_assign", args=[lead.pk]), {"to": org.rep_a2.pk, "reason": "熟客"})
    assert r.status_code == 302
    lead.refresh_from_db()
    assert lead.owner == org.rep_a2
    r = client.post(reverse("customers:lead_assign", args=[lead.pk]), {"to": org.rep_b1.pk})
    assert r.status_code == 200  # not a choice: outside the manager's units
    more = [unassigned(org.team_a) for _ in range(2)]
    other = unassigned(org.team_b)
    r = client.post(
        reverse("customers:lead_bulk_assign"),
        {"ids": [x.pk for x in more] + [other.pk], "to": "auto", "next": reverse("customers:lead_list")},
    )
    assert r.status_code == 302
    assert Lead.objects.filter(pk__in=[x.pk for x in more], owner__isnull=False).count() == 2
    other.refresh_from_db()
    assert other.owner_id is None
    client.force_login(org.rep_a1)
    assert client.post(reverse("customers:lead_bulk_assign"), {"ids": [other.pk], "to": "auto"}).status_code == 403
