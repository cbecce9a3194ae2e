from zhidu.core.navigation import menu_for
from zhidu.org.tests.factories import UserFactory


def _urls(user):
    return {i["url"] for g in menu_for(user) for i in g["items"]}


def test_staff_without_posts_see_admin_entries_but_not_domain_ones(db):
    staff = UserFactory(username="staffer", is_staff=True)
    urls = _urls(staff)
    assert "/org/users/" in urls
    assert "/audit/" in urls
    assert "customers" not in {g["key"] for g in menu_for(staff)}


def test_plain_user_without_posts_sees_no_admin_entries(db):
    plain = UserFactory(username="plain")
    assert "/org/users/" not in _urls(plain)
