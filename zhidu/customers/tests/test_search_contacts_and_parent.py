"""The customer search also finds customers by their contacts (name, pinyin, phone), on
the list page and the API alike, within the user's scope; the parent-company picker and
the service's rules on parent companies (visible, no cycles)."""

import pytest
from django.urls import reverse

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import ValidationError
from zhidu.customers.filtersets.customers import phone_query
from zhidu.customers.models import Customer
from zhidu.customers.services import contacts as contact_svc
from zhidu.customers.services import customers as svc

from .factories import ContactFactory, CustomerFactory, PublicPoolFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/customers/"


@pytest.fixture
def book(org):
    """rep_a1's customer with 王小明 (+86 138 1234 5678); rep_a2's (a peer) with the same
    contact; a rep_a1 customer with an unrelated contact."""
    mine = CustomerFactory(name="甲方科技有限公司", owner=org.rep_a1)
    ContactFactory(customer=mine, name="王小明", phone="+86 138-1234-5678")
    peer = CustomerFactory(name="乙方贸易有限公司", owner=org.rep_a2)
    ContactFactory(customer=peer, name="王小明", phone="13812345678")
    other = CustomerFactory(name="丙方机械有限公司", owner=org.rep_a1)
    ContactFactory(customer=other, name="李四", phone="13900009999", phone2="021-6123 4567")
    return {"mine": mine, "peer": peer, "other": other}


def _page_names(client, q):
    r = client.get(reverse("customers:customer_list"), {"q": q}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    body = r.content.decode()
    return {n for n in ("甲方科技有限公司", "乙方贸易有限公司", "丙方机械有限公司") if n in body}


def _api_names(client, q):
    r = client.get(API, {"q": q})
    assert r.status_code == 200, r.content
    return {row["name"] for row in r.json()["items"]}


@pytest.mark.parametrize(
    "query",
    ["王小明", "小明", "wangxiaoming", "wxm", "+86 138 1234 5678", "138-1234-5678", "12345678", "5678", "13812345678"],
)
def test_contact_name_or_phone_finds_the_customer_on_page_and_api(org, client, book, query):
    client.force_login(org.rep_a1)
    assert _page_names(client, query) == {"甲方科技有限公司"}
    assert _api_names(client, query) == {"甲方科技有限公司"}


def test_second_phone_and_a_landline_tail(org, client, book):
    client.force_login(org.rep_a1)
    assert _api_names(client, "02161234567") == {"丙方机械有限公司"}
    assert _api_names(client, "6123 4567") == {"丙方机械有限公司"}


def test_customer_name_still_matches_and_unrelated_text_finds_nothing(org, client, book):
    client.force_login(org.rep_a1)
    assert _api_names(client, "jfkj") == {"甲方科技有限公司"}
    assert _api_names(client, "赵六") == set()
    assert _api_names(client, "567") == set()  # fewer than four digits: not a phone tail


def test_peer_customer_is_not_found_but_manager_finds_both(org, client, book):
    client.force_login(org.rep_a2)
    assert _api_names(client, "王小明") == {"乙方贸易有限公司"}
    assert _page_names(client, "13812345678") == {"乙方贸易有限公司"}
    client.force_login(org.tm_a)
    assert _api_names(client, "wangxiaoming") == {"甲方科技有限公司", "乙方贸易有限公司"}


def test_deleted_contact_no_longer_matches(org, client, book):
    contact = book["mine"].contacts.get()
    contact_svc.contact_delete(actor=org.rep_a1, contact=contact)
    client.force_login(org.rep_a1)
    assert _api_names(client, "王小明") == set()
    assert _page_names(client, "13812345678") == set()


def test_customer_in_recycle_bin_is_not_found_by_its_contact(org, client, book):
    svc.customer_delete(actor=org.tm_a, customer=book["mine"])
    client.force_login(org.rep_a1)
    assert _api_names(client, "王小明") == set()


def test_phone_search_does_not_reach_pool_customers_whose_phones_are_masked(org, client):
    pool = PublicPoolFactory(unit=org.team_a)
    customer = CustomerFactory(name="公海客户有限公司", pool=pool, owner_unit=org.team_a)
    ContactFactory(customer=customer, name="赵公海", phone="13955556666")
    client.force_login(org.rep_a2)
    # The rep sees the pool customer (by its name, its contact's name) …
    assert _api_names(client, "公海客户") == {"公海客户有限公司"}
    assert _api_names(client, "赵公海") == {"公海客户有限公司"}
    # … but a phone search cannot confirm its masked number, whole or in part.
    assert _api_names(client, "13955556666") == set()
    assert _api_names(client, "56666") == set()
    r = client.get(f"{API}{customer.pk}/contacts")
    assert r.json()[0]["phone"] == "139****6666"


def test_phone_query_parsing():
    assert phone_query("+86 138 1234 5678") == ("13812345678", True)
    assert phone_query("1234 5678") == ("12345678", False)
    assert phone_query("(021) 6123-4567") == ("02161234567", True)
    assert phone_query("567") is None
    assert phone_query("王小明") is None
    assert phone_query("abc1234") is None


def test_list_query_count_stays_flat_with_contact_search(org, client, django_assert_max_num_queries):
    for i in range(30):
        c = CustomerFactory(name=f"华为技术{i}号有限公司", owner=org.rep_a1)
        ContactFactory(customer=c, name=f"张{i}", phone=f"1380000{i:04d}")
    client.force_login(org.rep_a1)
    url = reverse("customers:customer_list")
    client.get(url, {"q": "zhang"})
    with django_assert_max_num_queries(20):
        r = client.get(url, {"q": "zhang"})
    assert r.content.decode().count("华为技术") >= 25
    with django_assert_max_num_queries(14):
        r = client.get(API, {"q": "zhang", "page_size": 25})
    assert len(r.json()["items"]) == 25


# --- parent companies ---------------------------------------------------------------------------


@pytest.fixture
def group(org):
    """rep_a1's group: 总部 ← 分部 ← 子分部; a peer's customer; one in the recycle bin."""
    head = CustomerFactory(name="星辰集团总部", owner=org.rep_a1)
    branch = CustomerFactory(name="星辰集团华东分部", owner=org.rep_a1, parent=head)
    leaf = CustomerFactory(name="星辰集团上海子分部", owner=org.rep_a1, parent=branch)
    peer = CustomerFactory(name="星辰同行有限公司", owner=org.rep_a2)
    return {"head": head, "branch": branch, "leaf": leaf, "peer": peer}


def _unchanged(customer, parent_id):
    customer.refresh_from_db()
    assert customer.parent_id == parent_id


@pytest.mark.parametrize("which", ["head", "branch", "leaf", "peer"])
def test_service_refuses_cycles_itself_and_invisible_parents(org, group, which):
    head = group["head"]
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        svc.customer_update(actor=org.rep_a1, customer=head, data={"parent_id": group[which].pk})
    assert "parent_id" in exc.value.fields
    _unchanged(head, None)
    assert AuditEvent.objects.count() == events


def test_service_refuses_unknown_and_binned_parents_and_accepts_a_visible_one(org, group):
    with pytest.raises(ValidationError):
        svc.customer_update(actor=org.rep_a1, customer=group["leaf"], data={"parent_id": 999_999})
    binned = CustomerFactory(name="回收站里的", owner=org.rep_a1)
    svc.customer_delete(actor=org.tm_a, customer=binned)
    with pytest.raises(ValidationError):
        svc.customer_update(actor=org.rep_a1, customer=group["leaf"], data={"parent_id": binned.pk})
    _unchanged(group["leaf"], group["branch"].pk)
    with pytest.raises(ValidationError):
        svc.customer_register(actor=org.rep_a1, data={"name": "新分部", "parent_id": group["peer"].pk})
    assert not Customer.objects.filter(name="新分部").exists()
    svc.customer_update(actor=org.rep_a1, customer=group["leaf"], data={"parent_id": group["head"].pk})
    _unchanged(group["leaf"], group["head"].pk)
    # The manager sees both books: a peer's customer may be the parent.
    svc.customer_update(actor=org.tm_a, customer=group["head"], data={"parent_id": group["peer"].pk})
    _unchanged(group["head"], group["peer"].pk)


def test_api_takes_parent_id_and_refuses_a_branch(org, client, group):
    client.force_login(org.rep_a1)
    r = client.post(API, {"name": "星辰集团华南分部", "parent_id": group["head"].pk}, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["parent_id"] == group["head"].pk
    r = client.patch(f"{API}{group['head'].pk}", {"parent_id": group["leaf"].pk}, content_type="application/json")
    assert r.status_code == 422 and "parent_id" in r.json()["fields"]
    _unchanged(group["head"], None)
    r = client.patch(f"{API}{group['branch'].pk}", {"parent_id": None}, content_type="application/json")
    assert r.status_code == 200 and r.json()["parent_id"] is None


def test_picker_is_scoped_capped_and_leaves_out_the_customer_and_its_branches(org, client, group):
    for i in range(12):
        CustomerFactory(name=f"星辰集团第{i}分公司", owner=org.rep_a1)
    url = reverse("customers:customer_parent_options")
    client.force_login(org.rep_a1)
    r = client.get(url, {"parent_q": "星辰"}, HTTP_HX_REQUEST="true")
    body = r.content.decode()
    assert r.status_code == 200 and body.count("data-parent-pick=") == 10
    assert "星辰同行有限公司" not in body
    r = client.get(url, {"parent_q": "星辰集团华东", "exclude_id": group["head"].pk})
    assert "data-parent-pick" not in r.content.decode()  # a direct branch of the customer edited
    r = client.get(url, {"parent_q": "xcjtzb"})
    assert f'data-parent-pick="{group["head"].pk}"' in r.content.decode()
    client.force_login(org.rep_a2)
    body = client.get(url, {"parent_q": "星辰"}).content.decode()
    assert body.count("data-parent-pick=") == 1 and "星辰同行有限公司" in body
    assert client.get(url, {"parent_q": ""}).content.decode().strip() == ""


def test_form_saves_the_picked_parent_and_refuses_a_cycle(org, client, group):
    client.force_login(org.rep_a1)
    head, leaf = group["head"], group["leaf"]
    r = client.get(reverse("customers:customer_edit", args=[leaf.pk]))
    assert r.status_code == 200 and 'name="parent_id"' in r.content.decode()
    data = {"name": leaf.name, "kind": "company", "tier": "C", "status": "prospect"}
    r = client.post(
        reverse("customers:customer_edit", args=[leaf.pk]), {**data, "parent_q": head.name, "parent_id": head.pk}
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    _unchanged(leaf, head.pk)
    page = client.get(reverse("customers:customer_detail", args=[leaf.pk])).content.decode()
    assert head.name in page
    r = client.post(
        reverse("customers:customer_edit", args=[head.pk]),
        {**data, "name": head.name, "parent_q": leaf.name, "parent_id": leaf.pk},
    )
    assert r.status_code == 200 and "星辰集团上海子分部" in r.content.decode()
    assert 'data-testid="parent-error"' in r.content.decode()
    _unchanged(head, None)


def test_form_without_javascript_takes_an_exact_name_and_clears_the_parent(org, client, group):
    client.force_login(org.rep_a1)
    leaf = group["leaf"]
    data = {"name": leaf.name, "kind": "company", "tier": "C", "status": "prospect"}
    url = reverse("customers:customer_edit", args=[leaf.pk])
    # A stale id with another name typed over it: the typed name wins.
    r = client.post(url, {**data, "parent_q": "星辰集团总部", "parent_id": group["branch"].pk})
    assert r.status_code == 302
    _unchanged(leaf, group["head"].pk)
    r = client.post(url, {**data, "parent_q": "星辰同行有限公司"})
    assert r.status_code == 200 and "星辰同行有限公司" in r.content.decode()
    _unchanged(leaf, group["head"].pk)
    r = client.post(url, {**data, "parent_q": "", "parent_id": group["head"].pk})
    assert r.status_code == 302
    _unchanged(leaf, None)


def test_register_form_with_a_parent(org, client, group):
    client.force_login(org.rep_a1)
    r = client.post(
        reverse("customers:customer_create"),
        {
            "name": "星辰集团北京分部",
            "kind": "company",
            "tier": "C",
            "status": "prospect",
            "parent_q": "星辰集团总部",
            "parent_id": group["head"].pk,
        },
    )
    assert r.status_code == 302
    assert Customer.objects.get(name="星辰集团北京分部").parent_id == group["head"].pk
