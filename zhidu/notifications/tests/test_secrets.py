"""Webhook URLs and signing secrets: encrypted at rest, never shown back, rotatable."""

import importlib
import io
import urllib.parse

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from zhidu.core.crypto import FieldDecryptionError, generate_key
from zhidu.jobs.tests.conftest import drain_db_tasks
from zhidu.notifications.channels import dingtalk_sign
from zhidu.notifications.choices import DeliveryStatus
from zhidu.notifications.models import Delivery, NotificationChannel
from zhidu.notifications.services import channel_create, channel_test, channel_update

TOKEN = "tok-4b1c9e0d7a"
SECRET = "SEC5f2e8a1b3c4d5e6f7a8b9c0d"
URL = f"https://oapi.dingtalk.com/robot/send?access_token={TOKEN}"


def _raw(channel_id: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_url, secret FROM notifications_notificationchannel WHERE id = %s", [channel_id])
        return cursor.fetchone()


@pytest.fixture
def robot(org, builtin):
    return channel_create(actor=org.admin, kind="dingtalk", name="Sales", webhook_url=URL, secret=SECRET)


def test_stored_values_are_not_the_plain_text(robot):
    raw_url, raw_secret = _raw(robot.pk)
    assert TOKEN not in raw_url and "dingtalk" not in raw_url and raw_url.startswith("gAAAAA")
    assert SECRET not in raw_secret and raw_secret.startswith("gAAAAA")
    # Fernet is randomised: the same text never gives the same column twice.
    other = NotificationChannel.objects.create(kind="dingtalk", name="Other", webhook_url=URL, secret=SECRET)
    assert _raw(other.pk) != (raw_url, raw_secret)


def test_round_trip(robot):
    fresh = NotificationChannel.objects.get(pk=robot.pk)
    assert (fresh.webhook_url, fresh.secret) == (URL, SECRET)
    assert NotificationChannel.objects.values_list("secret", flat=True).get(pk=robot.pk) == SECRET


def test_empty_stays_empty_so_unset_needs_no_key(org, builtin):
    ch = channel_create(actor=org.admin, kind="wecom", name="WeCom", webhook_url="https://qyapi.weixin.qq.com/x?key=k")
    assert _raw(ch.pk)[1] == ""
    assert _raw(builtin["email"].pk) == ("", "")


def test_rotation_old_key_still_decrypts_until_rotated(org, builtin, settings):
    old, new = generate_key(), generate_key()
    settings.ZHIDU_FIELD_KEYS = [old]
    ch = channel_create(actor=org.admin, kind="dingtalk", name="Sales", webhook_url=URL, secret=SECRET)
    before = _raw(ch.pk)
    # A new key in front: rows written under the old one still open.
    settings.ZHIDU_FIELD_KEYS = [new, old]
    assert NotificationChannel.objects.get(pk=ch.pk).secret == SECRET
    out = io.StringIO()
    call_command("field_keys_rotate", stdout=out)
    assert out.getvalue().startswith("2 encrypted values")
    after = _raw(ch.pk)
    assert after[0] != before[0] and after[1] != before[1]
    # The old key can go now.
    settings.ZHIDU_FIELD_KEYS = [new]
    assert (
        NotificationChannel.objects.get(pk=ch.pk).webhook_url,
        NotificationChannel.objects.get(pk=ch.pk).secret,
    ) == (
        URL,
        SECRET,
    )
    # Only the old key: it no longer opens anything, and says why.
    settings.ZHIDU_FIELD_KEYS = [old]
    with pytest.raises(FieldDecryptionError, match="ZHIDU_FIELD_KEYS"):
        NotificationChannel.objects.get(pk=ch.pk)


def test_rotation_is_idempotent_and_skips_empty(org, builtin, settings):
    from zhidu.core.fields import field_keys_rotate

    settings.ZHIDU_FIELD_KEYS = [generate_key()]
    channel_create(actor=org.admin, kind="wecom", name="W", webhook_url="https://qyapi.weixin.qq.com/x?key=k")
    assert field_keys_rotate() == 1  # one URL; the empty secrets and built-in channels are not touched
    assert field_keys_rotate() == 1
    assert NotificationChannel.objects.get(name="W").webhook_url == "https://qyapi.weixin.qq.com/x?key=k"


def test_data_migration_encrypts_plain_rows_and_reverses(robot):
    migration = importlib.import_module("zhidu.notifications.migrations.0003_encrypt_channel_secrets")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_notificationchannel SET webhook_url = %s, secret = %s WHERE id = %s",
            [URL, SECRET, robot.pk],
        )

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.encrypt_existing(apps, editor)
    raw_url, raw_secret = _raw(robot.pk)
    assert TOKEN not in raw_url and SECRET not in raw_secret
    assert NotificationChannel.objects.get(pk=robot.pk).secret == SECRET
    migration.encrypt_existing(apps, editor)  # a second run does not encrypt twice
    assert NotificationChannel.objects.get(pk=robot.pk).webhook_url == URL
    migration.decrypt_existing(apps, editor)
    assert _raw(robot.pk) == (URL, SECRET)


# --- never shown back ----------------------------------------------------------------------------


def test_pages_never_show_the_token_or_secret(client, org, robot):
    client.force_login(org.admin)
    for url in [reverse("notifications:channels"), reverse("notifications:channel_edit", args=[robot.pk])]:
        html = client.get(url).content.decode()
        assert TOKEN not in html and SECRET not in html, url
    html = client.get(reverse("notifications:channel_edit", args=[robot.pk])).content.decode()
    assert "https://oapi.dingtalk.com/robot/send?…" in html
    assert 'name="secret_clear"' in html  # a secret is set: it can be removed


def test_edit_with_empty_fields_keeps_and_new_values_replace(client, org, robot):
    client.force_login(org.admin)
    edit = reverse("notifications:channel_edit", args=[robot.pk])
    r = client.post(edit, {"name": "Sales group", "webhook_url": "", "secret": "", "enabled": "on"})
    assert r.status_code == 302
    ch = NotificationChannel.objects.get(pk=robot.pk)
    assert (ch.name, ch.webhook_url, ch.secret) == ("Sales group", URL, SECRET)
    new_url = "https://oapi.dingtalk.com/robot/send?access_token=new-token-99"
    r = client.post(edit, {"name": "Sales group", "webhook_url": new_url, "secret": "SECnew", "enabled": "on"})
    assert r.status_code == 302
    ch = NotificationChannel.objects.get(pk=robot.pk)
    assert (ch.webhook_url, ch.secret) == (new_url, "SECnew")
    r = client.post(edit, {"name": "Sales group", "secret_clear": "on", "enabled": "on"})
    assert r.status_code == 302
    assert NotificationChannel.objects.get(pk=robot.pk).secret == ""
    html = client.get(edit).content.decode()
    assert 'name="secret_clear"' not in html


def test_refused_edit_changes_nothing(client, org, robot):
    client.force_login(org.admin)
    r = client.post(
        reverse("notifications:channel_edit", args=[robot.pk]),
        {"name": "Sales", "webhook_url": "ftp://nope", "secret": "SECother", "enabled": "on"},
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert TOKEN not in html and SECRET not in html and "SECother" not in html
    ch = NotificationChannel.objects.get(pk=robot.pk)
    assert (ch.webhook_url, ch.secret) == (URL, SECRET)


def test_api_never_echoes(client, org, builtin):
    client.force_login(org.admin)
    r = client.post(
        "/api/v1/notifications/channels",
        {"kind": "dingtalk", "name": "D", "webhook_url": URL, "secret": SECRET},
        content_type="application/json",
    )
    assert r.status_code == 201
    body = r.content.decode()
    assert TOKEN not in body and SECRET not in body and r.json()["has_secret"] is True
    pk = r.json()["id"]
    for resp in [
        client.get("/api/v1/notifications/channels"),
        client.patch(f"/api/v1/notifications/channels/{pk}", {"name": "D2"}, content_type="application/json"),
    ]:
        assert resp.status_code == 200
        assert TOKEN not in resp.content.decode() and SECRET not in resp.content.decode()
    ch = NotificationChannel.objects.get(pk=pk)
    assert (ch.name, ch.webhook_url, ch.secret) == ("D2", URL, SECRET)  # PATCH without them keeps them


def test_audit_log_holds_neither(org, robot):
    from zhidu.audit.models import AuditEvent

    channel_update(actor=org.admin, channel=robot, secret="SECrotated", webhook_url=URL + "x")
    for event in AuditEvent.objects.filter(action__startswith="notifications.channel"):
        text = str(event.changes)
        assert TOKEN not in text and SECRET not in text and "SECrotated" not in text


# --- delivery still works --------------------------------------------------------------------------


def test_signed_delivery_from_the_encrypted_row(
    org, builtin, webhook_server, english, django_capture_on_commit_callbacks
):
    ch = channel_create(
        actor=org.admin,
        kind="dingtalk",
        name="Local",
        webhook_url=f"{webhook_server.url}/robot/send?access_token={TOKEN}",
        secret=SECRET,
    )
    assert TOKEN not in _raw(ch.pk)[0]
    with django_capture_on_commit_callbacks(execute=True):
        channel_test(actor=org.admin, channel=NotificationChannel.objects.get(pk=ch.pk))
    drain_db_tasks()
    (req,) = webhook_server.requests
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(req["path"]).query))
    assert query["access_token"] == TOKEN
    assert urllib.parse.quote_plus(query["sign"]) == dingtalk_sign(SECRET, query["timestamp"])
    assert Delivery.objects.get(channel=ch).status == DeliveryStatus.SENT


def test_delivery_error_does_not_store_the_token(org, builtin, english):
    from zhidu.notifications.services import delivery_send

    # Nothing listens on port 9: the connection error quotes the URL.
    ch = NotificationChannel.objects.create(
        kind="dingtalk", name="Down", webhook_url=f"http://127.0.0.1:9/robot/send?access_token={TOKEN}", secret=SECRET
    )
    delivery = Delivery.objects.create(channel=ch, event="t", title="x")
    delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.error and TOKEN not in delivery.error
    assert "access_token=…" in delivery.error
