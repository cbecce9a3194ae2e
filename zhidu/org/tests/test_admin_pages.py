import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import PermissionDenied
from zhidu.org import services
from zhidu.org.choices import Action, DataScope, Role
from zhidu.org.models import ActionPermission, OrgUnit, Post, RoleScope, User
from zhidu.org.permissions import permission_table
from zhidu.org.tests.factories import UserFactory


@pytest.fixture
def admin_client(org):
    c = Client()
    c.force_login(org.admin)
    return c


def _counts():
    return (
        OrgUnit.objects.count(),
        User.objects.count(),
        Post.objects.count(),
        ActionPermission.objects.count(),
        RoleScope.objects.count(),
        AuditEvent.objects.count(),
    )


# --- org units -----------------------------------------------------------------------------


def test_unit_tree_shows_every_unit_in_tree_order(admin_client, org, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        r = admin_client.get("/org/units/")
    html = r.content.decode()
    positions = [html.index(u.name) for u in (org.company, org.east, org.team_a, org.team_b, org.west, org.team_c)]
    assert positions == sorted(positions)
    assert org.tm_a.full_name in html  # the head


def test_create_unit_under_a_parent(admin_client, org):
    r = admin_client.post(
        "/org/units/new/",
        {
            "name": "南京组",
            "code": "team-nj",
            "kind": "team",
            "parent": org.east.pk,
            "head": org.rep_a2.pk,
            "region_codes": "32",
            "sort_order": "3",
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    unit = OrgUnit.objects.get(code="team-nj")
    assert unit.parent == org.east and unit.head == org.rep_a2
    assert unit.path == f"{org.east.path}{unit.pk}/" and unit.depth == 2
    assert unit.region_codes == ["32"]
    assert AuditEvent.objects.filter(action="org_unit.create", object_id=str(unit.pk)).exists()


@pytest.mark.parametrize(
    "data,field",
    [
        ({"name": "", "code": "x1", "kind": "team"}, "name"),
        ({"name": "X", "code": "has space", "kind": "team"}, "code"),
        ({"name": "X", "code": "team-a", "kind": "team"}, "code"),  # taken
        ({"name": "X", "code": "x2", "kind": "planet"}, "kind"),
        ({"name": "X", "code": "x3", "kind": "team", "region_codes": "310000"}, "region_codes"),
    ],
)
def test_create_unit_bad_input_changes_nothing(admin_client, org, data, field):
    before = _counts()
    r = admin_client.post("/org/units/new/", data)
    assert r.status_code == 200
    assert "is-invalid" in r.content.decode() or "alert-danger" in r.content.decode()
    assert _counts() == before


def test_move_a_unit_moves_its_subtree(admin_client, org):
    r = admin_client.post(
        f"/org/units/{org.east.pk}/edit/",
        {"name": org.east.name, "code": "east", "kind": "region", "parent": org.west.pk, "is_active": "on"},
    )
    assert r.status_code == 302
    org.team_a.refresh_from_db()
    org.east.refresh_from_db()
    assert org.east.path == f"{org.west.path}{org.east.pk}/" and org.east.depth == 2
    assert org.team_a.path == f"{org.east.path}{org.team_a.pk}/" and org.team_a.depth == 3
    ev = AuditEvent.objects.filter(action="org_unit.update", object_id=str(org.east.pk)).get()
    assert ev.changes["parent"] == [org.company.pk, org.west.pk]


@pytest.mark.parametrize("target", ["east", "team_a"])
def test_moving_a_unit_under_itself_is_refused(admin_client, org, target):
    before = _counts()
    paths = dict(OrgUnit.objects.values_list("pk", "path"))
    r = admin_client.post(
        f"/org/units/{org.east.pk}/edit/",
        {"name": "改名", "code": "east", "kind": "region", "parent": getattr(org, target).pk, "is_active": "on"},
    )
    assert r.status_code == 200
    assert "cannot move under itself" in r.content.decode() or "不能移到" in r.content.decode()
    assert dict(OrgUnit.objects.values_list("pk", "path")) == paths
    org.east.refresh_from_db()
    assert org.east.name == "华东大区"  # the rename in the same form was not kept either
    assert _counts() == before


def test_edit_form_does_not_offer_its_own_subtree(admin_client, org):
    html = admin_client.get(f"/org/units/{org.east.pk}/edit/").content.decode()
    assert f'value="{org.team_a.pk}"' not in html.split('name="parent"')[1].split("</select>")[0]


def test_deactivating_a_unit_with_people_is_refused(admin_client, org):
    before = _counts()
    r = admin_client.post(
        f"/org/units/{org.team_b.pk}/edit/",
        {"name": org.team_b.name, "code": "team-b", "kind": "team", "parent": org.east.pk},
    )
    assert r.status_code == 200
    org.team_b.refresh_from_db()
    assert org.team_b.is_active and _counts() == before


def test_set_the_head(admin_client, org):
    r = admin_client.post(
        f"/org/units/{org.team_a.pk}/edit/",
        {
            "name": org.team_a.name,
            "code": "team-a",
            "kind": "team",
            "parent": org.east.pk,
            "head": org.rep_a1.pk,
            "is_active": "on",
        },
    )
    assert r.status_code == 302
    org.team_a.refresh_from_db()
    assert org.team_a.head == org.rep_a1


# --- users -----------------------------------------------------------------------------------


def test_users_list_search_filter_and_query_count(admin_client, org, django_assert_max_num_queries):
    for i in range(30):
        UserFactory(username=f"extra{i:02d}", full_name=f"路人{i}")
    with django_assert_max_num_queries(14):
        r = admin_client.get("/org/users/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "?page=2" in html or "page=2" in html
    r = admin_client.get("/org/users/", {"q": "吴一"})
    assert "rep_a1" in r.content.decode() and "rep_a2" not in r.content.decode()
    r = admin_client.get("/org/users/", {"unit": org.east.pk})
    names = {u.username for u in r.context["page"].items}
    assert names == {"rm_east", "tm_a", "rep_a1", "rep_a2", "asst_a", "tm_b", "rep_b1"}
    r = admin_client.get("/org/users/", {"role": "rep", "unit": org.team_a.pk})
    assert {u.username for u in r.context["page"].items} == {"rep_a1", "rep_a2"}
    org.rep_a2.is_active = False
    org.rep_a2.save()
    r = admin_client.get("/org/users/", {"is_active": "false"})
    assert [u.username for u in r.context["page"].items] == ["rep_a2"]
    r = admin_client.get("/org/users/", {"ordering": "-username"})
    assert r.context["page"].items[0].username == "tm_c"


def test_users_list_query_count_does_not_grow_with_rows(admin_client, org, django_assert_max_num_queries):
    for i in range(60):
        u = UserFactory(username=f"many{i:02d}")
        services.post_assign(actor=None, user=u, unit=org.team_c, role=Role.REP, valid_from=dt.date(2021, 1, 1))
    with django_assert_max_num_queries(14):
        admin_client.get("/org/users/", {"unit": org.west.pk})


def test_users_list_bad_filter_is_explained(admin_client, org):
    r = admin_client.get("/org/users/", {"unit": "999999"})
    assert r.status_code == 200 and r.context["filter_error"]


def test_users_list_htmx_returns_the_results_only(admin_client, org):
    r = admin_client.get("/org/users/", {"q": "rep"}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert 'data-testid="user-table"' in html and "<html" not in html


def test_user_detail_shows_post_history(admin_client, org):
    services.post_assign(
        actor=org.admin, user=org.rep_a1, unit=org.team_b, role=Role.REP, valid_from=dt.date(2024, 3, 1)
    )
    r = admin_client.get(f"/org/users/{org.rep_a1.pk}/")
    rows = r.context["posts"]
    assert [(x["post"].unit_id, x["current"]) for x in rows] == [(org.team_b.pk, True), (org.team_a.pk, False)]
    assert rows[1]["post"].valid_to == dt.date(2024, 2, 29)


def test_user_detail_unknown_is_404(admin_client, org):
    assert admin_client.get("/org/users/999999/").status_code == 404


def test_create_user_then_assign_posts(admin_client, org):
    r = admin_client.post(
        "/org/users/new/", {"username": "newbie", "full_name": "新人", "email": "n@example.com", "password": ""}
    )
    assert r.status_code == 302
    newbie = User.objects.get(username="newbie")
    assert not newbie.has_usable_password()
    today = timezone.localdate()
    r = admin_client.post(
        f"/org/users/{newbie.pk}/posts/",
        {"unit": org.team_c.pk, "role": "rep", "is_main": "on", "valid_from": today.isoformat()},
    )
    assert r.status_code == 302
    r = admin_client.post(
        f"/org/users/{newbie.pk}/posts/",
        {
            "unit": org.team_a.pk,
            "role": "assistant",
            "valid_from": today.isoformat(),
            "data_scope": "units",
            "scope_units": [org.team_a.pk, org.team_b.pk],
        },
    )
    assert r.status_code == 302
    posts = {p.role: p for p in Post.objects.filter(user=newbie)}
    assert posts["rep"].is_main and not posts["assistant"].is_main
    assert set(posts["assistant"].scope_units.values_list("pk", flat=True)) == {org.team_a.pk, org.team_b.pk}


def test_create_user_weak_password_changes_nothing(admin_client, org):
    before = _counts()
    r = admin_client.post("/org/users/new/", {"username": "weak", "full_name": "弱", "password": "123"})
    assert r.status_code == 200 and _counts() == before


@pytest.mark.parametrize(
    "data",
    [
        {"unit": "", "role": "rep", "valid_from": "2025-01-01"},
        {"unit": "UNIT", "role": "emperor", "valid_from": "2025-01-01"},
        {"unit": "UNIT", "role": "rep", "valid_from": "not a date"},
        {"unit": "UNIT", "role": "rep", "valid_from": "2025-01-01", "data_scope": "units"},  # no units chosen
        {"unit": "UNIT", "role": "rep", "valid_from": "2019-06-01", "is_main": "on"},  # before the current main
        {"unit": "TEAM_A", "role": "rep", "valid_from": "2025-01-01"},  # holds it already
    ],
)
def test_assign_post_bad_input_changes_nothing(admin_client, org, data):
    data = {k: (org.team_c.pk if v == "UNIT" else org.team_a.pk if v == "TEAM_A" else v) for k, v in data.items()}
    before = _counts()
    r = admin_client.post(f"/org/users/{org.rep_a1.pk}/posts/", data)
    assert r.status_code == 422
    assert _counts() == before


def test_end_a_post(admin_client, org):
    post = org.rep_b1.posts.get()
    today = timezone.localdate()
    r = admin_client.post(f"/org/posts/{post.pk}/end/", {"valid_to": today.isoformat()})
    assert r.status_code == 302
    post.refresh_from_db()
    assert post.valid_to == today
    before = _counts()
    r = admin_client.post(f"/org/posts/{post.pk}/end/", {"valid_to": "2019-01-01"})
    post.refresh_from_db()
    assert post.valid_to == today and _counts() == before


def test_deactivate_refused_while_owning_records(admin_client, org):
    services._owned_record_counters.append(("Customers", lambda u: 3 if u.username == "rep_a1" else 0))
    try:
        before = _counts()
        r = admin_client.post(f"/org/users/{org.rep_a1.pk}/deactivate/", follow=True)
        html = r.content.decode()
        assert "Customers: 3" in html
        org.rep_a1.refresh_from_db()
        assert org.rep_a1.is_active and _counts() == before
        admin_client.post(f"/org/users/{org.rep_a2.pk}/deactivate/")
        org.rep_a2.refresh_from_db()
        assert not org.rep_a2.is_active
    finally:
        services._owned_record_counters.pop()


def test_deactivate_and_reactivate(admin_client, org):
    admin_client.post(f"/org/users/{org.rep_c1.pk}/deactivate/")
    org.rep_c1.refresh_from_db()
    assert not org.rep_c1.is_active
    admin_client.post(f"/org/users/{org.rep_c1.pk}/reactivate/")
    org.rep_c1.refresh_from_db()
    assert org.rep_c1.is_active
    assert list(
        AuditEvent.objects.filter(object_id=str(org.rep_c1.pk), action__startswith="user.").values_list(
            "action", flat=True
        )
    ) == ["user.reactivate", "user.deactivate"]


def test_edit_user_and_staff_flag_needs_superuser(org, hr):
    c = Client()
    c.force_login(hr)
    html = c.get(f"/org/users/{org.rep_a1.pk}/edit/").content.decode()
    assert 'name="is_staff"' not in html
    r = c.post(
        f"/org/users/{org.rep_a1.pk}/edit/",
        {"full_name": "吴一一", "email": "a@example.com", "phone": "13800000000", "capacity": 12, "is_staff": "on"},
    )
    assert r.status_code == 302
    org.rep_a1.refresh_from_db()
    assert org.rep_a1.full_name == "吴一一" and org.rep_a1.capacity == 12 and not org.rep_a1.is_staff
    with pytest.raises(PermissionDenied):
        services.user_update(actor=hr, user=org.rep_a1, is_staff=True)


# --- permissions -------------------------------------------------------------------------------


def test_permission_matrix_page(admin_client, org):
    r = admin_client.get("/org/permissions/", {"type": "org.user"})
    assert r.status_code == 200
    html = r.content.decode()
    assert 'value="general_manager:view" checked' in html
    assert 'value="rep:view"' in html and 'value="rep:view" checked' not in html
    assert admin_client.get("/org/permissions/", {"type": "nope.nope"}).status_code == 404


def test_saving_the_matrix_writes_rows_and_one_audit_row(admin_client, org):
    table = permission_table()
    cells = [f"{r}:{a}" for (r, ot, a), ok in table.items() if ot == "org.user" and ok]
    cells.remove("director:view")
    cells.append("rep:view")
    r = admin_client.post("/org/permissions/", {"type": "org.user", "cell": cells})
    assert r.status_code == 302
    rows = set(ActionPermission.objects.values_list("role", "object_type", "action", "allowed"))
    assert rows == {("director", "org.user", "view", False), ("rep", "org.user", "view", True)}
    ev = AuditEvent.objects.get(action="action_permission.update")
    assert ev.object_id == "org.user"
    assert ev.changes == {"director:view": [True, False], "rep:view": [False, True]}
    # Ticking a cell back to its default removes the override row.
    cells.append("director:view")
    admin_client.post("/org/permissions/", {"type": "org.user", "cell": cells})
    assert set(ActionPermission.objects.values_list("role", "action")) == {("rep", "view")}


def test_matrix_bad_cells_change_nothing(admin_client, org):
    before = _counts()
    r = admin_client.post("/org/permissions/", {"type": "org.user", "cell": ["emperor:view", "rep:fly"]}, follow=True)
    assert r.status_code == 200
    assert _counts() == before


def test_reset_to_defaults(admin_client, org):
    ActionPermission.objects.create(role=Role.REP, object_type="org.user", action=Action.VIEW, allowed=True)
    ActionPermission.objects.create(role=Role.REP, object_type="audit.auditevent", action=Action.VIEW, allowed=True)
    r = admin_client.post("/org/permissions/reset/", {"type": "org.user"})
    assert r.status_code == 302
    assert list(ActionPermission.objects.values_list("object_type", flat=True)) == ["audit.auditevent"]
    assert AuditEvent.objects.filter(action="action_permission.reset", object_id="org.user").count() == 1
    admin_client.post("/org/permissions/reset/", {})
    assert not ActionPermission.objects.exists()


def test_scopes_page_saves_and_refuses_bad_values(admin_client, org):
    data = {role: scope for role, scope in services.role_scopes().items()}
    data["rep"] = DataScope.TEAM
    r = admin_client.post("/org/permissions/scopes/", data)
    assert r.status_code == 302
    assert RoleScope.objects.get(role="rep").data_scope == "team"
    assert AuditEvent.objects.get(action="role_scope.update").changes == {"rep": ["own", "team"]}
    before = _counts()
    data["rep"] = "units"  # only a post can have chosen units
    r = admin_client.post("/org/permissions/scopes/", data)
    assert r.status_code == 200 and _counts() == before
    data["rep"] = DataScope.OWN  # back to the default: the row goes
    admin_client.post("/org/permissions/scopes/", data)
    assert not RoleScope.objects.exists()
