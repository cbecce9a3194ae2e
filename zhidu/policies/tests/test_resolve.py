import datetime as dt

import pytest

from zhidu.core.errors import NotFound
from zhidu.policies import ResolvedPolicy, policy_cache, policy_resolve
from zhidu.policies.choices import VersionStatus
from zhidu.policies.models import Policy, PolicyVersion
from zhidu.policies.services import policy_draft_create, policy_draft_update

D = dt.date


def test_default_when_nothing_is_published(org, demo_kind):
    r = policy_resolve("demo_leads", unit=org.team_a)
    assert r.version is None and r.version_id is None
    assert r.ref == "demo_leads · default"
    assert r.value.max_leads_per_rep == 30
    assert r.is_default


def test_company_wide_version(org, publish, today):
    v = publish(max_leads_per_rep=40)
    r = policy_resolve("demo_leads", unit=org.team_c)
    assert r.version_id == v.pk
    assert r.value.max_leads_per_rep == 40
    assert r.ref == f"demo_leads v1 · from {today.isoformat()}"
    assert policy_resolve("demo_leads").version_id == v.pk  # no unit: company-wide


def test_nearest_ancestor_wins(org, publish, today):
    company = publish(max_leads_per_rep=40)
    east = publish(unit=org.east, max_leads_per_rep=50)
    team_a = publish(unit=org.team_a, max_leads_per_rep=60)
    assert policy_resolve("demo_leads", unit=org.team_a).version_id == team_a.pk
    assert policy_resolve("demo_leads", unit=org.team_b).version_id == east.pk
    assert policy_resolve("demo_leads", unit=org.east).version_id == east.pk
    assert policy_resolve("demo_leads", unit=org.team_c).version_id == company.pk
    assert policy_resolve("demo_leads", unit=org.west).version_id == company.pk
    r = policy_resolve("demo_leads", unit=org.team_b.pk)  # an id works too
    assert r.version_id == east.pk
    assert r.ref == f"demo_leads v1 · 华东大区 · from {today.isoformat()}"
    assert r.unit == org.east


def test_version_in_force_on_a_date(org, publish, today):
    past = publish(on=today - dt.timedelta(days=30), backdate=True, max_leads_per_rep=10)
    now = publish(max_leads_per_rep=20)
    future = publish(on=today + dt.timedelta(days=10), max_leads_per_rep=30)
    r = lambda d: policy_resolve("demo_leads", unit=org.team_a, on=d).version_id  # noqa: E731
    assert r(today - dt.timedelta(days=31)) is None
    assert r(today - dt.timedelta(days=30)) == past.pk
    assert r(today - dt.timedelta(days=1)) == past.pk
    assert r(today) == now.pk
    assert policy_resolve("demo_leads", unit=org.team_a).version_id == now.pk  # default date: today
    assert r(today + dt.timedelta(days=9)) == now.pk
    assert r(today + dt.timedelta(days=10)) == future.pk


def test_unit_version_not_yet_in_force_falls_back_to_the_parent(org, publish, today):
    company = publish(max_leads_per_rep=40)
    east = publish(unit=org.east, on=today + dt.timedelta(days=5), max_leads_per_rep=50)
    assert policy_resolve("demo_leads", unit=org.team_a).version_id == company.pk
    assert policy_resolve("demo_leads", unit=org.team_a, on=today + dt.timedelta(days=5)).version_id == east.pk


def test_drafts_and_retired_versions_are_never_resolved(org, publish, demo_kind):
    v1 = publish(max_leads_per_rep=40)
    draft = policy_draft_create(actor=org.admin, kind="demo_leads", unit=org.east)
    policy_draft_update(actor=org.admin, version=draft, document={"max_leads_per_rep": 99})
    assert policy_resolve("demo_leads", unit=org.team_a).version_id == v1.pk
    v2_same_day = publish(max_leads_per_rep=41)  # same date: v1 can never be in force again
    assert PolicyVersion.objects.get(pk=v1.pk).status == VersionStatus.RETIRED
    assert policy_resolve("demo_leads", unit=org.team_a).version_id == v2_same_day.pk


def test_unknown_kind(org):
    with pytest.raises(NotFound) as exc:
        policy_resolve("no_such_kind")
    assert exc.value.code == "unknown_kind"


def test_resolve_is_one_query(org, publish, django_assert_num_queries):
    publish(unit=org.east, max_leads_per_rep=50)
    with django_assert_num_queries(1):
        policy_resolve("demo_leads", unit=org.team_a)


def test_cache_serves_repeats_and_never_a_stale_version_after_publish(org, publish, django_assert_num_queries):
    with policy_cache():
        assert policy_resolve("demo_leads", unit=org.team_a).is_default
        with django_assert_num_queries(0):
            assert policy_resolve("demo_leads", unit=org.team_a).is_default
        v = publish(max_leads_per_rep=44)
        r = policy_resolve("demo_leads", unit=org.team_a)
        assert r.version_id == v.pk and r.value.max_leads_per_rep == 44


def test_cache_is_dropped_by_a_publish_made_outside_the_scope(org, publish):
    import contextvars

    with policy_cache():
        assert policy_resolve("demo_leads").is_default
        # Publish from a context that does not see this scope (another request or job of
        # the same process): only the process-wide generation tells the scope.
        v = contextvars.Context().run(publish, max_leads_per_rep=45)
        assert policy_resolve("demo_leads").version_id == v.pk


def test_old_schema_versions_still_parse(org, demo_kind, today):
    policy = Policy.objects.create(kind="demo_leads")
    v = PolicyVersion.objects.create(
        policy=policy,
        number=1,
        status=VersionStatus.PUBLISHED,
        effective_from=today,
        document={"max_leads": 12},
        schema_version=1,
    )
    r = policy_resolve("demo_leads")
    assert r.version_id == v.pk and r.value.max_leads_per_rep == 12


def test_from_draft_for_what_if(org, publish):
    publish(max_leads_per_rep=40)
    draft = policy_draft_create(actor=org.admin, kind="demo_leads", unit=org.east)
    draft = policy_draft_update(actor=org.admin, version=draft, document={**draft.document, "protect_days": 7})
    r = ResolvedPolicy.from_draft(draft)
    assert r.is_draft and r.value.protect_days == 7 and r.value.max_leads_per_rep == 40
    assert r.ref == "demo_leads v1 · 华东大区 · draft"
    assert r.version_id == draft.pk
    # The draft is not in force.
    assert policy_resolve("demo_leads", unit=org.team_a).value.protect_days == 90
