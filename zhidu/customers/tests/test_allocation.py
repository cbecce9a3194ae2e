"""销售机会分配: the turn by capacity (deterministic, shares within one lead of capacity),
region / industry / product-line matching, skipping people on leave, inactive or at a cap
with the reasons recorded, the policy version and the explanation, manual assignment by
managers within their units, and the first-response deadline with the reassignment job."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from freezegun import freeze_time

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import LimitExceeded, NotFound, PermissionDenied
from zhidu.customers.choices import AllocationMethod, LeadStatus
from zhidu.customers.models import Allocation, Lead
from zhidu.customers.policies.allocation import AllocationPolicy, Turn, response_deadline, turn_pick
from zhidu.customers.services import allocation as svc
from zhidu.customers.services import leads as lead_svc
from zhidu.org.choices import Role
from zhidu.org.tests.factories import make_person

from .lead_support import Sent, alloc_policy, at, publish_since, unassigned
from .pool_support import held, load_urls

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 5, 11)


@pytest.fixture(autouse=True)
def _urls():
    load_urls()


@pytest.fixture
def sent(monkeypatch):
    s = Sent()
    monkeypatch.setattr(svc, "_notify_later", s)
    return s


def skips(allocation_or_inputs) -> dict[str, str]:
    inputs = getattr(allocation_or_inputs, "inputs", allocation_or_inputs)
    return {c["name"]: c["skip"] for c in inputs["candidates"]}


# --- the turn -------------------------------------------------------------------------------------


def test_turn_pick_is_the_largest_shortfall_then_the_longest_wait_then_the_id():
    early, late = at(MONDAY, 9), at(MONDAY, 10)
    # Equal loads and capacities: who waited longest, then the lower id.
    assert turn_pick([Turn(2, 10, 1, late), Turn(1, 10, 1, early)]).user_id == 1
    assert turn_pick([Turn(2, 10, 1, None), Turn(1, 10, 1, early)]).user_id == 2  # never had one
    assert turn_pick([Turn(2, 10, 1, early), Turn(1, 10, 1, early)]).user_id == 1
    # Capacity 10 vs 5 with 2 and 1 leads: both exactly at their share; the next goes to
    # the larger capacity (its share grows by 2/3 of a lead, the other's by 1/3).
    assert turn_pick([Turn(1, 5, 1, early), Turn(2, 10, 2, early)]).user_id == 2
    assert turn_pick([]) is None


def test_allocation_is_deterministic_and_records_everything(org, sent):
    policy = alloc_policy()
    lead = unassigned(org.team_a, province="31")
    first = svc.allocation_decide(lead=lead, target=org.team_a, policy=policy, now=at(MONDAY, 10))
    again = svc.allocation_decide(lead=lead, target=org.team_a, policy=policy, now=at(MONDAY, 10))
    assert first.chosen.user == again.chosen.user == org.rep_a1  # equal: the lower id
    a = svc.lead_allocate(actor=None, lead=lead, policy=policy, now=at(MONDAY, 10))
    lead.refresh_from_db()
    assert (lead.owner, lead.owner_unit, lead.allocation) == (org.rep_a1, org.team_a, a)
    assert (a.method, a.assigned_by, a.policy_ref, a.policy_version_id) == (
        AllocationMethod.AUTO,
        None,
        "allocation · test",
        None,
    )
    assert a.inputs["target_unit_id"] == org.team_a.pk and a.inputs["chosen"] == org.rep_a1.pk
    rows = {c["name"]: c for c in a.inputs["candidates"]}
    assert set(rows) == {"吴一", "郑二"}
    assert rows["吴一"]["capacity"] == 10 and rows["吴一"]["load"] == 0 and rows["吴一"]["eligible"]
    assert "吴一" in a.explanation and "allocation · test" in a.explanation
    assert AuditEvent.objects.get(action="lead.allocate").changes["owner"] == [None, org.rep_a1.pk]
    assert sent.to(org.rep_a1)[0]["event"] == svc.EVENT_ASSIGNED
    # The next one goes to the other person; the one after to whoever waited longer.
    b = svc.lead_allocate(actor=None, lead=unassigned(org.team_a), policy=policy, now=at(MONDAY, 11))
    c = svc.lead_allocate(actor=None, lead=unassigned(org.team_a), policy=policy, now=at(MONDAY, 12))
    assert (b.assignee, c.assignee) == (org.rep_a2, org.rep_a1)


def test_shares_follow_capacity_within_one_lead_over_many(org):
    org.rep_a1.capacity, org.rep_a2.capacity = 10, 5
    org.rep_a1.save(update_fields=["capacity"])
    org.rep_a2.save(update_fields=["capacity"])
    make_person("rep_a3", "王三", org.team_a, Role.REP, capacity=3)
    policy = alloc_policy(max_open_leads=0)
    weights = {"吴一": 10, "郑二": 5, "王三": 3}
    got = dict.fromkeys(weights, 0)
    for i in range(72):
        a = svc.lead_allocate(
            actor=None, lead=unassigned(org.team_a), policy=policy, now=at(MONDAY, 9) + dt.timedelta(minutes=i)
        )
        got[str(a.assignee)] += 1
        n = i + 1
        for name, w in weights.items():
            assert abs(got[name] - Fraction(n * w, 18)) <= 1, (n, got)
    assert got == {"吴一": 40, "郑二": 20, "王三": 12}  # exactly proportional at a multiple of 18


def test_load_counts_the_month_by_default_and_open_leads_by_policy(org):
    # rep_a1 got 3 leads last month: this month they start level.
    for i in range(3):
        svc.lead_allocate(
            actor=None, lead=unassigned(org.team_a), policy=alloc_policy(), now=at(dt.date(2026, 4, 20), 9 + i)
        )
    Allocation.objects.update(assignee=org.rep_a1)
    Lead.objects.update(owner=org.rep_a1)
    month = svc.allocation_decide(
        lead=unassigned(org.team_a), target=org.team_a, policy=alloc_policy(), now=at(MONDAY, 9)
    )
    assert {c.user.username: c.load for c in month.candidates} == {"rep_a1": 0, "rep_a2": 0}
    opened = svc.allocation_decide(
        lead=unassigned(org.team_a), target=org.team_a, policy=alloc_policy(balance_over="open"), now=at(MONDAY, 9)
    )
    assert {c.user.username: c.load for c in opened.candidates} == {"rep_a1": 3, "rep_a2": 0}
    assert opened.chosen.user == org.rep_a2


# --- matching ---------------------------------------------------------------------------------------


def test_region_matching_sends_a_company_lead_to_the_region_that_covers_it(org):
    org.east.region_codes = ["31", "32", "33"]
    org.east.save(update_fields=["region_codes"])
    org.west.region_codes = ["50", "51"]
    org.west.save(update_fields=["region_codes"])
    policy = alloc_policy()
    a = svc.lead_allocate(actor=None, lead=unassigned(org.company, province="51"), policy=policy, now=at(MONDAY, 9))
    assert a.assignee == org.rep_c1 and a.assignee_unit == org.team_c
    assert skips(a) == {"吴一": "region", "郑二": "region", "褚三": "region", "蒋四": ""}
    b = svc.lead_allocate(actor=None, lead=unassigned(org.company, province="32"), policy=policy, now=at(MONDAY, 10))
    assert b.assignee in (org.rep_a1, org.rep_a2, org.rep_b1)
    assert skips(b)["蒋四"] == "region"
    assert "四川" in "".join(svc.explain(a.method, a.inputs)) or "Sichuan" in "".join(svc.explain(a.method, a.inputs))


def test_a_specialist_comes_before_a_generalist_and_the_policy_can_turn_matching_off(org):
    org.east.region_codes = ["31"]
    org.east.save(update_fields=["region_codes"])
    roaming = make_person("rep_hq", "总部销售", org.company, Role.REP)  # no unit covering anything
    lead = unassigned(org.company, province="31")
    d = svc.allocation_decide(lead=lead, target=org.company, policy=alloc_policy(), now=at(MONDAY, 9))
    reasons = {c.user.username: c.skip for c in d.candidates}
    # West covers nothing in particular: its rep is a generalist too.
    assert reasons["rep_hq"] == reasons["rep_c1"] == "weaker_match"
    assert d.chosen.user in (org.rep_a1, org.rep_a2)
    off = svc.allocation_decide(
        lead=lead, target=org.company, policy=alloc_policy(match_region=False), now=at(MONDAY, 9)
    )
    assert {c.user.username for c in off.eligible} == {"rep_a1", "rep_a2", "rep_b1", "rep_c1", "rep_hq"}
    assert roaming.pk in {c.user.pk for c in off.eligible}


def test_industry_and_product_line_matching(org):
    policy = alloc_policy(
        match_industry=True,
        match_product_line=True,
        industries_by_person={"rep_a1": ["C"]},
        product_lines_by_unit={"team-b": ["机器人"]},
    )
    made = unassigned(org.east, industry="C")
    d = svc.allocation_decide(lead=made, target=org.east, policy=policy, now=at(MONDAY, 9))
    assert d.chosen.user == org.rep_a1
    assert {c.user.username: c.skip for c in d.candidates} == {
        "rep_a1": "",
        "rep_a2": "weaker_match",
        "rep_b1": "weaker_match",
    }
    other = svc.allocation_decide(
        lead=unassigned(org.east, industry="F"), target=org.east, policy=policy, now=at(MONDAY, 9)
    )
    assert {c.user.username: c.skip for c in other.candidates}["rep_a1"] == "industry"
    robots = svc.allocation_decide(
        lead=unassigned(org.east, product_line="机器人"), target=org.east, policy=policy, now=at(MONDAY, 9)
    )
    assert robots.chosen.user == org.rep_b1
    pumps = svc.allocation_decide(
        lead=unassigned(org.east, product_line="水泵"), target=org.east, policy=policy, now=at(MONDAY, 9)
    )
    assert {c.user.username: c.skip for c in pumps.candidates}["rep_b1"] == "product_line"


# --- skipping ---------------------------------------------------------------------------------------


def test_people_on_leave_inactive_or_at_a_cap_are_skipped_with_the_reason(org, sent):
    extra = make_person("rep_a3", "王三", org.team_a, Role.REP)
    capped = make_person("rep_a4", "赵四", org.team_a, Role.REP)
    org.rep_a1.on_leave_until = MONDAY + dt.timedelta(days=3)
    org.rep_a1.save(update_fields=["on_leave_until"])
    org.rep_a2.is_active = False
    org.rep_a2.save(update_fields=["is_active"])
    publish_since(org.admin, "holding", {"max_customers": 1})
    held(extra)  # rep_a3 holds one customer: at the holding cap
    Lead.objects.create(company="已有线索", owner=capped, owner_unit=org.team_a)  # rep_a4: at the lead cap of 1
    lead = unassigned(org.team_a)
    result = svc.lead_allocate(actor=None, lead=lead, policy=alloc_policy(max_open_leads=1), now=at(MONDAY, 9))
    assert result is None
    lead.refresh_from_db()
    assert lead.owner_id is None and lead.owner_unit == org.team_a and lead.allocation is None
    assert not Allocation.objects.exists()
    ev = AuditEvent.objects.get(action="lead.unallocated")
    reasons = {c["name"]: (c["skip"], c["skip_detail"]) for c in ev.changes["inputs"][1]["candidates"]}
    assert reasons == {
        "吴一": ("on_leave", {"until": "2026-05-14"}),
        "郑二": ("inactive", {}),
        "王三": ("holding_cap", {"held": 1, "cap": 1}),
        "赵四": ("lead_cap", {"open": 1, "cap": 1}),
    }
    assert "on leave until 2026-05-14" in ev.reason or "休假至 2026-05-14" in ev.reason
    assert sent.to(org.tm_a)[0]["event"] == svc.EVENT_UNALLOCATED
    # Back from leave the day after it ends: eligible again.
    a = svc.lead_allocate(
        actor=None, lead=lead, policy=alloc_policy(max_open_leads=1), now=at(MONDAY, 9) + dt.timedelta(days=4)
    )
    assert a.assignee == org.rep_a1


def test_the_policy_version_is_recorded_and_the_explanation_reads_in_the_readers_language(org, settings):
    from django.utils import translation

    version = publish_since(org.admin, "allocation", {"first_response_hours": 4}, unit=org.team_a)
    lead = unassigned(org.team_a)
    a = svc.lead_allocate(actor=None, lead=lead, now=at(MONDAY, 9))
    assert a.policy_version_id == version.pk and a.policy_ref.startswith("allocation v1")
    lead.refresh_from_db()
    assert lead.first_response_due == at(MONDAY, 13)
    with translation.override("en"):
        text = " ".join(svc.explain(a.method, a.inputs, policy_ref=a.policy_ref))
    assert "Allocated automatically under the policy allocation v1" in text
    assert "furthest below their share" in text
    with translation.override("zh-hans"):
        zh = " ".join(svc.explain(a.method, a.inputs, policy_ref=a.policy_ref))
    assert "自动分配" in zh


# --- manual assignment ------------------------------------------------------------------------------


def test_a_rep_cannot_assign_and_nothing_changes(org):
    lead = unassigned(org.team_a)
    with pytest.raises(PermissionDenied):
        svc.lead_assign(actor=org.rep_a1, lead=lead, to=org.rep_a1)
    lead.refresh_from_db()
    assert lead.owner_id is None and not Allocation.objects.exists()
    assert not AuditEvent.objects.filter(action="lead.assign").exists()


def test_a_manager_assigns_only_within_their_units(org, sent):
    lead = unassigned(org.team_a)
    a = svc.lead_assign(actor=org.tm_a, lead=lead, to=org.rep_a2, reason="熟悉该客户", now=at(MONDAY, 9))
    assert (a.method, a.assigned_by, a.assignee) == (AllocationMethod.MANUAL, org.tm_a, org.rep_a2)
    assert a.inputs["reason"] == "熟悉该客户" and "周组长" in a.explanation
    assert sent.to(org.rep_a2)
    # A person outside the manager's units: refused, nothing changed.
    with pytest.raises(PermissionDenied):
        svc.lead_assign(actor=org.tm_a, lead=lead, to=org.rep_b1)
    # A lead outside the manager's units: they cannot even see it.
    with pytest.raises(NotFound):
        svc.lead_assign(actor=org.tm_a, lead=unassigned(org.team_b), to=org.rep_a1)
    lead.refresh_from_db()
    assert lead.owner == org.rep_a2 and Allocation.objects.count() == 1
    # The regional manager moves it across their teams; the former holder is told.
    svc.lead_assign(actor=org.rm_east, lead=lead, to=org.rep_b1, now=at(MONDAY, 10))
    lead.refresh_from_db()
    assert lead.owner == org.rep_b1 and lead.owner_unit == org.team_b
    assert [c["event"] for c in sent.to(org.rep_a2)] == [svc.EVENT_ASSIGNED, svc.EVENT_REASSIGNED]


def test_manual_assignment_respects_the_caps(org):
    Lead.objects.create(company="已有", owner=org.rep_a2, owner_unit=org.team_a)
    lead = unassigned(org.team_a)
    with pytest.raises(LimitExceeded) as exc:
        svc.lead_assign(actor=org.tm_a, lead=lead, to=org.rep_a2, policy=alloc_policy(max_open_leads=1))
    assert exc.value.code == "lead_cap"
    publish_since(org.admin, "holding", {"max_customers": 1})
    held(org.rep_a1)
    with pytest.raises(LimitExceeded) as exc:
        svc.lead_assign(actor=org.tm_a, lead=lead, to=org.rep_a1)
    assert exc.value.code == "holding_cap"
    lead.refresh_from_db()
    assert lead.owner_id is None and not Allocation.objects.exists()


def test_bulk_assignment_reports_each_row(org):
    mine = [unassigned(org.team_a) for _ in range(3)]
    other = unassigned(org.team_b)
    results = svc.lead_assign_bulk(actor=org.tm_a, lead_ids=[x.pk for x in mine] + [other.pk], to=None)
    by_id = {r.lead_id: r for r in results}
    assert all(by_id[x.pk].ok for x in mine)
    assert not by_id[other.pk].ok
    assert Lead.objects.filter(owner__isnull=False).count() == 3


def test_lead_create_allocates_by_policy(org, sent):
    lead = lead_svc.lead_create(
        actor=org.tm_a,
        data={"company": "上海某某机械有限公司", "phone": "138 0000 1234", "source": "trade_show"},
        now=at(MONDAY, 9),
    )
    assert lead.owner in (org.rep_a1, org.rep_a2) and lead.allocation.method == AllocationMethod.AUTO
    kept = lead_svc.lead_create(actor=org.rep_a1, data={"company": "自己找到的", "phone": "13800005678"})
    assert kept.owner == org.rep_a1 and kept.allocation is None and kept.first_touched_at is not None


# --- the first-response deadline ------------------------------------------------------------------------


def test_the_deadline_counts_working_hours_only():
    p = AllocationPolicy(first_response_hours=4)
    assert response_deadline(at(MONDAY, 10), p) == at(MONDAY, 14)
    assert response_deadline(at(MONDAY, 7), p) == at(MONDAY, 13)  # before opening: from 09:00
    assert response_deadline(at(dt.date(2026, 5, 15), 16), p) == at(dt.date(2026, 5, 18), 11)  # Friday → Monday
    # National Day 2026: 1 hour on 30 September, then nothing until 8 October.
    assert response_deadline(at(dt.date(2026, 9, 30), 17), p) == at(dt.date(2026, 10, 8), 12)
    assert response_deadline(at(MONDAY, 10), AllocationPolicy(first_response_hours=0)) is None


def test_an_untouched_lead_is_reassigned_after_the_deadline_once(org, sent):
    publish_since(org.admin, "allocation", {"first_response_hours": 4})
    lead = unassigned(org.team_a)
    with freeze_time(at(MONDAY, 10)):
        first = svc.lead_allocate(actor=None, lead=lead)
    assert first.assignee == org.rep_a1
    with freeze_time(at(MONDAY, 13, 59)):
        assert svc.lead_reassign_overdue().reassigned == 0
    with freeze_time(at(MONDAY, 14, 5)):
        report = svc.lead_reassign_overdue()
        assert (report.examined, report.reassigned) == (1, 1)
        assert svc.lead_reassign_overdue().examined == 0  # idempotent
    lead.refresh_from_db()
    assert lead.owner == org.rep_a2 and lead.allocation.method == AllocationMethod.REASSIGN
    assert lead.first_response_due == at(MONDAY + dt.timedelta(days=1), 9, 5)  # 3 h 55 min on Monday, 5 min on Tuesday
    inputs = lead.allocation.inputs
    assert skips(inputs)["吴一"] == "excluded" and inputs["previous_owner_id"] == org.rep_a1.pk
    assert {c["event"] for c in sent.to(org.rep_a1)} == {svc.EVENT_ASSIGNED, svc.EVENT_REASSIGNED}
    assert sent.to(org.rep_a2)[-1]["event"] == svc.EVENT_ASSIGNED
    assert AuditEvent.objects.filter(action="lead.reassign").count() == 1
    # Nobody else left in the team: after the next deadline it goes back to the manager.
    with freeze_time(at(MONDAY + dt.timedelta(days=1), 9, 10)):
        report = svc.lead_reassign_overdue()
    lead.refresh_from_db()
    assert report.returned == 1 and lead.owner_id is None and lead.owner_unit == org.team_a
    assert sent.to(org.tm_a)[-1]["event"] == svc.EVENT_UNALLOCATED


def test_a_worked_lead_is_not_reassigned(org):
    publish_since(org.admin, "allocation", {"first_response_hours": 4})
    lead = unassigned(org.team_a)
    with freeze_time(at(MONDAY, 10)):
        svc.lead_allocate(actor=None, lead=lead)
    lead.refresh_from_db()
    with freeze_time(at(MONDAY, 11)):
        lead_svc.lead_status_set(actor=lead.owner, lead=lead, status=LeadStatus.WORKING)
    with freeze_time(at(MONDAY, 15)):
        assert svc.lead_reassign_overdue().examined == 0
    lead.refresh_from_db()
    assert lead.owner == org.rep_a1 and lead.first_touched_at == at(MONDAY, 11)


def test_someone_else_working_the_lead_does_not_stop_the_clock(org):
    lead = unassigned(org.team_a)
    svc.lead_allocate(actor=None, lead=lead, policy=alloc_policy(), now=at(MONDAY, 10))
    lead.refresh_from_db()
    lead_svc.lead_status_set(actor=org.tm_a, lead=lead, status=LeadStatus.WORKING, now=at(MONDAY, 11))
    lead.refresh_from_db()
    assert lead.status == LeadStatus.WORKING and lead.first_touched_at is None
    assert lead_svc.lead_touch(actor=org.rep_a1, lead=lead, now=at(MONDAY, 12))
    assert not lead_svc.lead_touch(actor=org.rep_a1, lead=lead, now=at(MONDAY, 13))


def test_the_reassignment_job_is_registered():
    from zhidu.jobs.registry import find_job

    job = find_job("customers.lead_reassign")
    assert job is not None and job.every == dt.timedelta(minutes=15)
    assert find_job("customers.fairness_snapshot") is not None
