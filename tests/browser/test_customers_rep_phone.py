"""A rep's day on a 390 px phone: my day, the public pool (claim), the visit check-in with
the browser's geolocation and a photo, a follow-up, a release — no horizontal overflow,
no CSP violation, no JavaScript error (the ``new_page`` fixture fails on those)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from zhidu.customers.models import Activity, Customer, VisitCheckIn

PHONE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_root", "activity_types")]


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64 + b"\xff\xd9"


def no_overflow(page, name: str = ""):
    """Fail on a horizontal scrollbar; with ``ZHIDU_SHOTS=<folder>`` also keep a screenshot."""
    import os

    folder = os.environ.get("ZHIDU_SHOTS")
    if folder and name:
        page.screenshot(path=os.path.join(folder, f"rep-phone-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px screen"


def customer(owner, **kw):
    from zhidu.customers.tests.factories import CustomerFactory

    return CustomerFactory(owner=owner, **kw)


def test_rep_day_on_a_phone(signed_in, org, tmp_path):
    from zhidu.customers.models import ActivityType
    from zhidu.customers.services import activities as act_svc
    from zhidu.customers.services import pool as pool_svc

    tower = customer(org.rep_a1, name="上海中心大厦物业有限公司", latitude="31.235500", longitude="121.501300")
    act_svc.activity_log(
        actor=org.rep_a1, customer=tower, type=ActivityType.objects.get(code="call"),
        content="电话约了下周二上门拜访，对方采购经理确认参加", outcome="progressed",
        next_step="上门拜访并演示样品", next_date=timezone.localdate(),
    )  # fmt: skip
    old = customer(org.rep_a2, name="杭州久未联系贸易有限公司", received_at=timezone.now() - dt.timedelta(days=60))
    pool_svc.customer_release(actor=org.rep_a2, customer=old, reason="联系不上对方负责人")

    page = signed_in(
        org.rep_a1, viewport=PHONE, geolocation={"latitude": 31.2360, "longitude": 121.5013, "accuracy": 20}
    )

    page.goto("/customers/my-day/")
    expect(page.get_by_test_id("due")).to_contain_text("上门拜访并演示样品")
    no_overflow(page, "my-day")

    page.goto("/customers/pool/")
    row = page.get_by_test_id("pool-row").filter(has_text="杭州久未联系贸易有限公司")
    expect(row).to_contain_text("联系不上对方负责人")
    no_overflow(page, "pool")
    row.get_by_test_id("claim").click()
    expect(page).to_have_url(f"{page.zhidu_base_url}/customers/{old.pk}/")
    assert Customer.objects.get(pk=old.pk).owner_id == org.rep_a1.pk
    expect(page.get_by_test_id("plans")).to_be_visible()
    no_overflow(page, "customer")

    page.goto(f"/customers/activities/check-in/{tower.pk}/")
    expect(page.get_by_test_id("location-status")).to_contain_text("20")
    assert page.locator('input[name="latitude"]').input_value() == "31.236000"
    photo = tmp_path / "site.jpg"
    photo.write_bytes(JPEG)
    page.locator('input[name="photo"]').set_input_files(str(photo))
    page.locator('textarea[name="content"]').fill("上门拜访采购部，演示了样品，客户同意下月试单")
    page.locator('select[name="outcome"]').select_option("progressed")
    no_overflow(page, "check-in")
    page.get_by_test_id("check-in-submit").click()
    expect(page.get_by_test_id("check-in")).to_be_visible()
    ci = VisitCheckIn.objects.get()
    assert not ci.flagged and 50 <= ci.distance_m <= 60 and ci.photo
    assert Activity.objects.get(pk=ci.activity_id).is_valid
    no_overflow(page, "visit")

    page.goto(f"/customers/pool/release/{tower.pk}/")
    page.locator('textarea[name="reason"]').fill("客户并入集团采购，由总部对接")
    no_overflow(page)
    page.get_by_test_id("release-form").locator('button[type="submit"]').click()
    expect(page).to_have_url(f"{page.zhidu_base_url}/customers/pool/")
    assert Customer.objects.get(pk=tower.pk).pool_id is not None


def test_check_in_without_location_is_flagged_on_a_phone(signed_in, org):
    tower = customer(org.rep_a1, name="定位失败测试公司", latitude="31.235500", longitude="121.501300")
    page = signed_in(org.rep_a1, viewport=PHONE)  # no geolocation permission granted
    page.goto(f"/customers/activities/check-in/{tower.pk}/")
    expect(page.get_by_test_id("location-status")).not_to_contain_text("…", timeout=15_000)
    page.locator('textarea[name="content"]').fill("到了客户门口但无法定位，电话沟通了需求")
    page.get_by_test_id("check-in-submit").click()
    expect(page.get_by_test_id("check-in")).to_be_visible()
    ci = VisitCheckIn.objects.get()
    assert ci.flagged and ("no location" in ci.flag_reason or "未获取位置" in ci.flag_reason)


def test_customer_search_on_a_phone_keeps_the_results_in_view(signed_in, org):
    """On a phone the customer list shows the search and the results first; the other
    filters fold behind "More filters", and start open when one of them is set."""
    from zhidu.customers.tests.factories import ContactFactory

    mine = customer(org.rep_a1, name="尾号查找测试有限公司")
    ContactFactory(customer=mine, name="侯博倩", phone="13895099956")
    customer(org.rep_a1, name="另一家测试有限公司")
    page = signed_in(org.rep_a1, viewport=PHONE)
    page.goto("/customers/")
    expect(page.locator("#id_status")).to_be_hidden()
    page.get_by_test_id("customer-search").press_sequentially("9956")  # the last digits of a contact's phone
    expect(page.locator("#customer-results")).to_contain_text("尾号查找测试有限公司")
    expect(page.locator("#customer-results")).not_to_contain_text("另一家测试有限公司")
    assert page.get_by_text("尾号查找测试有限公司").bounding_box()["y"] < PHONE["height"]  # no scrolling past filters
    no_overflow(page, "customer-search")
    page.get_by_test_id("customer-more-filters-toggle").click()
    expect(page.locator("#id_status")).to_be_visible()
    page.goto("/customers/?tier=C")
    expect(page.locator("#id_tier")).to_be_visible()


def test_lead_list_on_a_phone_folds_its_filters_too(signed_in, org):
    from zhidu.customers.tests.factories import LeadFactory

    LeadFactory(company="折叠筛选线索公司", owner=org.rep_a1, owner_unit=org.team_a)
    page = signed_in(org.rep_a1, viewport=PHONE)
    page.goto("/customers/leads/")
    expect(page.locator("#lead-results")).to_contain_text("折叠筛选线索公司")
    expect(page.get_by_test_id("lead-more-filters")).to_be_hidden()
    no_overflow(page, "lead-list")
    page.get_by_test_id("lead-more-filters-toggle").click()
    expect(page.get_by_test_id("lead-more-filters")).to_be_visible()
    page.goto("/customers/leads/?status=new")
    expect(page.get_by_test_id("lead-more-filters")).to_be_visible()  # a filter in force is never folded away
