import pytest

from zhidu.customers.models import ConflictClaim, Customer

from .factories import ContactFactory, CustomerFactory, PublicPoolFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1/customers/"


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


def test_register_list_search_and_detail(org, as_user):
    c = as_user(org.rep_a1)
    r = c.post(
        BASE,
        {"name": "華為技術有限公司", "tier": "A", "contact": {"name": "张三", "phone": "13800001111"}},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["owner"]["name"] == "吴一" and body["protected_until"]
    for q in ["hwjs", "huawei", "华为", "華為技術"]:
        items = c.get(BASE, {"q": q}).json()["items"]
        assert [i["name"] for i in items] == ["華為技術有限公司"], q
    assert c.get(BASE, {"q": "zte"}).json()["items"] == []
    assert c.get(f"{BASE}{body['id']}").json()["tier"] == "A"
    contacts = c.get(f"{BASE}{body['id']}/contacts").json()
    assert contacts[0]["phone"] == "13800001111" and not contacts[0]["masked"]


def test_peer_gets_404_and_duplicate_409_with_little_information(org, as_user):
    mine = CustomerFactory(name="重庆长安汽车股份有限公司", owner=org.rep_a1, city="重庆")
    c = as_user(org.rep_b1)
    assert c.get(f"{BASE}{mine.pk}").status_code == 404
    assert c.get(BASE, {"q": "chongqing"}).json()["items"] == []
    r = c.post(BASE, {"name": "重慶長安汽車"}, content_type="application/json")
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "duplicate"
    assert body["duplicates"][0]["name"] == "重庆长安汽车股份有限公司"
    assert body["duplicates"][0]["owner"] == "吴一"
    assert set(body["duplicates"][0]) == {
        "name",
        "owner",
        "protected_until",
        "in_pool",
        "pool",
        "in_recycle_bin",
        "matched_on",
    }
    assert "city" not in str(body) and '重庆"' not in str(body)
    assert Customer.objects.count() == 1
    # The check endpoint says the same, and nothing more.
    r = c.post(f"{BASE}duplicates/check", {"name": "重庆长安汽车"}, content_type="application/json")
    assert r.json()["duplicates"][0]["owner"] == "吴一"


def test_invalid_credit_code_is_422(org, as_user):
    r = as_user(org.rep_a1).post(
        BASE, {"name": "甲", "credit_code": "91440300708461136A"}, content_type="application/json"
    )
    assert r.status_code == 422
    assert "credit_code" in r.json()["fields"]
    assert not Customer.objects.exists()


def test_rep_cannot_delete_manager_can_admin_restores(org, as_user, client):
    customer = CustomerFactory(name="删我", owner=org.rep_a1)
    assert as_user(org.rep_a1).delete(f"{BASE}{customer.pk}").status_code == 403
    assert as_user(org.tm_a).delete(f"{BASE}{customer.pk}").status_code == 204
    assert as_user(org.tm_a).post(f"{BASE}{customer.pk}/restore").status_code == 403
    bin_items = as_user(org.admin).get(f"{BASE}recycle-bin").json()["items"]
    assert [i["name"] for i in bin_items] == ["删我"]
    assert as_user(org.admin).post(f"{BASE}{customer.pk}/restore").status_code == 200
    assert Customer.objects.get(pk=customer.pk).deleted_at is None


def test_pool_customer_contacts_masked(org, as_user):
    pool = PublicPoolFactory(unit=org.team_a)
    customer = CustomerFactory(name="公海里的", pool=pool, owner_unit=org.team_a)
    ContactFactory(customer=customer, phone="13912345678", wechat="wx_abc")
    contacts = as_user(org.rep_a2).get(f"{BASE}{customer.pk}/contacts").json()
    assert contacts[0]["phone"] == "139****5678" and contacts[0]["wechat"] == "w***" and contacts[0]["masked"]


def test_list_query_count(org, as_user, django_assert_max_num_queries):
    for i in range(30):
        CustomerFactory(name=f"客户{i}", owner=org.rep_a1)
    c = as_user(org.rep_a1)
    c.get(BASE)  # warm the session
    with django_assert_max_num_queries(14):
        r = c.get(BASE, {"page_size": 25})
    assert len(r.json()["items"]) == 25 and r.json()["has_next"]


def test_conflict_claim_through_the_api(org, as_user):
    CustomerFactory(name="撞单客户有限公司", owner=org.rep_a1)
    c = as_user(org.rep_a2)
    r = c.post(BASE, {"name": "撞单客户"}, content_type="application/json")
    assert r.status_code == 409
    r = c.post(
        f"{BASE}conflict-claims",
        {"attempt": {"name": "撞单客户"}, "evidence": "上个月在展会上就已经和他们采购经理交换了名片并报价"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    claim = r.json()
    assert claim["existing_owner"]["name"] == "吴一"
    assert claim["proposed_winner"]["name"] == "吴一"  # registered and still protected
    assert claim["decider"]["name"] == "周组长"  # team_a's head is the lowest manager above both
    assert ConflictClaim.objects.count() == 1
