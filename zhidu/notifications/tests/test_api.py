import pytest

from zhidu.notifications.models import Notification, NotificationChannel, NotificationPreference
from zhidu.notifications.services import notify

API = "/api/v1/notifications"


def test_my_notifications_and_unread_count(client, org, event, builtin):
    for i in range(3):
        notify(recipients=[org.rep_a1], event="t.assigned", title=f"n{i}")
    notify(recipients=[org.rep_a2], event="t.assigned", title="other")
    client.force_login(org.rep_a1)
    body = client.get(f"{API}/", {"page_size": 2}).json()
    assert [x["title"] for x in body["items"]] == ["n2", "n1"] and body["has_next"] is True
    assert client.get(f"{API}/unread-count").json() == {"count": 3}
    first = Notification.objects.filter(recipient=org.rep_a1).order_by("id").first()
    r = client.post(f"{API}/{first.pk}/read")
    assert r.status_code == 200 and r.json()["read_at"]
    assert client.get(f"{API}/", {"unread": True}).json()["total"] == 2
    other = Notification.objects.get(recipient=org.rep_a2)
    assert client.post(f"{API}/{other.pk}/read").status_code == 404
    assert client.post(f"{API}/read-all").json() == {"count": 2}
    assert client.get(f"{API}/unread-count").json() == {"count": 0}


def test_anonymous_gets_401(client, db):
    assert client.get(f"{API}/").status_code == 401


def test_events_and_preferences(client, org, event, builtin):
    client.force_login(org.rep_a1)
    events = {e["key"]: e for e in client.get(f"{API}/events").json()}
    assert events["t.assigned"]["default_channels"] == ["email", "in_app"]
    prefs = client.get(f"{API}/preferences").json()
    row = next(p for p in prefs if p["event"] == "t.assigned" and p["channel_kind"] == "email")
    assert (row["channel_id"], row["enabled"], row["default"]) == (builtin["email"].pk, True, True)
    r = client.put(
        f"{API}/preferences",
        {"items": [{"event": "t.assigned", "channel_id": builtin["email"].pk, "enabled": False}]},
        content_type="application/json",
    )
    assert r.status_code == 200
    row = next(p for p in r.json() if p["event"] == "t.assigned" and p["channel_kind"] == "email")
    assert (row["enabled"], row["default"]) == (False, True)


@pytest.mark.parametrize(
    "item",
    [
        {"event": "nope", "channel_id": 1, "enabled": True},
        {"event": "t.assigned", "channel_id": 999999, "enabled": True},
        {"event": "t.assigned", "channel_id": "x", "enabled": True},
    ],
)
def test_bad_preferences_are_refused(client, org, event, builtin, item):
    client.force_login(org.rep_a1)
    r = client.put(f"{API}/preferences", {"items": [item]}, content_type="application/json")
    assert r.status_code == 422 and r.json()["code"] == "invalid"
    assert NotificationPreference.objects.count() == 0


def test_disabled_channel_preference_is_refused(client, org, event, builtin):
    NotificationChannel.objects.filter(pk=builtin["email"].pk).update(enabled=False)
    client.force_login(org.rep_a1)
    r = client.put(
        f"{API}/preferences",
        {"items": [{"event": "t.assigned", "channel_id": builtin["email"].pk, "enabled": True}]},
        content_type="application/json",
    )
    assert r.status_code == 422 and "channel" in r.json()["fields"]


def test_channels_for_staff(client, org, builtin):
    client.force_login(org.admin)
    r = client.post(
        f"{API}/channels",
        {"kind": "wecom", "name": "East", "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"},
        content_type="application/json",
    )
    assert r.status_code == 201
    ch = r.json()
    assert ch["webhook_url"] == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…" and ch["has_secret"] is False
    r = client.post(
        f"{API}/channels", {"kind": "wecom", "name": "Bad", "webhook_url": "qyapi"}, content_type="application/json"
    )
    assert r.status_code == 422 and "webhook_url" in r.json()["fields"]
    r = client.patch(f"{API}/channels/{ch['id']}", {"enabled": False}, content_type="application/json")
    assert r.status_code == 200 and r.json()["enabled"] is False
    r = client.post(f"{API}/channels/{ch['id']}/test")
    assert r.status_code == 422  # disabled
    assert client.patch(f"{API}/channels/99999", {"enabled": False}, content_type="application/json").status_code == 404
    assert [c["kind"] for c in client.get(f"{API}/channels").json()] == ["in_app", "email", "wecom"]
    assert client.get(f"{API}/deliveries", {"status": "failed"}).json()["items"] == []
    assert client.get(f"{API}/deliveries", {"status": "nope"}).status_code == 422


@pytest.mark.parametrize("method,path", [("get", "/channels"), ("post", "/channels"), ("get", "/deliveries")])
def test_channels_api_refuses_non_staff(client, org, builtin, method, path):
    client.force_login(org.gm)
    body = {"kind": "wecom", "name": "x", "webhook_url": "https://x.test/h"}
    r = (
        client.post(f"{API}{path}", body, content_type="application/json")
        if method == "post"
        else client.get(f"{API}{path}")
    )
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = client.patch(f"{API}/channels/{builtin['email'].pk}", {"enabled": False}, content_type="application/json")
    assert r.status_code == 403
    assert NotificationChannel.objects.count() == 2 and NotificationChannel.objects.get(kind="email").enabled
