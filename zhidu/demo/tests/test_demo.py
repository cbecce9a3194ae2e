"""The demo company: its shape, determinism per seed, the extension steps, and refusals
that change nothing."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation

from zhidu.audit.models import AuditEvent
from zhidu.core import refdata
from zhidu.demo import extensions
from zhidu.demo.services import DEFAULT_PASSWORD, LOGIN_ROLES, SIZES, demo_load
from zhidu.org.choices import Role, UnitKind
from zhidu.org.models import OrgUnit, Post, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def only_our_steps(monkeypatch):
    """Other apps' demo steps are tested by those apps (and by the one test below that
    runs them all); here the org alone is under test."""
    monkeypatch.setattr(extensions, "_steps", {})


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


class _Rollback(Exception):
    pass


def fingerprint() -> dict:
    """Everything a person would recognise of the company, without database ids."""
    units = {
        u.code: (u.name, u.kind, u.parent.code if u.parent else None, u.head.username if u.head else None,
                 tuple(u.region_codes))
        for u in OrgUnit.objects.select_related("parent", "head")
    }  # fmt: skip
    people = {u.username: (u.full_name, u.phone, u.email, u.is_superuser) for u in User.objects.all()}
    posts = sorted(
        (p.user.username, p.unit.code, p.role, p.is_main, p.valid_from.isoformat())
        for p in Post.objects.select_related("user", "unit")
    )
    return {"units": units, "people": people, "posts": posts}


def load_and_forget(**kw) -> dict:
    """Load into the (empty) test database, take the fingerprint, roll it all back."""
    fp = {}
    try:
        with transaction.atomic():
            demo_load(**kw)
            fp.update(fingerprint())
            raise _Rollback
    except _Rollback:
        pass
    assert not User.objects.exists()
    return fp


def test_small_company_has_the_regulations_shape():
    result = demo_load(size="small", seed=7)
    org = result.org
    assert result.loaded

    company = OrgUnit.objects.get(parent=None)
    assert company.kind == UnitKind.COMPANY
    assert company.head.posts.get().role == Role.GENERAL_MANAGER
    sales = OrgUnit.objects.get(code="sales")
    assert sales.parent == company and sales.head.posts.get().role == Role.DIRECTOR

    # Two regions with the provinces of 华东 and 华南 from the reference data.
    regions = list(OrgUnit.objects.filter(kind=UnitKind.REGION).order_by("code"))
    assert [r.name for r in regions] == ["华东大区", "华南大区"]
    assert regions[0].region_codes == [p.code for p in refdata.provinces_in("华东")]
    assert regions[1].region_codes == ["44", "45", "46"]
    for region in regions:
        assert region.parent == sales
        assert Post.objects.get(user=region.head, is_main=True).role == Role.REGIONAL_MANAGER
        assert Post.objects.filter(unit=region, role=Role.ORDER_COORDINATOR).count() == 1

    # 4–6 teams, each headed by its team manager, with 3–5 reps; team provinces lie in their region.
    teams = list(OrgUnit.objects.filter(kind=UnitKind.TEAM).select_related("parent", "head"))
    assert 4 <= len(teams) <= 6
    for team in teams:
        assert team.parent.kind == UnitKind.REGION
        assert set(team.region_codes) <= set(team.parent.region_codes)
        assert Post.objects.get(user=team.head).role == Role.TEAM_MANAGER
        assert Post.objects.get(user=team.head).unit == team
        assert 3 <= Post.objects.filter(unit=team, role=Role.REP).count() <= 5
        assert team.path.startswith(team.parent.path)
    assert sum(len(reps) for reps in org.team_reps.values()) == len(org.reps)

    # Every role of the log-in table is held; functional departments exist.
    roles = Counter(Post.objects.filter(is_main=True).values_list("role", flat=True))
    for role in LOGIN_ROLES:
        assert roles[role] >= 1, role
    assert roles[Role.DIRECTOR] == 1 and roles[Role.GENERAL_MANAGER] == 1
    assert set(OrgUnit.objects.filter(kind=UnitKind.DEPARTMENT).values_list("code", flat=True)) == {
        "sales", "marketing", "service", "finance", "hr",
    }  # fmt: skip
    # 兼岗: an order coordinator also assists a team.
    extras = list(Post.objects.filter(is_main=False).select_related("unit"))
    assert len(extras) == len(regions)
    for extra in extras:
        assert extra.role == Role.ASSISTANT and extra.unit.kind == UnitKind.TEAM
        main = Post.objects.get(user=extra.user, is_main=True)
        assert main.role == Role.ORDER_COORDINATOR and extra.unit.parent == main.unit

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and not admin.posts.exists()


def test_people_have_chinese_names_ascii_logins_phones_and_the_shared_password():
    demo_load(seed=3)
    users = list(User.objects.exclude(username="admin"))
    assert len(users) >= 25
    for u in users:
        assert 2 <= len(u.full_name) <= 3 and all("\u4e00" <= c <= "\u9fff" for c in u.full_name)
        assert u.username.isascii() and u.username.isalnum() and u.username.islower()
        assert len(u.phone) == 11 and u.phone.startswith("1") and u.phone.isdigit()
        assert u.email == f"{u.username}@example.com"
        assert u.is_active and not u.is_staff
    assert len({u.full_name for u in users}) == len(users)
    assert len({u.phone for u in users}) == len(users)
    for u in User.objects.all():
        assert u.check_password(DEFAULT_PASSWORD)


def test_everything_is_audited_and_the_load_is_recorded():
    result = demo_load(seed=1)
    n_users = User.objects.count()
    assert AuditEvent.objects.filter(action="user.create").count() == n_users
    assert AuditEvent.objects.filter(action="org_unit.create").count() == OrgUnit.objects.count()
    assert AuditEvent.objects.filter(action="post.assign").count() == Post.objects.count()
    event = AuditEvent.objects.get(action="demo.load")
    assert event.changes["seed"] == [None, 1]
    assert event.changes["size"] == [None, "small"]
    assert event.changes["people"] == [None, n_users] == [None, result.people]


def test_same_seed_same_company_and_other_seeds_differ():
    first = load_and_forget(seed=42)
    again = load_and_forget(seed=42)
    other = load_and_forget(seed=43)
    assert first == again
    assert first["people"].keys() != other["people"].keys()
    assert first != other


def test_command_prints_one_login_per_role_and_the_password(english):
    out = io.StringIO()
    call_command("demo", "--size", "small", "--seed", "5", stdout=out)
    text = out.getvalue()
    assert "Loaded the demo company 示范科技有限公司 (size small, seed 5)" in text
    assert f"Password for every demo log-in: {DEFAULT_PASSWORD}" in text
    for role in LOGIN_ROLES:
        user = User.objects.filter(posts__role=role, posts__is_main=True).order_by("pk").first()
        line = next(ln for ln in text.splitlines() if ln.startswith(str(Role(role).label) + " "))
        assert f" {user.username} " in line, line
    assert any(ln.startswith("Administrator ") and " admin " in ln for ln in text.splitlines())


def test_if_empty_leaves_existing_data_and_repeats_the_logins(english):
    call_command("demo", "--seed", "5", stdout=io.StringIO())
    before = (User.objects.count(), OrgUnit.objects.count(), AuditEvent.objects.count())
    out = io.StringIO()
    call_command("demo", "--seed", "9", "--if-empty", stdout=out)
    assert (User.objects.count(), OrgUnit.objects.count(), AuditEvent.objects.count()) == before
    text = out.getvalue()
    assert "The database already has users: the demo company was not loaded again." in text
    gm = User.objects.get(posts__role=Role.GENERAL_MANAGER)
    assert gm.username in text and DEFAULT_PASSWORD in text


def test_if_empty_on_a_database_without_a_demo_prints_no_logins(english, org):
    before = User.objects.count()
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert User.objects.count() == before
    assert "not loaded again" in out.getvalue() and "log-ins" not in out.getvalue()


def test_refuses_a_database_that_already_has_people(english, org):
    before = (User.objects.count(), AuditEvent.objects.count())
    with pytest.raises(CommandError, match="already has users"):
        call_command("demo", stdout=io.StringIO())
    assert (User.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "huge"], "Unknown demo size “huge”: choose one of small, medium, large."),
        (["--seed", "-1"], "The seed must be a whole number from 0 to 4294967295, not “-1”."),
        (["--seed", "abc"], "The seed must be a whole number from 0 to 4294967295, not “abc”."),
        (["--seed", "99999999999"], "The seed must be a whole number"),
        (["--password", "12345678"], "The demo password is not allowed"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_written(english, args, message):
    with pytest.raises(CommandError) as exc:
        call_command("demo", *args, stdout=io.StringIO())
    assert message in str(exc.value)
    assert not User.objects.exists() and not OrgUnit.objects.exists() and not AuditEvent.objects.exists()


def test_bad_input_message_is_translated(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    with pytest.raises(CommandError) as exc:
        call_command("demo", "--size", "huge", stdout=io.StringIO())
    assert "演示" in str(exc.value) and "huge" in str(exc.value)
    assert not User.objects.exists()


def test_extension_steps_run_in_order_with_their_own_deterministic_rng():
    calls = []

    def customers(rng, size, org):
        calls.append(("customers", rng.random(), size.name, size.scale, len(org.reps), org.company.name))
        return "3 customers"

    def pipeline(rng, size, org):
        calls.append(("pipeline", rng.random()))

    extensions.register_demo_step(200, pipeline, name="pipeline")
    extensions.register_demo_step(100, customers, name="customers")
    extensions.register_demo_step(100, customers, name="customers")  # registering twice runs once

    with transaction.atomic():
        result = demo_load(seed=11)
        assert [c[0] for c in calls] == ["customers", "pipeline"]
        assert calls[0][2:4] == ("small", 1)
        assert calls[0][4] == len(result.org.reps) > 0 and calls[0][5] == "示范科技有限公司"
        assert result.step_reports == [("customers", "3 customers")]
        org_before = fingerprint()
        transaction.set_rollback(True)
    first = list(calls)

    # A step added before them changes neither their random numbers nor the org.
    calls.clear()
    extensions.register_demo_step(50, lambda rng, size, org: rng.random(), name="early")
    with transaction.atomic():
        demo_load(seed=11)
        assert fingerprint() == org_before
        transaction.set_rollback(True)
    assert calls == first


def test_a_failing_step_leaves_nothing_behind():
    def broken(rng, size, org):
        raise RuntimeError("step failed")

    extensions.register_demo_step(100, broken, name="broken")
    with pytest.raises(RuntimeError):
        demo_load(seed=1)
    assert not User.objects.exists() and not OrgUnit.objects.exists() and not AuditEvent.objects.exists()


def test_sizes_scale_up():
    assert SIZES["small"].scale < SIZES["medium"].scale < SIZES["large"].scale
    assert len(SIZES["large"].sales_regions) == 7
    for size in SIZES.values():
        for region in size.sales_regions:
            assert refdata.provinces_in(region)
