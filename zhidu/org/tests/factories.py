from __future__ import annotations

import datetime as dt

import factory

from zhidu.org.choices import Role, UnitKind
from zhidu.org.models import User
from zhidu.org.services import org_unit_create, post_assign

PASSWORD = "Zhidu-test-2026!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def build_org() -> dict:
    start = dt.date(2020, 1, 1)
    people: dict = {}

    def person(key: str, name: str, unit, role: str, head: bool = False):
        user = UserFactory(username=key, full_name=name)
        post_assign(actor=None, user=user, unit=unit, role=role, valid_from=start)
        if head:
            unit.head = user
            unit.save(update_fields=["head"])
        people[key] = user
        return user

    company = org_unit_create(actor=None, name="示范公司", code="company", kind=UnitKind.COMPANY)
    east = org_unit_create(actor=None, name="华东大区", code="east", kind=UnitKind.REGION, parent=company)
    west = org_unit_create(actor=None, name="西南大区", code="west", kind=UnitKind.REGION, parent=company)
    team_a = org_unit_create(actor=None, name="上海一组", code="team-a", parent=east)
    team_b = org_unit_create(actor=None, name="杭州组", code="team-b", parent=east)
    team_c = org_unit_create(actor=None, name="成都组", code="team-c", parent=west)
    person("gm", "王总", company, Role.GENERAL_MANAGER, head=True)
    person("director", "李总监", company, Role.DIRECTOR)
    person("finance", "钱会计", company, Role.FINANCE)
    person("rm_east", "赵经理", east, Role.REGIONAL_MANAGER, head=True)
    person("rm_west", "孙经理", west, Role.REGIONAL_MANAGER, head=True)
    person("tm_a", "周组长", team_a, Role.TEAM_MANAGER, head=True)
    person("rep_a1", "吴一", team_a, Role.REP)
    person("rep_a2", "郑二", team_a, Role.REP)
    person("asst_a", "冯助理", team_a, Role.ASSISTANT)
    person("tm_b", "陈组长", team_b, Role.TEAM_MANAGER, head=True)
    person("rep_b1", "褚三", team_b, Role.REP)
    person("tm_c", "卫组长", team_c, Role.TEAM_MANAGER, head=True)
    person("rep_c1", "蒋四", team_c, Role.REP)
    admin = UserFactory(username="admin", full_name="管理员", is_staff=True, is_superuser=True)
    people["admin"] = admin
    units = dict(company=company, east=east, west=west, team_a=team_a, team_b=team_b, team_c=team_c)
    for u in units.values():
        u.refresh_from_db()
    return {**people, **units, "password": PASSWORD}


def make_person(key: str, name: str, unit=None, role: str | None = None, **extra) -> User:
    """One more person for a test (the shared ``org`` personas stay as they are): an HR
    clerk, a staff member without posts, a newcomer."""
    user = UserFactory(username=key, full_name=name, **extra)
    if unit is not None and role:
        post_assign(actor=None, user=user, unit=unit, role=role, valid_from=dt.date(2020, 1, 1))
    return user
