import pytest

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import PermissionDenied, ValidationError
from zhidu.notifications.models import Delivery, Notification, NotificationChannel, NotificationPreference
from zhidu.notifications.registry import register_event
from zhidu.notifications.services import (
    channel_create,
    channel_test,
    channel_update,
    notification_mark_read,
    notifications_mark_all_read,
    notify,
    preferences_set,
)


@pytest.fixture
def robots(db):
    return {
        "wecom": NotificationChannel.objects.create(
            kind="wecom", name="East group", webhook_url="https://x.test/h?key=1"
        ),
        "dingtalk": NotificationChannel.objects.create(
            kind="dingtalk", name="Sales group", webhook_url="https://y.test/s?access_token=2", secret="SEC1"
        ),
    }


def test_defaults_apply_without_preferences(org, event, builtin, robots, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        rows = notify(recipients=[org.rep_a1], event="t.assigned", title="Yours", url="/customers/1/", obj=org.team_a)
    assert len(callbacks) == 1
    assert [(n.recipient_id, n.title, n.url, n.object_type, n.object_id) for n in rows] == [
        (org.rep_a1.pk, "Yours", "/customers/1/", "org.orgunit", str(org.team_a.pk))
    ]
    assert list(Delivery.objects.values_list("channel__kind", "to")) == [("email", "rep_a1@example.com")]


def test_preferences_are_respected(org, event, builtin, robots):
    org.rep_a2.phone = "13800000002"
    org.rep_a2.save(update_fields=["phone"])
    preferences_set(actor=org.rep_a1, items=[("t.assigned", builtin["email"].pk, False)])
    preferences_set(
        actor=org.rep_a2,
        items=[("t.assigned", robots["dingtalk"].pk, True), ("t.assigned", builtin["in_app"].pk, False)],
    )
    notify(recipients=[org.rep_a1, org.rep_a2, org.rep_b1], event="t.assigned", title="Yours")
    assert sorted(Notification.objects.values_list("recipient__username", flat=True)) == ["rep_a1", "rep_b1"]
    got = sorted((d.channel.kind, d.to, tuple(d.mentions)) for d in Delivery.objects.select_related("channel"))
    assert got == [
        ("dingtalk", "", ("13800000002",)),
        ("email", "rep_a2@example.com", ()),
        ("email", "rep_b1@example.com", ()),
    ]


def test_people_without_email_or_inactive_are_skipped_and_duplicates_merged(org, event, builtin):
    org.rep_a1.email = ""
    org.rep_a1.save(update_fields=["email"])
    org.rep_a2.is_active = False
    org.rep_a2.save(update_fields=["is_active"])
    rows = notify(recipients=[org.rep_a1, org.rep_a1.pk, org.rep_a2, org.rep_b1], event="t.assigned", title="x")
    assert [n.recipient_id for n in rows] == [org.rep_a1.pk, org.rep_b1.pk]
    assert list(Delivery.objects.values_list("to", flat=True)) == ["rep_b1@example.com"]
    assert notify(recipients=[], event="t.assigned", title="x") == []


def test_disabled_channel_reaches_nobody(org, event, builtin, robots):
    NotificationChannel.objects.filter(pk=robots["dingtalk"].pk).update(enabled=False)
    NotificationChannel.objects.filter(pk=builtin["email"].pk).update(enabled=False)
    notify(recipients=[org.rep_a1], event="t.robot", title="Won")
    notify(recipients=[org.rep_a1], event="t.assigned", title="Yours")
    assert list(Delivery.objects.values_list("channel__kind", flat=True)) == ["wecom"]
    assert Notification.objects.count() == 2


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"event": "no.such.event", "title": "x"}, None),
        ({"event": "t.assigned", "title": "   "}, "title"),
        ({"event": "t.assigned", "title": "x", "url": "javascript:alert(1)"}, "url"),
        ({"event": "t.assigned", "title": "x", "url": "//evil.example/"}, "url"),
    ],
)
def test_bad_notify_input_writes_nothing(org, event, builtin, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        notify(recipients=[org.rep_a1], **kwargs)
    if field:
        assert field in exc.value.fields
    else:
        assert exc.value.code == "unknown_event"
    assert Notification.objects.count() == 0 and Delivery.objects.count() == 0


def test_register_event_refuses_unknown_channel_kinds():
    with pytest.raises(ValueError):
        register_event("t.bad", "Bad", default_channels=["sms"])


def test_mark_read_is_per_recipient(org, event, builtin):
    (n,) = notify(recipients=[org.rep_a1], event="t.assigned", title="x")
    from zhidu.core.errors import NotFound

    with pytest.raises(NotFound):
        notification_mark_read(actor=org.rep_a2, notification_id=n.pk)
    assert Notification.objects.get(pk=n.pk).read_at is None
    first = notification_mark_read(actor=org.rep_a1, notification_id=n.pk).read_at
    assert first is not None
    assert notification_mark_read(actor=org.rep_a1, notification_id=n.pk).read_at == first
    notify(recipients=[org.rep_a1, org.rep_a2], event="t.assigned", title="y")
    assert notifications_mark_all_read(actor=org.rep_a1) == 1
    assert Notification.objects.filter(recipient=org.rep_a2, read_at__isnull=True).count() == 1


def test_preferences_refuse_unknown_event_and_disabled_channel(org, event, builtin, robots):
    NotificationChannel.objects.filter(pk=robots["wecom"].pk).update(enabled=False)
    for items in (
        [("t.assigned", builtin["email"].pk, False), ("nope", builtin["email"].pk, False)],
        [("t.assigned", builtin["email"].pk, False), ("t.assigned", robots["wecom"].pk, True)],
        [("t.assigned", 999999, True)],
    ):
        with pytest.raises(ValidationError):
            preferences_set(actor=org.rep_a1, items=items)
    assert NotificationPreference.objects.count() == 0
    assert preferences_set(actor=org.rep_a1, items=[("t.assigned", builtin["email"].pk, False)]) == 1
    assert preferences_set(actor=org.rep_a1, items=[("t.assigned", builtin["email"].pk, False)]) == 0
    assert preferences_set(actor=org.rep_a1, items=[("t.assigned", builtin["email"].pk, True)]) == 1
    assert NotificationPreference.objects.get().enabled is True


# --- channels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"kind": "dingtalk", "name": "g", "webhook_url": "ftp://oapi.dingtalk.com/robot/send"}, "webhook_url"),
        ({"kind": "dingtalk", "name": "g", "webhook_url": "not a url"}, "webhook_url"),
        ({"kind": "wecom", "name": "g", "webhook_url": ""}, "webhook_url"),
        ({"kind": "wecom", "name": "g", "webhook_url": "https://qyapi.weixin.qq.com/x", "secret": "s"}, "secret"),
        ({"kind": "email", "name": "mail 2"}, "kind"),
        ({"kind": "sms", "name": "g", "webhook_url": "https://x.test"}, "kind"),
        ({"kind": "wecom", "name": "  ", "webhook_url": "https://x.test"}, "name"),
        ({"kind": "wecom", "name": "East group", "webhook_url": "https://x.test"}, "name"),
    ],
)
def test_bad_channel_input_is_refused(org, builtin, robots, kwargs, field):
    before = NotificationChannel.objects.count()
    with pytest.raises(ValidationError) as exc:
        channel_create(actor=org.admin, **kwargs)
    assert field in exc.value.fields
    assert NotificationChannel.objects.count() == before
    assert not AuditEvent.objects.filter(action="notifications.channel_create").exists()


def test_channel_create_and_update_are_audited_without_secrets(org, builtin):
    ch = channel_create(
        actor=org.admin,
        kind="dingtalk",
        name=" Sales  group ",
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=abc",
        secret="SECxyz",
    )
    assert (ch.name, ch.enabled, ch.masked_url) == ("Sales group", True, "https://oapi.dingtalk.com/robot/send?…")
    ev = AuditEvent.objects.get(action="notifications.channel_create")
    assert "SECxyz" not in str(ev.changes) and "abc" not in str(ev.changes)
    ch = channel_update(actor=org.admin, channel=ch, enabled=False, secret=None)
    assert (ch.enabled, ch.secret) == (False, "SECxyz")
    ev = AuditEvent.objects.get(action="notifications.channel_update")
    assert ev.changes["enabled"] == [True, False]
    with pytest.raises(ValidationError):
        channel_update(actor=org.admin, channel=builtin["in_app"], enabled=False)
    with pytest.raises(ValidationError):
        channel_update(actor=org.admin, channel=ch, kind="wecom")
    with pytest.raises(ValidationError):
        channel_update(actor=org.admin, channel=ch, webhook_url="http//broken")
    ch.refresh_from_db()
    assert ch.webhook_url.endswith("access_token=abc")


def test_only_staff_configure_channels(org, builtin, robots):
    with pytest.raises(PermissionDenied):
        channel_create(actor=org.gm, kind="wecom", name="x", webhook_url="https://x.test")
    with pytest.raises(PermissionDenied):
        channel_update(actor=org.director, channel=robots["wecom"], enabled=False)
    with pytest.raises(PermissionDenied):
        channel_test(actor=org.rep_a1, channel=robots["wecom"])
    assert NotificationChannel.objects.get(pk=robots["wecom"].pk).enabled


def test_channel_test_queues_one_delivery(org, builtin, robots, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        d = channel_test(actor=org.admin, channel=robots["wecom"])
    assert len(callbacks) == 1 and d.status == "pending" and d.event == "notifications.test"
    NotificationChannel.objects.filter(pk=robots["wecom"].pk).update(enabled=False)
    robots["wecom"].refresh_from_db()
    with pytest.raises(ValidationError):
        channel_test(actor=org.admin, channel=robots["wecom"])
    assert Delivery.objects.count() == 1
