"""Steps resolve to people at submission."""

import pytest

from zhidu.approvals.choices import RequestStatus, StepStatus
from zhidu.approvals.models import ApprovalCC, ApprovalRequest, ApprovalStep, ApprovalTask
from zhidu.audit.models import AuditEvent
from zhidu.core.errors import ValidationError
from zhidu.org.models import OrgUnit
from zhidu.org.tests.factories import UserFactory

from .conftest import flow, policy, step, submit


def planned(req):
    return [(s.display_name, s.approver_ids) for s in ApprovalStep.objects.filter(request=req).order_by("order")]


def test_nth_manager_through_unit_heads(org, make_doc):
    pol = policy(
        flow(
            "f",
            step("manager", level=1, name="L1"),
            step("manager", level=2, name="L2"),
            step("manager", level=3, name="L3"),
            step("manager", level=5, name="L5"),
        )
    )
    req = submit(org.rep_a1, make_doc(), pol)
    # Level 5 is beyond the top of the chain: the top-most manager approves.
    assert planned(req) == [
        ("L1", [org.tm_a.pk]),
        ("L2", [org.rm_east.pk]),
        ("L3", [org.gm.pk]),
        ("L5", [org.gm.pk]),
    ]


def test_a_unit_head_is_managed_by_the_head_above(org, make_doc):
    req = submit(org.tm_a, make_doc(), policy(flow("f", step("manager", level=1, name="L1"))))
    assert planned(req) == [("L1", [org.rm_east.pk])]


def test_headless_unit_passes_to_parent_head(org, make_doc):
    OrgUnit.objects.filter(pk=org.team_a.pk).update(head=None)
    req = submit(org.rep_a1, make_doc(), policy(flow("f", step("manager", level=1, name="L1"))))
    assert planned(req) == [("L1", [org.rm_east.pk])]


def test_inactive_head_passes_up_too(org, make_doc):
    org.tm_a.is_active = False
    org.tm_a.save(update_fields=["is_active"])
    req = submit(org.rep_a1, make_doc(), policy(flow("f", step("manager", level=1, name="L1"))))
    assert planned(req) == [("L1", [org.rm_east.pk])]


def test_managers_up_to_n_make_one_step_per_level(org, make_doc):
    req = submit(org.rep_a1, make_doc(), policy(flow("f", step("managers_up_to", level=2))))
    assert planned(req) == [("Manager level 1", [org.tm_a.pk]), ("Manager level 2", [org.rm_east.pk])]
    req2 = submit(org.rep_c1, make_doc(), policy(flow("f", step("managers_up_to", level=9, name="主管"))))
    assert planned(req2) == [("主管 (1)", [org.tm_c.pk]), ("主管 (2)", [org.rm_west.pk]), ("主管 (3)", [org.gm.pk])]


def test_role_in_unit_by_code_region_and_company(org, make_doc):
    pol = policy(
        flow(
            "f",
            step("role_in_unit", role="regional_manager", unit="submitter_region", name="region"),
            step("role_in_unit", role="director", unit="submitter_company", name="company"),
            step("role_in_unit", role="finance", unit="company", name="code"),
            step("role_in_unit", role="rep", unit="submitter_unit", name="own", mode="all"),
            step("users", usernames=["rep_b1", "nobody", "rep_c1"], name="named", mode="all"),
        )
    )
    req = submit(org.tm_a, make_doc(), pol)
    assert planned(req) == [
        ("region", [org.rm_east.pk]),
        ("company", [org.director.pk]),
        ("code", [org.finance.pk]),
        ("own", sorted([org.rep_a1.pk, org.rep_a2.pk])),
        ("named", [org.rep_b1.pk, org.rep_c1.pk]),
    ]


def _assert_nothing_written(before_audit):
    assert ApprovalRequest.objects.count() == 0
    assert ApprovalStep.objects.count() == 0
    assert ApprovalTask.objects.count() == 0
    assert ApprovalCC.objects.count() == 0
    assert AuditEvent.objects.count() == before_audit


@pytest.mark.parametrize(
    "bad_step, fragment",
    [
        (step("role_in_unit", role="supervisor", unit="company"), "nobody holds the role"),
        (step("role_in_unit", role="director", unit="no-such-unit"), "no-such-unit"),
        (step("users", usernames=["ghost"]), "ghost"),
    ],
)
def test_step_with_nobody_is_refused_and_nothing_is_written(org, make_doc, bad_step, fragment):
    before = AuditEvent.objects.count()
    doc = make_doc()
    with pytest.raises(ValidationError) as exc:
        submit(
            org.rep_a1, doc, policy(flow("f", step("manager"), bad_step, cc=[{"kind": "users", "usernames": ["gm"]}]))
        )
    assert exc.value.code == "no_approver"
    assert "Step 2" in str(exc.value.message) and fragment in str(exc.value.message)
    _assert_nothing_written(before)


def test_no_head_anywhere_is_refused(org, make_doc):
    OrgUnit.objects.update(head=None)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        submit(org.rep_a1, make_doc(), policy(flow("f", step("manager"))))
    assert "no unit above the submitter has a head" in str(exc.value.message)
    _assert_nothing_written(before)


def test_person_without_a_post_has_no_manager(org, make_doc):
    loner = UserFactory(username="loner")
    with pytest.raises(ValidationError) as exc:
        submit(loner, make_doc(), policy(flow("f", step("manager"))))
    assert "no post" in str(exc.value.message)


def test_top_of_the_chain_approves_nothing_of_their_own(org, make_doc, callbacks):
    doc = make_doc()
    req = submit(org.gm, doc, policy(flow("f", step("manager"), step("managers_up_to", level=2))))
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED
    assert set(req.steps.values_list("status", flat=True)) == {StepStatus.SKIPPED}
    assert callbacks.calls == [("approved", req.pk, doc.pk)]


def test_cc_from_the_flow_leaves_out_nobody_rules_and_the_submitter(org, make_doc):
    pol = policy(
        flow(
            "f",
            step("manager"),
            cc=[
                {"kind": "role_in_unit", "role": "finance", "unit": "company"},
                {"kind": "role_in_unit", "role": "supervisor", "unit": "company"},
                {"kind": "users", "usernames": ["rep_a1", "asst_a"]},
            ],
        )
    )
    req = submit(org.rep_a1, make_doc(), pol)
    assert set(req.ccs.values_list("user_id", flat=True)) == {org.finance.pk, org.asst_a.pk}
