import pytest
from django.urls import reverse

from zhidu.customers.models import Customer, Tag

from .factories import ContactFactory, CustomerFactory, PublicPoolFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_list_search_and_query_count(org, client, django_assert_max_num_queries):
    for i in range(30):
        CustomerFactory(name=f"华为技术{i}号有限公司", owner=org.rep_a1)
    CustomerFactory(name="别人的客户", owner=org.rep_b1)
    client.force_login(org.rep_a1)
    client.get(reverse("customers:customer_list"))
    with django_assert_max_num_queries(20):
        r = client.get(reverse("customers:customer_list"))
    assert r.status_code == 200
    assert "别人的客户" not in r.content.decode()
    r = client.get(reverse("customers:customer_list"), {"q": "hwjs1"}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert "华为技术1号有限公司" in body and "华为技术2号有限公司" not in body
    assert "<html" not in body  # the htmx partial


def test_register_through_the_form_and_live_duplicate_check(org, client):
    client.force_login(org.rep_a1)
    r = client.post(
        reverse("customers:customer_create"),
        {
            "name": "重庆长安汽车股份有限公司",
            "kind": "company",
            "tier": "B",
            "status": "prospect",
            "contact_name": "张三",
            "contact_phone": "13800002222",
        },
    )
    customer = Customer.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("customers:customer_detail", args=[customer.pk])
    client.force_login(org.rep_b1)
    r = client.post(reverse("customers:duplicate_check"), {"name": "重慶長安汽車"})
    assert "吴一" in r.content.decode() and "13800002222" not in r.content.decode()
    r = client.post(
        reverse("customers:customer_create"),
        {"name": "重慶長安汽車", "kind": "company", "tier": "C", "status": "prospect"},
    )
    body = r.content.decode()
    assert r.status_code == 200 and "file-conflict" in body and "吴一" in body
    assert Customer.objects.count() == 1


def test_customer_page_shows_contacts_masked_for_pool(org, client):
    pool = PublicPoolFactory(unit=org.team_a)
    c = CustomerFactory(name="公海客户", pool=pool, owner_unit=org.team_a)
    ContactFactory(customer=c, name="赵六", phone="13912345678")
    client.force_login(org.rep_a2)
    body = client.get(reverse("customers:customer_detail", args=[c.pk])).content.decode()
    assert "139****5678" in body and "13912345678" not in body


def test_peer_cannot_open_customer_page(org, client):
    c = CustomerFactory(name="私有客户", owner=org.rep_a1)
    client.force_login(org.rep_a2)
    assert client.get(reverse("customers:customer_detail", args=[c.pk])).status_code == 404
    assert client.get(reverse("customers:customer_edit", args=[c.pk])).status_code == 404


def test_owner_page_edit_and_timeline(org, client):
    client.force_login(org.rep_a1)
    client.post(
        reverse("customers:customer_create"),
        {"name": "时间线客户", "kind": "company", "tier": "C", "status": "prospect"},
    )
    c = Customer.objects.get()
    r = client.post(
        reverse("customers:customer_edit", args=[c.pk]),
        {"name": "时间线客户", "kind": "company", "tier": "A", "status": "prospect"},
    )
    assert r.status_code == 302
    body = client.get(reverse("customers:customer_detail", args=[c.pk])).content.decode()
    assert "customer-timeline" in body
    assert "已报备" in body and "资料已修改" in body  # the register and update events, in zh-hans


def test_bulk_tag_result_per_row(org, client):
    tag = TagFactory(name="重点")
    mine = CustomerFactory(name="我的", owner=org.rep_a1)
    other = CustomerFactory(name="别人的", owner=org.rep_b1)
    client.force_login(org.rep_a1)
    client.post(reverse("customers:customer_bulk_tag"), {"ids": [mine.pk, other.pk], "tag": tag.pk})
    assert list(Tag.objects.get(pk=tag.pk).customers.all()) == [mine]


def test_recycle_bin_pages(org, client):
    c = CustomerFactory(name="待删", owner=org.rep_a1)
    client.force_login(org.tm_a)
    assert client.post(reverse("customers:customer_delete", args=[c.pk])).status_code == 302
    assert "待删" in client.get(reverse("customers:recycle_bin")).content.decode()
    assert client.post(reverse("customers:customer_restore", args=[c.pk])).status_code == 403
    client.force_login(org.admin)
    client.post(reverse("customers:customer_restore", args=[c.pk]))
    assert Customer.objects.get(pk=c.pk).deleted_at is None
    client.force_login(org.rep_a1)
    assert client.get(reverse("customers:recycle_bin")).status_code == 403


def test_tag_admin_only_for_admins(org, client):
    client.force_login(org.rep_a1)
    assert client.get(reverse("customers:tag_admin")).status_code == 403
    client.force_login(org.admin)
    client.post(
        reverse("customers:tag_admin"), {"form": "group", "g-name": "合作意向", "g-sort_order": 0, "g-is_active": "on"}
    )
    assert client.get(reverse("customers:tag_admin")).status_code == 200


def test_conflict_pages(org, client):
    CustomerFactory(name="撞单有限公司", owner=org.rep_a1)
    client.force_login(org.rep_a2)
    r = client.get(reverse("customers:conflict_create"), {"name": "撞单"})
    assert "撞单" in r.content.decode()
    r = client.post(
        reverse("customers:conflict_create"),
        {"name": "撞单", "evidence": "两周前已经上门拜访过对方总经理并提交了方案"},
    )
    assert r.status_code == 302
    body = client.get(r["Location"]).content.decode()
    assert "conflict-detail" in body
    client.force_login(org.rep_b1)
    assert client.get(r["Location"]).status_code == 404


def test_list_offers_export_and_bulk_transfer_only_to_those_allowed(client, org):
    CustomerFactory(name="列表按钮测试有限公司", owner=org.rep_a1, owner_unit=org.team_a)
    client.force_login(org.rep_a1)
    html = client.get(reverse("customers:customer_list")).content.decode()
    assert 'data-testid="export-button"' not in html and 'data-testid="print-button"' not in html
    client.force_login(org.director)
    html = client.get(reverse("customers:customer_list")).content.decode()
    assert 'data-testid="export-button"' in html and 'data-testid="print-button"' in html
    assert 'data-testid="bulk-transfer-buttons"' in html
