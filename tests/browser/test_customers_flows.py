"""Customer development in a real browser (issue 4's "Done when", and Foundation's "who
sees what"): register and be refused a duplicate, file a conflict claim the manager
decides in the approvals inbox, convert a lead, log a follow-up and a visit check-in on a
390 px phone, release to the pool and be claimed by a teammate, hand a leaving rep's
customers over, pick a parent company with the search-as-you-type picker; a rep and a team
manager log in through the real form and see only their own / their team's customers. Every test checks the database too.

Run: ``DJANGO_ALLOW_ASYNC_UNSAFE=true .venv/bin/python -m pytest -p no:xdist -m browser
tests/browser/test_customers_flows.py`` (add ``DATABASE_URL=postgres://…`` for PostgreSQL)."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from playwright.sync_api import expect

from zhidu.customers.models import Activity, ConflictClaim, Customer, Lead, PoolEvent, VisitCheckIn

PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media_root", "activity_types"),
]


def png_bytes(width: int = 8, height: int = 8) -> bytes:
    """A small valid PNG (a blue square), made here so the test needs no image file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x10\x60\xd0" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def wait_until(check, timeout: float = 10.0) -> None:
    """Poll the database until ``check()`` holds (a page's POST may still be running)."""
    import time

    end = time.monotonic() + timeout
    while not check() and time.monotonic() < end:
        time.sleep(0.1)


def url_or_skip(*names: str, args=()) -> str:
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    pytest.skip(f"no page yet: none of {', '.join(names)} exists")


def customer(owner, **kw):
    from zhidu.customers.tests.factories import CustomerFactory

    return CustomerFactory(owner=owner, **kw)


def no_overflow(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px screen"


def test_register_duplicate_refused_conflict_claim_decided_in_the_inbox(signed_in, org):
    # rep_a1 registers a customer through the form.
    page = signed_in(org.rep_a1)
    page.goto(reverse("customers:customer_create"))
    form = page.get_by_test_id("customer-form")
    form.locator("input[name=name]").fill("宁波恒达精密机械有限公司")
    form.locator("input[name=contact_name]").fill("王建国")
    form.locator("input[name=contact_phone]").fill("13800138000")
    page.get_by_test_id("customer-save").click()
    page.wait_for_url("**/customers/*/")
    c = Customer.objects.get(name="宁波恒达精密机械有限公司")
    assert c.owner_id == org.rep_a1.pk and c.protected_until is not None
    assert c.contacts.get().phone_normalized == "13800138000"
    expect(page.get_by_test_id("customer-protection")).to_be_visible()

    # rep_b1 (another team) tries the same company: refused, shown the owner and protected-until.
    page2 = signed_in(org.rep_b1)
    page2.goto(reverse("customers:customer_create"))
    form = page2.get_by_test_id("customer-form")
    form.locator("input[name=name]").fill("宁波恒达精密机械（有限公司）")
    page2.get_by_test_id("customer-save").click()
    result = page2.get_by_test_id("duplicate-result")
    expect(result).to_contain_text(org.rep_a1.full_name)
    expect(result).to_contain_text(str(c.protected_until.year))
    assert Customer.objects.count() == 1

    # …and files a conflict claim from there.
    page2.get_by_test_id("file-conflict").click()
    claim_form = page2.get_by_test_id("conflict-form")
    expect(claim_form).to_be_visible()
    if not claim_form.locator("input[name=name]").input_value():
        claim_form.locator("input[name=name]").fill("宁波恒达精密机械有限公司")
    claim_form.locator("textarea[name=evidence]").fill(
        "上个月在宁波机械展上认识了对方采购经理，之后电话沟通两次并发了报价单"
    )
    claim_form.locator("button[type=submit]").click()
    page2.wait_for_url("**/customers/conflicts/*/")
    claim = ConflictClaim.objects.get()
    assert claim.claimant_id == org.rep_b1.pk and claim.existing_owner_id == org.rep_a1.pk
    assert claim.status == "under_review" and claim.approval_id
    decider = claim.decider

    # The lowest manager above both decides in the approvals inbox.
    page3 = signed_in(decider)
    page3.goto(reverse("approvals:inbox"))
    page3.locator(f"a[href$='/approvals/{claim.approval_id}/']").first.click()
    page3.locator("#id_decision_comment").fill("展会记录早于对方报备，按制度判给申诉人")
    with page3.expect_response(lambda r: r.request.method == "POST"):
        page3.locator("button[name=decision][value=approve]").click()
    wait_until(lambda: ConflictClaim.objects.get(pk=claim.pk).status == "decided")
    claim.refresh_from_db()
    assert claim.status == "decided"
    assert claim.decided_winner_id == (claim.proposed_winner_id or claim.existing_owner_id)
    assert claim.decision_reason

    # Both sides see the decision on the claim page.
    page2.goto(reverse("customers:conflict_detail", args=[claim.pk]))
    expect(page2.get_by_test_id("conflict-decision")).to_be_visible()


def test_rep_converts_a_lead(signed_in, org):
    from zhidu.customers.services.leads import lead_create

    lead = lead_create(
        actor=org.rep_a1,
        data={
            "company": "苏州瑞丰新材料有限公司",
            "contact_name": "李娜",
            "phone": "13912345678",
            "source": "trade_show",
        },
        assign="self",
    )
    page = signed_in(org.rep_a1)
    page.goto(reverse("customers:lead_detail", args=[lead.pk]))
    checklist = page.get_by_test_id("lead-checklist")
    for box in checklist.locator("input[type=checkbox]").all():
        box.check()
    page.get_by_test_id("lead-qualify").click()
    expect(page.get_by_test_id("lead-status")).to_have_text("合格")
    page.get_by_test_id("lead-convert").click()
    page.get_by_test_id("convert-save").click()
    page.wait_for_url("**/customers/*/")
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.converted_customer is not None
    assert lead.converted_customer.owner_id == org.rep_a1.pk
    assert lead.converted_customer.name == "苏州瑞丰新材料有限公司"
    assert lead.converted_contact.phone_normalized == "13912345678"


def test_follow_up_and_visit_check_in_on_a_phone(signed_in, org, tmp_path):
    tower = customer(org.rep_a1, name="上海中心大厦物业有限公司", latitude="31.235500", longitude="121.501300")
    page = signed_in(
        org.rep_a1, viewport=PHONE, geolocation={"latitude": 31.2358, "longitude": 121.5015, "accuracy": 15}
    )

    page.goto(reverse("customers:activity_create", args=[tower.pk]))
    form = page.get_by_test_id("activity-form")
    form.locator("select[name=type]").select_option(label="电话")
    form.locator("textarea[name=content]").fill("电话沟通了年度采购计划，对方同意下周安排技术交流")
    form.locator("select[name=outcome]").select_option("progressed")
    form.locator("input[name=next_step]").fill("上门技术交流")
    no_overflow(page)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    call = Activity.objects.get(customer=tower)
    assert call.is_valid and call.type.code == "call" and call.owner_id == org.rep_a1.pk
    tower.refresh_from_db()
    assert tower.last_valid_follow_up_at == call.occurred_at

    page.goto(reverse("customers:check_in", args=[tower.pk]))
    expect(page.get_by_test_id("location-status")).to_contain_text("15")
    photo = tmp_path / "door.png"
    photo.write_bytes(png_bytes())
    page.locator('input[name="photo"]').set_input_files(str(photo))
    page.locator('textarea[name="content"]').fill("到访客户工程部，现场查看了设备运行情况，客户确认下月扩容")
    page.locator('select[name="outcome"]').select_option("progressed")
    no_overflow(page)
    page.get_by_test_id("check-in-submit").click()
    expect(page.get_by_test_id("check-in")).to_be_visible()
    ci = VisitCheckIn.objects.get()
    assert not ci.flagged, ci.flag_reason
    assert ci.distance_m < 100 and ci.photo.name.endswith(".png")
    assert Activity.objects.get(pk=ci.activity_id).is_valid
    no_overflow(page)


def test_release_to_the_pool_and_a_teammate_claims_it(signed_in, org):
    c = customer(org.rep_a1, name="杭州久安物流有限公司")
    page = signed_in(org.rep_a1)
    page.goto(reverse("customers:pool_release", args=[c.pk]))
    page.locator("textarea[name=reason]").fill("客户业务调整，暂无采购需求")
    page.get_by_test_id("release-form").locator("button[type=submit]").click()
    page.wait_for_url("**/customers/pool/")
    c.refresh_from_db()
    assert c.owner_id is None and c.pool_id is not None
    assert PoolEvent.objects.get(customer=c, kind="release").reason == "客户业务调整，暂无采购需求"

    page2 = signed_in(org.rep_a2)
    page2.goto(reverse("customers:pool_list"))
    row = page2.get_by_test_id("pool-row").filter(has_text="杭州久安物流有限公司")
    expect(row).to_contain_text("客户业务调整")
    row.get_by_test_id("claim").click()
    page2.wait_for_url(f"**/customers/{c.pk}/")
    c.refresh_from_db()
    assert c.owner_id == org.rep_a2.pk and c.pool_id is None and c.protected_until >= timezone.localdate()
    assert PoolEvent.objects.filter(customer=c, kind="claim", to_owner=org.rep_a2).exists()


def test_manager_hands_over_a_leaving_reps_customers(signed_in, org):
    url = url_or_skip("customers:handover", "customers:customer_handover", "customers:transfer_handover")
    mine = [customer(org.rep_a2, name=f"交接测试{i}有限公司") for i in range(3)]
    other = customer(org.rep_a1, name="不动的客户有限公司")
    page = signed_in(org.tm_a)
    page.goto(url)
    form = page.locator("form[method=post]").filter(has=page.locator("select[name=from_user]")).first
    form.locator("select[name=from_user]").select_option(str(org.rep_a2.pk))
    form.locator("select[name=to_user]").select_option(str(org.rep_a1.pk))
    form.locator("textarea[name=reason]").fill("离职交接：王同学本月底离职")
    form.locator("button[type=submit]").last.click()
    page.wait_for_load_state()
    assert set(Customer.objects.filter(pk__in=[c.pk for c in mine]).values_list("owner_id", flat=True)) == {
        org.rep_a1.pk
    }
    assert Customer.objects.get(pk=other.pk).owner_id == org.rep_a1.pk


def _login_through_the_form(page, username: str, password: str, base_url: str) -> None:
    page.goto(reverse("customers:customer_list"))
    page.wait_for_url("**/org/login/**")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(base_url + reverse("customers:customer_list"))


def test_rep_and_team_manager_see_only_theirs(new_page, org, live_server, browser_problems):
    browser_problems.allow(r"40[34] \((Forbidden|Not Found)\)")
    own = customer(org.rep_a1, name="甲一自己的客户有限公司")
    teammate = customer(org.rep_a2, name="甲二同组的客户有限公司")
    other_team = customer(org.rep_b1, name="乙组别人的客户有限公司")

    rep = new_page()
    _login_through_the_form(rep, "rep_a1", org.password, live_server.url)
    table = rep.get_by_test_id("customer-results")
    expect(table).to_contain_text(own.name)
    expect(table).not_to_contain_text(teammate.name)
    expect(table).not_to_contain_text(other_team.name)
    assert rep.goto(reverse("customers:customer_detail", args=[teammate.pk])).status in (403, 404)

    manager = new_page()
    _login_through_the_form(manager, "tm_a", org.password, live_server.url)
    table = manager.get_by_test_id("customer-results")
    expect(table).to_contain_text(own.name)
    expect(table).to_contain_text(teammate.name)
    expect(table).not_to_contain_text(other_team.name)
    assert manager.goto(reverse("customers:customer_detail", args=[teammate.pk])).status == 200


def test_bad_lead_conversion_refused_nothing_written(signed_in, org):
    """Converting an unqualified lead is refused with the missing checklist items."""
    from zhidu.customers.services.leads import lead_create

    lead = lead_create(
        actor=org.rep_a1, data={"company": "广州未评估贸易有限公司", "phone": "13700001111"}, assign="self"
    )
    page = signed_in(org.rep_a1)
    page.goto(reverse("customers:lead_convert", args=[lead.pk]))
    save = page.get_by_test_id("convert-save")
    if save.count():
        save.click()
        expect(page.get_by_test_id("form-error").or_(page.locator(".alert-danger")).first).to_be_visible()
    assert Lead.objects.get(pk=lead.pk).status != "converted"
    assert not Customer.objects.exists()


def test_parent_company_picker(signed_in, org):
    """Type part of a name, pick from the htmx list, save: the parent shows on the page.
    The list holds only customers the rep sees (a peer's namesake is not offered)."""
    import os

    head = customer(org.rep_a1, name="星辰控股集团有限公司")
    customer(org.rep_a1, name="星辰物流有限公司")
    customer(org.rep_a2, name="星辰同行贸易有限公司")
    branch = customer(org.rep_a1, name="星辰控股华东分公司")
    page = signed_in(org.rep_a1)
    page.goto(reverse("customers:customer_edit", args=[branch.pk]))
    box = page.locator('input[name="parent_q"]')
    box.click()
    box.press_sequentially("xingchen", delay=30)
    options = page.get_by_test_id("parent-options")
    expect(options.locator("[data-parent-pick]")).to_have_count(2)
    expect(options).not_to_contain_text("星辰同行")
    shots = os.environ.get("ZHIDU_SCREENSHOTS")
    if shots:
        os.makedirs(shots, exist_ok=True)
        page.screenshot(path=os.path.join(shots, "customer-parent-picker.png"))
    options.get_by_role("option", name="星辰控股集团有限公司").click()
    expect(box).to_have_value("星辰控股集团有限公司")
    expect(page.locator("#parent-options [data-parent-pick]")).to_have_count(0)
    assert page.locator('input[name="parent_id"]').input_value() == str(head.pk)
    page.get_by_test_id("customer-save").click()
    page.wait_for_url(f"**/customers/{branch.pk}/")
    expect(page.locator("main")).to_contain_text("星辰控股集团有限公司")
    branch.refresh_from_db()
    assert branch.parent_id == head.pk
