"""Sending one delivery over its channel: e-mail through Django's mail (``MAILERS``), and
the WeCom (企业微信) and DingTalk (钉钉) group robots over their webhooks.

- WeCom: ``POST <webhook>`` with ``{"msgtype": "markdown", "markdown": {"content": …}}``;
  the key in the URL is the only credential (WeCom robots are not signed).
- DingTalk: ``POST <webhook>&timestamp=<ms>&sign=<sign>`` with
  ``{"msgtype": "markdown", "markdown": {"title": …, "text": …}, "at": {"atMobiles": […]}}``,
  where ``sign = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")))``
  (DingTalk's 加签; the timestamp must be within an hour of DingTalk's clock).

Both answer HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``; anything else is a failure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.parse
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from .choices import ChannelKind
from .models import Delivery

TIMEOUT_SECONDS = 5
BODY_LIMIT = 1500  # characters; WeCom refuses markdown over 4096 bytes


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status_code: int | None = None
    error: str = ""


def absolute_url(url: str) -> str:
    """Links in messages read outside the app need the site's address
    (``ZHIDU_SITE_URL``, e.g. ``https://crm.example.com``)."""
    site = getattr(settings, "ZHIDU_SITE_URL", "").rstrip("/")
    if url.startswith("/") and not url.startswith("//") and site:
        return site + url
    return url


def _body(delivery: Delivery) -> str:
    body = delivery.body.strip()
    return body if len(body) <= BODY_LIMIT else body[: BODY_LIMIT - 1] + "…"


def _link(delivery: Delivery) -> str:
    label = _("Open in Zhidu")
    return f"[{label}]({absolute_url(delivery.url)})"


def wecom_payload(delivery: Delivery) -> dict:
    lines = [f"**{delivery.title}**"]
    if delivery.body.strip():
        lines.append(_body(delivery))
    if delivery.url:
        lines.append(_link(delivery))
    return {"msgtype": "markdown", "markdown": {"content": "\n".join(lines)}}


def dingtalk_payload(delivery: Delivery) -> dict:
    parts = [f"#### {delivery.title}"]
    if delivery.body.strip():
        parts.append(_body(delivery))
    if delivery.url:
        parts.append(_link(delivery))
    mentions = [str(m) for m in delivery.mentions or [] if str(m).strip()]
    if mentions:
        # DingTalk only notifies the people whose @mobile also appears in the text.
        parts.append(" ".join(f"@{m}" for m in mentions))
    return {
        "msgtype": "markdown",
        "markdown": {"title": delivery.title, "text": "\n\n".join(parts)},
        "at": {"atMobiles": mentions, "isAtAll": False},
    }


def dingtalk_sign(secret: str, timestamp_ms: int | str) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    ts = timestamp_ms if timestamp_ms is not None else int(round(time.time() * 1000))
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={ts}&sign={dingtalk_sign(secret, ts)}"


def scrub(text: str, url: str) -> str:
    """``text`` without the webhook's query values (WeCom's ``key``, DingTalk's
    ``access_token`` and ``sign``): exception messages quote the URL, and the error is
    stored and shown on the channels page."""
    query = urllib.parse.urlsplit(url).query
    for _name, value in urllib.parse.parse_qsl(query, keep_blank_values=False):
        if len(value) >= 6:
            for form in {value, urllib.parse.quote(value, safe=""), urllib.parse.quote_plus(value)}:
                text = text.replace(form, "…")
    return text


def post_json(url: str, payload: dict) -> SendResult:
    result = _post_json(url, payload)
    if result.error:
        return SendResult(result.ok, result.status_code, scrub(result.error, url))
    return result


def _post_json(url: str, payload: dict) -> SendResult:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    try:
        response = requests.post(
            url,
            data=data,
            headers={"Content-Type": "application/json; charset=utf-8"},
            timeout=TIMEOUT_SECONDS,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return SendResult(False, None, f"{type(exc).__name__}: {exc}"[:1000])
    if response.status_code != 200:
        return SendResult(False, response.status_code, f"HTTP {response.status_code}: {response.text[:500]}")
    try:
        answer = response.json()
    except ValueError:
        return SendResult(False, response.status_code, f"not JSON: {response.text[:500]}")
    errcode = answer.get("errcode", 0) if isinstance(answer, dict) else 0
    if errcode not in (0, "0"):
        return SendResult(False, response.status_code, f"errcode {errcode}: {answer.get('errmsg', '')}"[:1000])
    return SendResult(True, response.status_code)


def send_email(delivery: Delivery) -> SendResult:
    if not delivery.to:
        return SendResult(False, None, "no e-mail address")
    text = delivery.body.strip()
    if delivery.url:
        text = f"{text}\n\n{absolute_url(delivery.url)}".strip()
    message = EmailMessage(subject=" ".join(delivery.title.split()), body=text, to=[delivery.to])
    try:
        message.send()
    except Exception as exc:  # SMTP errors come in many shapes
        return SendResult(False, None, f"{type(exc).__name__}: {exc}"[:1000])
    return SendResult(True)


def send(delivery: Delivery) -> SendResult:
    channel = delivery.channel
    with translation.override(settings.LANGUAGE_CODE):
        if channel.kind == ChannelKind.EMAIL:
            return send_email(delivery)
        if channel.kind == ChannelKind.WECOM:
            return post_json(channel.webhook_url, wecom_payload(delivery))
        if channel.kind == ChannelKind.DINGTALK:
            return post_json(dingtalk_signed_url(channel.webhook_url, channel.secret), dingtalk_payload(delivery))
    return SendResult(False, None, f"channel kind {channel.kind!r} does not deliver messages")
