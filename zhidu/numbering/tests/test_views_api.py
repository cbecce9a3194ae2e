import pytest
from django.urls import reverse

from zhidu.audit.models import AuditEvent
from zhidu.numbering.models import NumberingRule

API = "/api/v1/numbering"
GOOD = {"prefix": "HT", "date_part": "yyyymm", "width": 4, "reset": "monthly", "separator": "-"}


def _state():
    return (
        list(NumberingRule.objects.values_list("key", "prefix", "date_part", "width", "reset", "separator")),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(
    "persona,index,edit", [("admin", 200, 200), ("gm", 200, 403), ("director", 403, 403), ("rep_a1", 403, 403)]
)
def test_page_permissions(client, org, doc_types, persona, index, edit):
    client.force_login(getattr(org, persona))
    assert client.get(reverse("numbering:index")).status_code == index
    assert client.get(reverse("numbering:edit", args=["test_contract"])).status_code == edit


def test_index_lists_rules_with_the_next_number(client, org, doc_types, django_assert_max_num_queries):
    client.force_login(org.admin)
    with django_assert_max_num_queries(10):  # +2: the navigation badges
        html = client.get(reverse("numbering:index")).content.decode()
    assert "Test contract" in html and "test_quote" in html and "BJ000001" in html


def test_edit_saves_a_rule(client, org, doc_types):
    client.force_login(org.admin)
    r = client.post(reverse("numbering:edit", args=["test_contract"]), {**GOOD, "prefix": "SC", "width": "5"})
    assert r.status_code == 302
    row = NumberingRule.objects.get(key="test_contract")
    assert (row.prefix, row.width, row.updated_by) == ("SC", 5, org.admin)
    r = client.post(reverse("numbering:reset", args=["test_contract"]))
    assert r.status_code == 302 and not NumberingRule.objects.exists()


@pytest.mark.parametrize(
    "change",
    [{"width": "0"}, {"width": "99"}, {"width": "x"}, {"prefix": "A B"}, {"date_part": "none", "reset": "daily"}],
)
def test_edit_shows_errors_and_saves_nothing(client, org, doc_types, change):
    client.force_login(org.admin)
    before = _state()
    r = client.post(reverse("numbering:edit", args=["test_contract"]), {**GOOD, **change})
    assert r.status_code == 422 and "invalid-feedback" in r.content.decode()
    assert _state() == before


def test_preview(client, org, doc_types):
    client.force_login(org.admin)
    url = reverse("numbering:preview", args=["test_contract"])
    html = client.get(url, {**GOOD, "prefix": "QT", "width": "3"}, HTTP_HX_REQUEST="true").content.decode()
    assert "QT-" in html and "-007" in html
    html = client.get(url, {**GOOD, "width": "0"}, HTTP_HX_REQUEST="true").content.decode()
    assert "alert-danger" in html


def test_unknown_key_page_is_404(client, org, doc_types):
    client.force_login(org.admin)
    assert client.get(reverse("numbering:edit", args=["nope"])).status_code == 404


def test_api_list_get_update_reset(client, org, doc_types):
    client.force_login(org.admin)
    rules = {r["key"]: r for r in client.get(f"{API}/rules").json()}
    assert rules["test_quote"]["next_number"] == "BJ000001" and rules["test_quote"]["overridden"] is False
    r = client.put(f"{API}/rules/test_contract", {**GOOD, "prefix": "SC"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["prefix"] == "SC" and r.json()["overridden"] is True
    assert r.json()["default"]["prefix"] == "HT"
    assert client.get(f"{API}/rules/test_contract").json()["next_number"].startswith("SC-")
    assert client.delete(f"{API}/rules/test_contract").status_code == 204
    assert client.get(f"{API}/rules/test_contract").json()["overridden"] is False


def test_api_bad_input(client, org, doc_types):
    client.force_login(org.admin)
    before = _state()
    for width in (0, 13, "wide", None):
        r = client.put(f"{API}/rules/test_contract", {**GOOD, "width": width}, content_type="application/json")
        assert r.status_code == 422 and "width" in r.json()["fields"], r.content
    r = client.put(f"{API}/rules/nope", GOOD, content_type="application/json")
    assert r.status_code == 404 and r.json()["code"] == "unknown_numbering_key"
    assert client.get(f"{API}/rules/nope").status_code == 404
    assert _state() == before


def test_api_permissions(client, org, doc_types):
    client.force_login(org.rep_a1)
    assert client.get(f"{API}/rules").status_code == 403
    client.force_login(org.gm)
    assert client.get(f"{API}/rules").status_code == 200
    before = _state()
    assert client.put(f"{API}/rules/test_contract", GOOD, content_type="application/json").status_code == 403
    assert _state() == before
