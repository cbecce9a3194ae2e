"""Each channel reaching a local endpoint that records what it receives."""

import base64
import datetime as dt
import hashlib
import hmac
import time
import urllib.parse

import pytest
from django.core import mail
from django.utils import timezone

from zhidu.jobs.tests.conftest import drain_db_tasks
from zhidu.notifications.channels import dingtalk_sign, dingtalk_signed_url
from zhidu.notifications.choices import DeliveryStatus
from zhidu.notifications.models import Delivery, Notification, NotificationChannel
from zhidu.notifications.services import deliveries_retry_due, delivery_send, notify


def _robot(kind, url, secret="", name=None):
    return NotificationChannel.objects.create(kind=kind, name=name or kind, webhook_url=url, secret=secret)


def test_email_through_django_mail(org, event, builtin, english, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify(
            recipients=[org.rep_a1, org.rep_a2],
            event="t.assigned",
            title="华为技术有限公司 is yours",
            body="Assigned by the allocation rule.",
            url="/customers/7/",
        )
    assert [n.recipient_id for n in rows] == [org.rep_a1.pk, org.rep_a2.pk]
    assert drain_db_tasks() == 2
    assert sorted((m.to[0], m.subject, m.body) for m in mail.outbox) == [
        (
            "rep_a1@example.com",
            "华为技术有限公司 is yours",
            "Assigned by the allocation rule.\n\nhttps://crm.example.com/customers/7/",
        ),
        (
            "rep_a2@example.com",
            "华为技术有限公司 is yours",
            "Assigned by the allocation rule.\n\nhttps://crm.example.com/customers/7/",
        ),
    ]
    assert set(Delivery.objects.values_list("status", "attempts", "to")) == {
        (DeliveryStatus.SENT, 1, "rep_a1@example.com"),
        (DeliveryStatus.SENT, 1, "rep_a2@example.com"),
    }


def test_wecom_robot_gets_markdown(org, event, english, webhook_server):
    channel = _robot("wecom", f"{webhook_server.url}/cgi-bin/webhook/send?key=k-123")
    notify(recipients=[org.rep_a1], event="t.robot", title="Deal won: 华为", body="¥120,000 signed", url="/deals/3/")
    (delivery,) = Delivery.objects.filter(channel=channel)
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SENT
    (req,) = webhook_server.requests
    assert req["path"] == "/cgi-bin/webhook/send?key=k-123"
    assert req["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert webhook_server.json() == {
        "msgtype": "markdown",
        "markdown": {
            "content": "**Deal won: 华为**\n¥120,000 signed\n[Open in Zhidu](https://crm.example.com/deals/3/)"
        },
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempts, delivery.error) == ("sent", 200, 1, "")
    assert delivery.sent_at is not None


def test_dingtalk_robot_is_signed_and_mentions_people(org, event, english, webhook_server):
    org.rep_a1.phone = "13800000001"
    org.rep_a1.save(update_fields=["phone"])
    secret = "SEC0123456789abcdef"
    channel = _robot("dingtalk", f"{webhook_server.url}/robot/send?access_token=tok", secret=secret)
    notify(recipients=[org.rep_a1, org.rep_a2], event="t.robot", title="Deal won", body="Well done", url="/deals/3/")
    (delivery,) = Delivery.objects.filter(channel=channel)  # one post for the group, not one per person
    before = int(time.time() * 1000)
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.SENT
    after = int(time.time() * 1000)
    (req,) = webhook_server.requests
    path, _, query = req["path"].partition("?")
    assert path == "/robot/send"
    params = dict(urllib.parse.parse_qsl(query))
    assert params["access_token"] == "tok"
    ts = int(params["timestamp"])
    assert before <= ts <= after
    # Verify the signature the way DingTalk does.
    expected = hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    assert base64.b64decode(params["sign"]) == expected
    assert webhook_server.json() == {
        "msgtype": "markdown",
        "markdown": {
            "title": "Deal won",
            "text": "#### Deal won\n\nWell done\n\n[Open in Zhidu](https://crm.example.com/deals/3/)\n\n@13800000001",
        },
        "at": {"atMobiles": ["13800000001"], "isAtAll": False},
    }


def test_dingtalk_sign_matches_the_documented_algorithm():
    secret, ts = "this is secret", 1577808000000
    sign = dingtalk_sign(secret, ts)
    digest = hmac.new(secret.encode(), f"{ts}\nthis is secret".encode(), hashlib.sha256).digest()
    assert sign == urllib.parse.quote_plus(base64.b64encode(digest).decode())
    assert "+" not in sign and "/" not in sign and "=" not in sign  # url-encoded
    assert dingtalk_signed_url("https://oapi.dingtalk.com/robot/send?access_token=x", secret, ts) == (
        f"https://oapi.dingtalk.com/robot/send?access_token=x&timestamp={ts}&sign={sign}"
    )
    assert dingtalk_signed_url("https://example.com/hook", "", ts) == "https://example.com/hook"


def test_failing_webhook_is_recorded_and_retried(org, event, english, webhook_server):
    channel = _robot("wecom", f"{webhook_server.url}/hook?key=x")
    webhook_server.responses = [(500, {"errmsg": "upstream down"})]
    notify(recipients=[org.rep_a1], event="t.robot", title="Deal won")
    (delivery,) = Delivery.objects.filter(channel=channel)
    now = timezone.now()
    assert delivery_send(delivery_id=delivery.pk, now=now) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("retrying", 500, 1)
    assert delivery.error.startswith("HTTP 500:") and "upstream down" in delivery.error
    assert delivery.next_attempt_at == now + dt.timedelta(minutes=1)
    # Not due yet: nothing is sent.
    assert deliveries_retry_due(now=now + dt.timedelta(seconds=30)) == 0
    assert len(webhook_server.requests) == 1
    # Due: the retry job sends it.
    assert deliveries_retry_due(now=now + dt.timedelta(minutes=2)) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code, delivery.error) == ("sent", 2, 200, "")
    assert len(webhook_server.requests) == 2


def test_robot_error_code_with_http_200_is_a_failure(org, event, english, webhook_server):
    channel = _robot("dingtalk", f"{webhook_server.url}/robot/send?access_token=t", secret="SECx")
    webhook_server.responses = [(200, {"errcode": 310000, "errmsg": "sign not match"})]
    notify(recipients=[org.rep_a1], event="t.robot", title="Deal won")
    (delivery,) = Delivery.objects.filter(channel=channel)
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.error == "errcode 310000: sign not match"


def test_a_delivery_fails_for_good_after_its_attempts(org, event, english, webhook_server):
    channel = _robot("wecom", f"{webhook_server.url}/hook?key=x")
    webhook_server.always = (502, b"bad gateway")
    notify(recipients=[org.rep_a1], event="t.robot", title="Deal won")
    (delivery,) = Delivery.objects.filter(channel=channel)
    now = timezone.now()
    results = [delivery_send(delivery_id=delivery.pk, now=now)]
    for minutes in (2, 5, 10):
        now += dt.timedelta(minutes=minutes)
        deliveries_retry_due(now=now)
        delivery.refresh_from_db()
        results.append(delivery.status)
    assert results == ["retrying", "retrying", "retrying", "failed"]
    assert (delivery.attempts, delivery.response_code) == (4, 502)
    assert deliveries_retry_due(now=now + dt.timedelta(days=1)) == 0
    assert len(webhook_server.requests) == 4


def test_unreachable_webhook_is_recorded(org, event, english):
    channel = _robot("wecom", "http://127.0.0.1:9/hook?key=x")  # discard port: refused
    notify(recipients=[org.rep_a1], event="t.robot", title="Deal won")
    (delivery,) = Delivery.objects.filter(channel=channel)
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.RETRYING
    delivery.refresh_from_db()
    assert delivery.response_code is None and "ConnectionError" in delivery.error


def test_a_sent_delivery_is_never_sent_twice(org, event, english, webhook_server):
    _robot("wecom", f"{webhook_server.url}/hook?key=x")
    notify(recipients=[org.rep_a1], event="t.robot", title="Deal won")
    delivery = Delivery.objects.get(channel__kind="wecom")
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    assert len(webhook_server.requests) == 1


def test_channel_disabled_after_queueing_sends_nothing(org, event, english, webhook_server):
    channel = _robot("wecom", f"{webhook_server.url}/hook?key=x")
    notify(recipients=[org.rep_a1], event="t.robot", title="Deal won")
    NotificationChannel.objects.filter(pk=channel.pk).update(enabled=False)
    delivery = Delivery.objects.get(channel=channel)
    assert delivery_send(delivery_id=delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert delivery.error == "The channel is disabled."
    assert webhook_server.requests == []


def test_stuck_sending_delivery_is_picked_up_again(org, event, english, webhook_server):
    _robot("wecom", f"{webhook_server.url}/hook?key=x")
    notify(recipients=[org.rep_a1], event="t.robot", title="Deal won")
    delivery = Delivery.objects.get(channel__kind="wecom")
    long_ago = timezone.now() - dt.timedelta(hours=1)
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", attempts=1, last_attempt_at=long_ago)
    assert deliveries_retry_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)


@pytest.mark.django_db(transaction=True)
def test_notify_inside_a_rolled_back_transaction_sends_nothing(webhook_server, event, english):
    from django.db import transaction

    from zhidu.org.tests.factories import UserFactory

    user = UserFactory(username="solo", phone="13900000000")
    for kind in ("in_app", "email"):  # a transactional test may follow one that flushed them
        NotificationChannel.objects.get_or_create(kind=kind, defaults={"name": kind})
    NotificationChannel.objects.create(kind="wecom", name="robot", webhook_url=f"{webhook_server.url}/hook?key=x")
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(recipients=[user], event="t.assigned", title="Assigned")
        notify(recipients=[user], event="t.robot", title="Won")
        assert Notification.objects.count() == 2
        raise RuntimeError("the customer could not be saved")
    assert Notification.objects.count() == 0
    assert Delivery.objects.count() == 0
    assert drain_db_tasks() == 0
    assert webhook_server.requests == [] and mail.outbox == []
    # And the same calls, committed, do reach the channels.
    with transaction.atomic():
        notify(recipients=[user], event="t.assigned", title="Assigned")
        notify(recipients=[user], event="t.robot", title="Won")
    assert drain_db_tasks() == 2
    assert len(webhook_server.requests) == 1 and len(mail.outbox) == 1
