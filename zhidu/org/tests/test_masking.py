import pytest
from django.template import Context, Template
from django.test import Client

from zhidu.audit.models import AccessLog
from zhidu.core.errors import PermissionDenied
from zhidu.core.masking import mask_email, mask_phone, phone_for, phone_reveal
from zhidu.org.choices import Action, Role
from zhidu.org.models import ActionPermission
from zhidu.org.permissions import clear_cache


@pytest.mark.parametrize(
    "raw,masked",
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138 **** 5678"),
        ("138-1234-5678", "138-****-5678"),
        ("+8613812345678", "+86138****5678"),
        ("+86 138 1234 5678", "+86 138 **** 5678"),
        ("008613812345678", "0086138****5678"),
        ("021-12345678", "021-****5678"),
        ("(021) 1234 5678", "(021) **** 5678"),
        ("010-87654321", "010-****4321"),
        ("0755-1234567", "0755-***4567"),
        ("0571-88889999", "0571-****9999"),
        ("02112345678", "021****5678"),
        ("12345678", "****5678"),
        ("400-123-4567", "40*-***-4567"),
        ("95588", "***88"),
        ("110", "*10"),
        ("12", "**"),
        ("", ""),
        (None, ""),
        ("无", "无"),
    ],
)
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


def test_masked_numbers_never_show_the_hidden_digits():
    for raw in ["13812345678", "021-12345678", "+86 139 8765 4321"]:
        masked = mask_phone(raw)
        assert "*" in masked and len(masked) == len(raw)


@pytest.mark.parametrize(
    "raw,masked",
    [
        ("zhangsan@example.com", "z***n@example.com"),
        ("ab@example.com", "a*@example.com"),
        ("a@example.com", "*@example.com"),
        ("no-at-sign", "n***n"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_email(raw, masked):
    assert mask_email(raw) == masked


def test_phone_for_follows_view_phone(org):
    assert phone_for(org.gm, "org.user", "13812345678") == "13812345678"  # default: GM may
    assert phone_for(org.director, "org.user", "13812345678") == "138****5678"
    assert phone_for(org.admin, "org.user", "13812345678") == "13812345678"
    ActionPermission.objects.create(role=Role.DIRECTOR, object_type="org.user", action=Action.VIEW_PHONE, allowed=True)
    clear_cache(org.director)
    assert phone_for(org.director, "org.user", "13812345678") == "13812345678"


def test_template_filter_and_tag(org):
    t = Template(
        '{% load masking %}{{ p|phone_for:u }}|{% masked_phone p u "org.user" %}|{{ p|mask_phone }}|{{ e|email_for:u }}'
    )
    ctx = {"p": "13812345678", "e": "zhangsan@example.com"}
    assert t.render(Context({**ctx, "u": org.finance})) == "138****5678|138****5678|138****5678|z***n@example.com"
    assert t.render(Context({**ctx, "u": org.gm})) == "13812345678|13812345678|138****5678|zhangsan@example.com"


def test_filter_on_a_record_checks_its_own_type(org):
    org.rep_a2.phone = "13812345678"
    t = Template("{% load masking %}{{ obj|phone_for:u }}")
    # rep_a1 may see full numbers of customers (customers app defaults) but not of users.
    assert t.render(Context({"obj": org.rep_a2, "u": org.rep_a1})) == "138****5678"
    assert t.render(Context({"obj": org.rep_a2, "u": org.gm})) == "13812345678"


def test_phone_reveal_logs_the_view(org):
    org.rep_a1.phone = "13812345678"
    org.rep_a1.save()
    assert phone_reveal(user=org.gm, obj=org.rep_a1, field="phone") == "13812345678"
    row = AccessLog.objects.get(event="view_phone")
    assert row.user_id == org.gm.pk and row.object_type == "org.user"
    assert row.detail == f"{org.rep_a1.pk}:phone" and row.rows == 1


def test_phone_reveal_refused_without_permission_logs_nothing(org):
    with pytest.raises(PermissionDenied):
        phone_reveal(user=org.director, obj=org.rep_a1, field="phone")
    assert not AccessLog.objects.exists()


def test_user_page_masks_and_show_button_reveals(org):
    org.rep_a1.phone = "13812345678"
    org.rep_a1.save()
    c = Client()
    c.force_login(org.director)  # may view people, not full numbers
    html = c.get(f"/org/users/{org.rep_a1.pk}/").content.decode()
    assert "138****5678" in html and "13812345678" not in html
    assert 'data-testid="show-phone"' not in html
    assert c.post(f"/org/users/{org.rep_a1.pk}/phone/").status_code == 403
    c.force_login(org.gm)
    html = c.get(f"/org/users/{org.rep_a1.pk}/").content.decode()
    assert "13812345678" not in html and 'data-testid="show-phone"' in html
    r = c.post(f"/org/users/{org.rep_a1.pk}/phone/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "13812345678" in r.content.decode()
    assert AccessLog.objects.filter(event="view_phone", user_id=org.gm.pk).count() == 1


def test_users_list_and_api_mask_phones(org):
    org.rep_a1.phone = "13812345678"
    org.rep_a1.save()
    c = Client()
    c.force_login(org.director)
    assert "13812345678" not in c.get("/org/users/").content.decode()
    items = c.get("/api/v1/org/users?q=rep_a1").json()["items"]
    assert items[0]["phone"] == "138****5678"
    assert items[0]["email"] == "r***1@example.com"
    c.force_login(org.gm)
    assert c.get("/api/v1/org/users?q=rep_a1").json()["items"][0]["phone"] == "13812345678"
