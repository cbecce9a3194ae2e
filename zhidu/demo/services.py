"""The demo company: the org of the regulations, filled with deterministic Chinese people.

Seed 000 §2 (a sales director over teams, each with a team manager and members), 001 §2
(sales, marketing and customer-service departments), 003 (the regional form 华东/华南 with
regional managers, key account managers, sales assistants and order coordinators) give the
shape::

    示范科技有限公司 (general manager)
    ├─ 销售部 (sales director; key account manager)
    │   ├─ 华东大区 (regional manager, order coordinator; the 华东 provinces)
    │   │   ├─ 上海组 (team manager, reps, sales assistant)  …
    │   └─ 华南大区 …
    ├─ 市场部 (marketing)  ├─ 客户服务部 (customer service)
    ├─ 财务部 (finance)    └─ 人力行政部 (HR and administration)

Everything goes through the org services, so every unit, person and post is audited, and
the whole load is one transaction: a failing step leaves nothing behind. Other apps add
their data through :mod:`zhidu.demo.extensions`.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.audit.models import AuditEvent
from zhidu.audit.services import audit_record
from zhidu.core import refdata
from zhidu.core.errors import Conflict, ValidationError
from zhidu.org.choices import Role, UnitKind
from zhidu.org.models import OrgUnit, User
from zhidu.org.services import org_unit_create, post_assign, user_create

from .extensions import demo_steps, step_rng
from .names import PersonMaker, team_names

DEFAULT_PASSWORD = "Zhidu-demo-2026"
COMPANY_NAME = "示范科技有限公司"
AUDIT_ACTION = "demo.load"


@dataclass(frozen=True)
class DemoSize:
    """How big the demo company is. ``scale`` lets extension steps size their data."""

    name: str
    sales_regions: tuple[str, ...]
    teams: tuple[int, int]  # inclusive range, over all regions
    reps_per_team: tuple[int, int]
    scale: int
    marketing: int = 2
    service_agents: int = 1
    finance: int = 2
    hr: int = 1
    key_account_managers: int = 1

    def __str__(self) -> str:
        return self.name


SIZES: dict[str, DemoSize] = {
    "small": DemoSize("small", ("华东", "华南"), teams=(4, 6), reps_per_team=(3, 5), scale=1),
    "medium": DemoSize(
        "medium",
        ("华东", "华南", "华北", "西南"),
        teams=(10, 14),
        reps_per_team=(5, 8),
        scale=5,
        marketing=4,
        service_agents=3,
        finance=3,
        hr=2,
        key_account_managers=3,
    ),
    "large": DemoSize(
        "large",
        ("华东", "华南", "华北", "华中", "西南", "西北", "东北"),
        teams=(28, 36),
        reps_per_team=(8, 12),
        scale=25,
        marketing=8,
        service_agents=8,
        finance=6,
        hr=4,
        key_account_managers=8,
    ),
}

# The order of the log-in table: one person per role.
LOGIN_ROLES: tuple[str, ...] = (
    Role.GENERAL_MANAGER,
    Role.DIRECTOR,
    Role.REGIONAL_MANAGER,
    Role.TEAM_MANAGER,
    Role.REP,
    Role.KEY_ACCOUNT_MANAGER,
    Role.ASSISTANT,
    Role.ORDER_COORDINATOR,
    Role.SERVICE_AGENT,
    Role.MARKETING,
    Role.FINANCE,
    Role.HR,
)
ADMIN_ROLE = "admin"


@dataclass
class DemoOrg:
    """What extension steps get: the units and the people of the demo company."""

    seed: int
    size: DemoSize
    password: str
    start: dt.date  # when every post starts: the business has history from here
    company: OrgUnit
    departments: dict[str, OrgUnit]  # "sales", "marketing", "service", "finance", "hr"
    regions: list[OrgUnit] = field(default_factory=list)
    teams: list[OrgUnit] = field(default_factory=list)
    people: dict[str, list[User]] = field(default_factory=dict)  # role -> people, in creation order
    team_reps: dict[int, list[User]] = field(default_factory=dict)  # team pk -> its reps
    admin: User | None = None

    @property
    def reps(self) -> list[User]:
        return self.people.get(Role.REP, [])

    def users(self) -> list[User]:
        seen: dict[int, User] = {}
        for group in self.people.values():
            for user in group:
                seen.setdefault(user.pk, user)
        return list(seen.values())

    def first(self, role: str) -> User | None:
        group = self.people.get(role) or []
        return group[0] if group else None


@dataclass(frozen=True)
class DemoLogin:
    role: str  # a Role value, or "admin"
    username: str
    full_name: str
    unit: str

    @property
    def role_label(self) -> str:
        if self.role == ADMIN_ROLE:
            return _("Administrator")
        return str(Role(self.role).label)


@dataclass
class DemoResult:
    org: DemoOrg | None
    logins: list[DemoLogin]
    password: str | None  # None when it is not known (a password chosen at load time)
    loaded: bool  # False when --if-empty found data and did nothing
    step_reports: list[tuple[str, str]] = field(default_factory=list)
    people: int = 0
    units: int = 0


def demo_size(name: str) -> DemoSize:
    try:
        return SIZES[name]
    except KeyError:
        raise ValidationError(
            _("Unknown demo size “%(size)s”: choose one of %(choices)s.") % {"size": name, "choices": ", ".join(SIZES)},
            fields={"size": [_("Choose one of %(choices)s.") % {"choices": ", ".join(SIZES)}]},
        )


def demo_seed(value: Any) -> int:
    try:
        seed = int(str(value).strip())
    except (TypeError, ValueError):
        seed = -1
    if seed < 0 or seed > 2**32 - 1:
        raise ValidationError(
            _("The seed must be a whole number from 0 to 4294967295, not “%(seed)s”.") % {"seed": value},
            fields={"seed": [_("Enter a whole number from 0 to 4294967295.")]},
        )
    return seed


def demo_password_check(password: str) -> None:
    try:
        validate_password(password)
    except DjangoValidationError as exc:
        raise ValidationError(
            _("The demo password is not allowed: %(reason)s") % {"reason": " ".join(exc.messages)},
            fields={"password": list(exc.messages)},
        )


def demo_load(
    *,
    size: str = "small",
    seed: Any = 1,
    password: str = DEFAULT_PASSWORD,
    if_empty: bool = False,
    today: dt.date | None = None,
) -> DemoResult:
    """Build the demo company (and every registered extension step) in one transaction.

    Refuses, changing nothing, when the input is bad or the database already has people
    (a demo is never mixed into real data). With ``if_empty`` an existing database is
    simply left alone and the result says so, repeating the demo log-ins if a demo was
    loaded before."""
    size_obj = demo_size(size)
    seed_int = demo_seed(seed)
    demo_password_check(password)
    if User.objects.exists():
        if if_empty:
            logins, known_password = previous_demo_logins()
            return DemoResult(org=None, logins=logins, password=known_password, loaded=False)
        raise Conflict(
            _("The database already has users, so the demo company was not loaded. Use an empty database."),
            code="not_empty",
        )
    return _demo_build(size_obj, seed_int, password, today or timezone.localdate())


@transaction.atomic
def _demo_build(size: DemoSize, seed: int, password: str, today: dt.date) -> DemoResult:
    rng = random.Random(seed)
    maker = PersonMaker(rng)
    start = dt.date(today.year - 1, 1, 1)
    people: dict[str, list[User]] = {}
    logins: dict[str, DemoLogin] = {}

    def person(unit: OrgUnit | None, role: str | None) -> User:
        p = maker.person()
        user = user_create(actor=None, username=p.username, full_name=p.full_name, email=p.email, phone=p.phone)
        if unit is not None and role is not None:
            post_assign(actor=None, user=user, unit=unit, role=role, valid_from=start)
            people.setdefault(role, []).append(user)
            logins.setdefault(role, DemoLogin(role, user.username, user.full_name, unit.name))
        return user

    def unit_with_head(name: str, code: str, kind: str, parent: OrgUnit | None, role: str, **kw) -> OrgUnit:
        # The head exists before the unit so the unit is created with its head in one audited write.
        p = maker.person()
        head = user_create(actor=None, username=p.username, full_name=p.full_name, email=p.email, phone=p.phone)
        unit = org_unit_create(actor=None, name=name, code=code, kind=kind, parent=parent, head=head, **kw)
        post_assign(actor=None, user=head, unit=unit, role=role, valid_from=start)
        people.setdefault(role, []).append(head)
        logins.setdefault(role, DemoLogin(role, head.username, head.full_name, unit.name))
        return unit

    company = unit_with_head(COMPANY_NAME, "hq", UnitKind.COMPANY, None, Role.GENERAL_MANAGER)
    sales = unit_with_head("销售部", "sales", UnitKind.DEPARTMENT, company, Role.DIRECTOR)
    org = DemoOrg(seed=seed, size=size, password=password, start=start, company=company, departments={"sales": sales})
    for _i in range(size.key_account_managers):
        person(sales, Role.KEY_ACCOUNT_MANAGER)

    # Regions and teams (seed 003: the regional form, 华东区销售部 / 华南区销售部).
    n_teams = rng.randint(*size.teams)
    per_region = [n_teams // len(size.sales_regions)] * len(size.sales_regions)
    for i in range(n_teams % len(size.sales_regions)):
        per_region[i] += 1
    for sales_region, count in zip(size.sales_regions, per_region, strict=True):
        provinces = refdata.provinces_in(sales_region)
        region_code = provinces[0].sales_region_en.lower().removesuffix(" china").replace(" ", "-")
        region = unit_with_head(
            f"{sales_region}大区",
            f"region-{region_code}",
            UnitKind.REGION,
            sales,
            Role.REGIONAL_MANAGER,
            region_codes=[p.code for p in provinces],
        )
        org.regions.append(region)
        coordinator = person(region, Role.ORDER_COORDINATOR)
        region_teams = []
        for team_name, province, code in team_names(rng, sales_region, count):
            team = unit_with_head(
                team_name, f"team-{code}", UnitKind.TEAM, region, Role.TEAM_MANAGER, region_codes=[province]
            )
            region_teams.append(team)
            org.teams.append(team)
            org.team_reps[team.pk] = [person(team, Role.REP) for _r in range(rng.randint(*size.reps_per_team))]
        # One sales assistant per region, in its first team; the order coordinator also
        # assists the second team (兼岗: 业务跟单兼销售助理, common in small companies).
        person(region_teams[0], Role.ASSISTANT)
        if len(region_teams) > 1:
            post_assign(
                actor=None, user=coordinator, unit=region_teams[1], role=Role.ASSISTANT, is_main=False, valid_from=start
            )

    # Functional departments (seed 001 §2: marketing and customer service; finance; HR).
    for code, name, role, count in (
        ("marketing", "市场部", Role.MARKETING, size.marketing),
        ("service", "客户服务部", Role.SERVICE_AGENT, size.service_agents),
        ("finance", "财务部", Role.FINANCE, size.finance),
        ("hr", "人力行政部", Role.HR, size.hr),
    ):
        dept = unit_with_head(name, code, UnitKind.DEPARTMENT, company, role)
        org.departments[code] = dept
        for _i in range(count - 1):
            person(dept, role)

    org.people = people
    admin = user_create(
        actor=None,
        username="admin",
        full_name="系统管理员",
        email="admin@example.com",
        is_staff=True,
        is_superuser=True,
    )
    org.admin = admin

    # One hash for everyone: the password is shared and printed, and PBKDF2 per person
    # would make the demo take seconds per dozen people.
    User.objects.filter(pk__in=[u.pk for u in org.users()] + [admin.pk]).update(password=make_password(password))

    table = [DemoLogin(ADMIN_ROLE, admin.username, admin.full_name, "")]
    table += [logins[r] for r in LOGIN_ROLES if r in logins]

    reports = []
    for step in demo_steps():
        outcome = step.fn(step_rng(seed, step.name), size, org)
        if outcome:
            reports.append((step.name, str(outcome)))

    n_people = len(org.users()) + 1
    n_units = OrgUnit.objects.count()
    audit_record(
        actor=None,
        action=AUDIT_ACTION,
        obj=company,
        after={
            "seed": seed,
            "size": size.name,
            "people": n_people,
            "units": n_units,
            "default_password": password == DEFAULT_PASSWORD,
            "logins": [[lg.role, lg.username] for lg in table],
            "steps": [s.name for s in demo_steps()],
        },
    )
    return DemoResult(
        org=org,
        logins=table,
        password=password,
        loaded=True,
        step_reports=reports,
        people=n_people,
        units=n_units,
    )


def previous_demo_logins() -> tuple[list[DemoLogin], str | None]:
    """The log-in table of the demo loaded earlier into this database (from its audit
    row), with today's names; empty when this database never had a demo."""
    event = AuditEvent.objects.filter(action=AUDIT_ACTION).order_by("-id").first()
    if event is None:
        return [], None
    recorded = (event.changes.get("logins") or [None, []])[1] or []
    default_password = (event.changes.get("default_password") or [None, False])[1]
    users = {u.username: u for u in User.objects.filter(username__in=[name for _r, name in recorded], is_active=True)}
    out = []
    for role, username in recorded:
        user = users.get(username)
        if user is None:
            continue
        post = None if role == ADMIN_ROLE else user.posts.active().filter(role=role).select_related("unit").first()
        out.append(DemoLogin(role, username, user.full_name, post.unit.name if post else ""))
    return out, (DEFAULT_PASSWORD if default_password else None)
