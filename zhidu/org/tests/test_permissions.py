import datetime as dt

import pytest

from zhidu.org.choices import Action, DataScope, Role
from zhidu.org.models import ActionPermission, RoleScope
from zhidu.org.permissions import clear_cache, has_perm, register_object_type, visibility
from zhidu.org.services import post_assign, post_end

OT = "tests.thing"


@pytest.fixture(autouse=True)
def thing_type():
    register_object_type(
        OT,
        "Thing",
        defaults={
            Role.REP: {Action.VIEW, Action.EDIT},
            Role.TEAM_MANAGER: {Action.VIEW, Action.EDIT, Action.TRANSFER},
            Role.REGIONAL_MANAGER: {Action.VIEW},
            Role.DIRECTOR: {Action.VIEW, Action.EXPORT},
            Role.ASSISTANT: {Action.VIEW},
        },
    )


def test_rep_sees_only_own(org):
    vis = visibility(org.rep_a1, OT)
    assert vis.allowed and not vis.everything
    assert vis.user_ids == {org.rep_a1.pk}
    assert not vis.unit_ids and not vis.unit_paths


def test_team_manager_sees_subtree_and_director_everything(org):
    assert visibility(org.tm_a, OT).unit_paths == {org.team_a.path}
    assert visibility(org.rm_east, OT).unit_paths == {org.east.path}
    assert visibility(org.director, OT).everything


def test_assistant_sees_team(org):
    assert visibility(org.asst_a, OT).unit_ids == {org.team_a.pk}


def test_finance_has_no_permission_on_unlisted_type(org):
    vis = visibility(org.finance, OT)
    assert not vis.allowed
    assert not has_perm(org.finance, OT, Action.VIEW)


def test_admin_row_overrides_default(org):
    assert has_perm(org.director, OT, Action.EXPORT)
    ActionPermission.objects.create(role=Role.DIRECTOR, object_type=OT, action=Action.EXPORT, allowed=False)
    clear_cache(org.director)
    assert not has_perm(org.director, OT, Action.EXPORT)
    assert not has_perm(org.rep_a1, OT, Action.EXPORT)


def test_role_scope_row_overrides_default(org):
    RoleScope.objects.create(role=Role.REP, data_scope=DataScope.TEAM)
    clear_cache(org.rep_a1)
    assert visibility(org.rep_a1, OT).unit_ids == {org.team_a.pk}


def test_own_and_subordinates_follows_headed_units(org):
    post = org.tm_b.posts.get()
    post.data_scope = DataScope.OWN_AND_SUBORDINATES
    post.save()
    clear_cache(org.tm_b)
    assert visibility(org.tm_b, OT).user_ids == {org.tm_b.pk, org.rep_b1.pk}


def test_additional_post_unites_scopes(org):
    post_assign(
        actor=None,
        user=org.rep_a1,
        unit=org.team_c,
        role=Role.TEAM_MANAGER,
        is_main=False,
        valid_from=dt.date(2021, 1, 1),
    )
    clear_cache(org.rep_a1)
    vis = visibility(org.rep_a1, OT)
    assert vis.user_ids == {org.rep_a1.pk}
    assert vis.unit_paths == {org.team_c.path}
    assert has_perm(org.rep_a1, OT, Action.TRANSFER)


def test_ended_post_no_longer_counts(org):
    post = org.rep_c1.posts.get()
    post_end(actor=org.admin, post=post, valid_to=dt.date(2021, 1, 1))
    clear_cache(org.rep_c1)
    assert not has_perm(org.rep_c1, OT, Action.VIEW)


def test_new_main_post_ends_the_old_one_and_keeps_history(org):
    post_assign(actor=org.admin, user=org.rep_a2, unit=org.team_b, role=Role.REP, valid_from=dt.date(2024, 3, 1))
    posts = list(org.rep_a2.posts.order_by("valid_from"))
    assert [p.unit.code for p in posts] == ["team-a", "team-b"]
    assert posts[0].valid_to == dt.date(2024, 2, 29)


def test_inactive_user_sees_nothing(org):
    org.tm_a.is_active = False
    assert not visibility(org.tm_a, OT).allowed
