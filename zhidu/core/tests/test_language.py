"""The language switch: Django's set_language view changes the language of the pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_switching_language_changes_the_page(client, org):
    client.force_login(org.tm_a)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("core:dashboard")).content.decode()
    assert '<html lang="zh-hans">' in html
    assert "仪表盘" in html and "各部门人员（按岗位）" in html

    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    html = client.get(reverse("core:dashboard")).content.decode()
    assert '<html lang="en">' in html
    assert "People by role and unit" in html and "Hello, 周组长" in html

    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get(reverse("core:dashboard")).content.decode()


def test_the_switch_is_a_post_form_with_csrf(client, org):
    client.force_login(org.rep_a1)
    html = client.get(reverse("core:dashboard")).content.decode()
    assert f'action="{reverse("set_language")}"' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="language" value="en"' in html and 'name="language" value="zh-hans"' in html


def test_an_unknown_language_is_ignored(client, org):
    client.force_login(org.rep_a1)
    client.cookies["django_language"] = "zh-hans"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert '<html lang="zh-hans">' in client.get(reverse("core:dashboard")).content.decode()
