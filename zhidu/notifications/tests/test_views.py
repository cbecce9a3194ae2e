import pytest
from django.test import RequestFactory
from django.urls import reverse

from zhidu.notifications.context_processors import notifications as unread_processor
from zhidu.notifications.models import Delivery, Notification, NotificationChannel, NotificationPreference
from zhidu.notifications.services import notify

HX = {"HX-Request": "true"}


def _notes(org, n=3, **kw):
    for i in range(n):
        notify(recipients=[org.rep_a1], event="t.assigned", title=f"Note {i}", url=f"/customers/{i}/", **kw)


def test_list_shows_only_my_notifications(client, org, event, builtin, django_assert_max_num_queries):
    _notes(org, 30)
    notify(recipients=[org.rep_a2], event="t.assigned", title="Not yours")
    client.force_login(org.rep_a1)
    with django_assert_max_num_queries(12):
        r = client.get(reverse("notifications:list"))
    html = r.content.decode()
    assert r.status_code == 200
    assert "Note 29" in html and "Not yours" not in html
    assert html.count('id="notification-') == 25


def test_unread_tab_and_empty_state(client, org, event, builtin):
    client.force_login(org.rep_a1)
    r = client.get(reverse("notifications:list"), {"unread": "true"})
    assert r.status_code == 200 and "empty" in r.content.decode()


def test_mark_read_with_htmx_returns_the_row(client, org, event, builtin):
    _notes(org, 1)
    n = Notification.objects.get()
    client.force_login(org.rep_a1)
    r = client.post(reverse("notifications:read", args=[n.pk]), headers=HX)
    assert r.status_code == 200 and r["HX-Trigger"] == "notifications-changed"
    assert f'id="notification-{n.pk}"' in r.content.decode() and "Mark read" not in r.content.decode()
    assert Notification.objects.get().read_at is not None


def test_cannot_touch_someone_elses_notification(client, org, event, builtin):
    _notes(org, 1)
    n = Notification.objects.get()
    client.force_login(org.rep_a2)
    assert client.post(reverse("notifications:read", args=[n.pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[n.pk])).status_code == 404
    assert client.get(reverse("notifications:read", args=[n.pk])).status_code == 405
    assert Notification.objects.get().read_at is None


def test_open_marks_read_and_follows_local_links_only(client, org, event, builtin):
    notify(recipients=[org.rep_a1], event="t.assigned", title="Local", url="/customers/5/")
    notify(recipients=[org.rep_a1], event="t.assigned", title="External", url="https://evil.example/x")
    local, external = Notification.objects.order_by("id")
    client.force_login(org.rep_a1)
    r = client.get(reverse("notifications:open", args=[local.pk]))
    assert r.status_code == 302 and r["Location"] == "/customers/5/"
    r = client.get(reverse("notifications:open", args=[external.pk]))
    assert r["Location"] == reverse("notifications:list")
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_mark_all_read(client, org, event, builtin):
    _notes(org, 3)
    client.force_login(org.rep_a1)
    r = client.post(reverse("notifications:read_all"))
    assert r.status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_badge_and_context_processor(client, org, event, builtin):
    _notes(org, 3)
    client.force_login(org.rep_a1)
    html = client.get(reverse("notifications:badge"), headers=HX).content.decode()
    assert "badge-notification" in html and ">3<" in html and 'hx-trigger="every 60s' in html
    Notification.objects.bulk_create(
        [Notification(recipient=org.rep_a1, event="t.assigned", title=str(i)) for i in range(120)]
    )
    assert ">99+<" in client.get(reverse("notifications:badge")).content.decode()
    client.force_login(org.rep_a2)
    assert "badge-notification" not in client.get(reverse("notifications:badge")).content.decode()

    request = RequestFactory().get("/")
    request.user = org.rep_a1
    ctx = unread_processor(request)
    assert int(str(ctx["notifications_unread"])) == 100  # counted up to the cap + 1
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert unread_processor(request) == {"notifications_unread": 0}


def test_preferences_page_saves_the_matrix(client, org, event, builtin):
    wecom = NotificationChannel.objects.create(kind="wecom", name="East", webhook_url="https://x.test/h?key=1")
    client.force_login(org.rep_a1)
    r = client.get(reverse("notifications:preferences"))
    html = r.content.decode()
    assert r.status_code == 200
    assert f'name="pref:t.assigned:{builtin["email"].pk}" aria-label' in html
    assert f'name="pref:t.robot:{wecom.pk}" aria-label="A deal was won · East" checked' in html
    r = client.post(
        reverse("notifications:preferences"),
        {f"pref:t.assigned:{builtin['in_app'].pk}": "on", f"pref:t.robot:{wecom.pk}": "on"},
    )
    assert r.status_code == 302
    prefs = {(p.event, p.channel_id): p.enabled for p in NotificationPreference.objects.filter(user=org.rep_a1)}
    assert prefs[("t.assigned", builtin["email"].pk)] is False
    assert prefs[("t.assigned", builtin["in_app"].pk)] is True
    assert prefs[("t.robot", wecom.pk)] is True
    assert prefs[("t.robot", builtin["in_app"].pk)] is False
    notify(recipients=[org.rep_a1], event="t.assigned", title="x")
    assert Delivery.objects.count() == 0


@pytest.mark.parametrize("persona", ["gm", "director", "tm_a", "rep_a1", "finance"])
def test_channel_pages_are_for_staff_only(client, org, builtin, persona):
    client.force_login(getattr(org, persona))
    email = builtin["email"]
    assert client.get(reverse("notifications:channels")).status_code == 403
    r = client.post(reverse("notifications:channels"), {"kind": "wecom", "name": "x", "webhook_url": "https://x.test"})
    assert r.status_code == 403
    assert client.post(reverse("notifications:channel_edit", args=[email.pk]), {"enabled": ""}).status_code == 403
    assert client.post(reverse("notifications:channel_test", args=[email.pk])).status_code == 403
    assert NotificationChannel.objects.count() == 2 and NotificationChannel.objects.get(pk=email.pk).enabled


def test_admin_adds_edits_and_tests_a_robot(client, org, builtin, django_assert_max_num_queries):
    client.force_login(org.admin)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("notifications:channels")).status_code == 200
    r = client.post(
        reverse("notifications:channels"),
        {"kind": "dingtalk", "name": "Sales", "webhook_url": "ftp://oapi.dingtalk.com/robot/send", "enabled": "on"},
    )
    assert r.status_code == 422 and "https://" in r.content.decode()
    assert NotificationChannel.objects.count() == 2
    r = client.post(
        reverse("notifications:channels"),
        {
            "kind": "dingtalk",
            "name": "Sales",
            "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=t",
            "secret": "SECabc",
            "enabled": "on",
        },
    )
    assert r.status_code == 302
    ch = NotificationChannel.objects.get(name="Sales")
    html = client.get(reverse("notifications:channels")).content.decode()
    assert "access_token=t" not in html
    assert "SECabc" not in html
    assert "已加签" in html or "signed" in html
    r = client.post(
        reverse("notifications:channel_edit", args=[ch.pk]),
        {"name": "Sales group", "webhook_url": ch.webhook_url, "secret": "", "enabled": "on"},
    )
    assert r.status_code == 302
    ch.refresh_from_db()
    assert (ch.name, ch.secret) == ("Sales group", "SECabc")
    r = client.post(reverse("notifications:channel_test", args=[ch.pk]))
    assert r.status_code == 302 and Delivery.objects.filter(channel=ch, event="notifications.test").count() == 1
    r = client.post(reverse("notifications:channel_edit", args=[builtin["in_app"].pk]), {"enabled": ""})
    assert r.status_code == 422
    assert NotificationChannel.objects.get(pk=builtin["in_app"].pk).enabled
