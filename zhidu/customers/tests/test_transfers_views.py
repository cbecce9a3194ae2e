"""Transfer pages and API: the handover page (counts, one form, then deactivation), the
bulk-action page reached from the list's buttons, the transfer list and its results per
row, who may open what, query counts."""

from __future__ import annotations

import pytest
from django.utils import translation

from zhidu.customers.models import Customer, PublicPool, Transfer

from .factories import CustomerFactory, LeadFactory, TagFactory
from .pool_support import load_urls

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _env(settings):
    load_urls()
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def test_handover_page_moves_everything_then_offers_deactivation(org, client):
    cs = [CustomerFactory(owner=org.rep_a1) for _ in range(2)]
    LeadFactory(owner=org.rep_a1, owner_unit=org.team_a)
    client.force_login(org.tm_a)
    page = client.get(f"/customers/handover/{org.rep_a1.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="handover-summary"' in html
    assert "Deactivation is refused while they still hold" in html
    response = client.post(
        f"/customers/handover/{org.rep_a1.pk}/",
        {"to_user": org.rep_a2.pk, "reason": "离职交接", "include_leads": "on", "include_steps": "on"},
    )
    t = Transfer.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/customers/transfers/{t.pk}/"
    assert {Customer.objects.get(pk=c.pk).owner_id for c in cs} == {org.rep_a2.pk}
    detail = client.get(response["Location"]).content.decode()
    assert "Credit for deals already won stays with the original owner" in detail
    page = client.get(f"/customers/handover/{org.rep_a1.pk}/").content.decode()
    assert "They hold nothing any more" in page


def test_handover_refused_outside_the_units_and_for_reps(org, client):
    client.force_login(org.tm_a)
    assert client.get(f"/customers/handover/{org.rep_c1.pk}/").status_code == 403
    client.force_login(org.rep_a1)
    assert client.get(f"/customers/handover/{org.rep_a2.pk}/").status_code == 403
    assert client.get("/customers/handover/").status_code == 403


def test_handover_form_needs_one_target(org, client):
    CustomerFactory(owner=org.rep_a1)
    client.force_login(org.tm_a)
    response = client.post(f"/customers/handover/{org.rep_a1.pk}/", {"reason": "离职"})
    assert response.status_code == 200 and "Choose either a person or a public pool" in response.content.decode()
    assert not Transfer.objects.exists()


def test_bulk_page_from_the_list_buttons(org, client):
    cs = [CustomerFactory(owner=org.rep_a1) for _ in range(3)]
    client.force_login(org.tm_a)
    # The list's "Transfer…" button posts the ticked rows: the page asks for the target.
    page = client.post("/customers/bulk/", {"ids": [c.pk for c in cs], "action": "transfer", "next": "/customers/"})
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="bulk-rows"' in html and cs[0].name in html
    response = client.post(
        "/customers/bulk/",
        {
            "confirm": "1",
            "ids": [c.pk for c in cs[:2]],
            "action": "transfer",
            "to_user": org.rep_a2.pk,
            "reason": "调整",
        },
    )
    t = Transfer.objects.get()
    assert response.status_code == 302 and (t.kind, t.succeeded) == ("bulk", 2)
    assert [Customer.objects.get(pk=c.pk).owner_id for c in cs] == [org.rep_a2.pk, org.rep_a2.pk, org.rep_a1.pk]


def test_bulk_release_by_a_rep_and_results(org, client):
    mine = CustomerFactory(owner=org.rep_a1)
    theirs = CustomerFactory(owner=org.rep_a2)
    client.force_login(org.rep_a1)
    response = client.post(
        "/customers/bulk/", {"confirm": "1", "ids": [mine.pk, theirs.pk], "action": "release", "reason": "无需求"}
    )
    t = Transfer.objects.get()
    assert response.status_code == 302 and (t.succeeded, t.failed) == (1, 1)
    detail = client.get(f"/customers/transfers/{t.pk}/?failed=1").content.decode()
    assert "Not found, or outside your scope." in detail


def test_bulk_buttons_partial_renders_inside_a_form(org, rf):
    from django.template.loader import render_to_string

    html = render_to_string("customers/transfers/partials/bulk_buttons.html", {})
    assert 'formaction="/customers/bulk/"' in html and 'value="transfer"' in html


def test_transfer_list_scoped_and_query_count(org, client, django_assert_max_num_queries):
    for _i in range(3):
        c = CustomerFactory(owner=org.rep_a1)
        from zhidu.customers.services.transfers import customer_transfer

        customer_transfer(actor=org.tm_a, customers=[c], to_user=org.rep_a2, reason="调整")
    c = CustomerFactory(owner=org.rep_c1)
    customer_transfer(actor=org.tm_c, customers=[c], to_user=org.tm_c, reason="西区调整")
    client.force_login(org.tm_a)
    with django_assert_max_num_queries(14):
        html = client.get("/customers/transfers/").content.decode()
    assert html.count("/customers/transfers/") >= 3 and "西区调整" not in html
    client.force_login(org.rep_a2)  # the receiver sees the transfers that concern them
    assert client.get("/customers/transfers/").content.decode().count("调整") == 3
    client.force_login(org.rep_b1)
    t = Transfer.objects.first()
    assert client.get(f"/customers/transfers/{t.pk}/").status_code == 404


# --- API -----------------------------------------------------------------------------------------------


def test_api_transfer_and_handover(org, client):
    cs = [CustomerFactory(owner=org.rep_a1) for _ in range(2)]
    client.force_login(org.tm_a)
    r = client.post(
        "/api/v1/customers/transfers",
        {"customer_ids": [cs[0].pk], "to_user_id": org.rep_a2.pk, "reason": "调整"},
        "application/json",
    )
    assert r.status_code == 201 and r.json()["succeeded"] == 1 and r.json()["items"][0]["ok"]
    r = client.get(f"/api/v1/customers/handovers/{org.rep_a1.pk}")
    assert r.json()["customers"] == 1 and not r.json()["can_deactivate"]
    pool = PublicPool.objects.create(name="一组公海", unit=org.team_a)
    r = client.post(
        f"/api/v1/customers/handovers/{org.rep_a1.pk}", {"to_pool_id": pool.pk, "reason": "离职"}, "application/json"
    )
    assert r.status_code == 201 and r.json()["kind"] == "handover"
    assert client.get(f"/api/v1/customers/handovers/{org.rep_a1.pk}").json()["can_deactivate"]
    listing = client.get("/api/v1/customers/transfers?kind=handover").json()
    assert listing["total"] == 1


def test_api_refusals(org, client):
    c = CustomerFactory(owner=org.rep_a1)
    client.force_login(org.rep_a1)
    r = client.post(
        "/api/v1/customers/transfers",
        {"customer_ids": [c.pk], "to_user_id": org.rep_a2.pk, "reason": "x"},
        "application/json",
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    client.force_login(org.tm_a)
    r = client.post(
        "/api/v1/customers/transfers",
        {"customer_ids": [c.pk], "to_user_id": org.rep_b1.pk, "reason": "调整"},
        "application/json",
    )
    assert r.status_code == 403 and "to_user" in r.json()["fields"]
    r = client.post(
        "/api/v1/customers/bulk",
        {"action": "tag", "customer_ids": [c.pk], "tag_id": TagFactory().pk},
        "application/json",
    )
    assert r.status_code == 201 and r.json()["succeeded"] == 1
    assert Customer.objects.get(pk=c.pk).owner_id == org.rep_a1.pk


def test_handover_start_page_chooses_whose_records(org, client):
    cs = [CustomerFactory(owner=org.rep_a2) for _ in range(2)]
    client.force_login(org.tm_a)
    page = client.get("/customers/handover/").content.decode()
    assert 'name="from_user"' in page and 'data-testid="handover-people"' in page
    response = client.post(
        "/customers/handover/",
        {"from_user": org.rep_a2.pk, "to_user": org.rep_a2.pk, "reason": "离职交接", "include_leads": "on"},
    )
    assert response.status_code == 200 and "Choose someone else to receive the customers." in response.content.decode()
    response = client.post(
        "/customers/handover/",
        {"from_user": org.rep_a2.pk, "to_user": org.rep_a1.pk, "reason": "离职交接", "include_leads": "on"},
    )
    assert response.status_code == 302
    assert {Customer.objects.get(pk=c.pk).owner_id for c in cs} == {org.rep_a1.pk}
    assert Transfer.objects.get().kind == "handover"
