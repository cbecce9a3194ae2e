from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from zhidu.notifications.models import NotificationChannel
from zhidu.notifications.registry import register_event, unregister_event

OK = (200, {"errcode": 0, "errmsg": "ok"})


class Recorder:
    """What the fake robot endpoint received, and what it should answer next."""

    def __init__(self):
        self.requests: list[dict] = []
        self.responses: list[tuple[int, object]] = []
        self.always: tuple[int, object] | None = None
        self.url = ""

    def json(self, i: int = -1) -> dict:
        return json.loads(self.requests[i]["body"].decode("utf-8"))


@pytest.fixture
def webhook_server():
    rec = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            rec.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
            status, payload = rec.always or (rec.responses.pop(0) if rec.responses else OK)
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    rec.url = f"http://127.0.0.1:{server.server_port}"
    yield rec
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def event():
    """``t.assigned``: in-app and e-mail by default; ``t.robot``: in-app and both robots."""
    register_event("t.assigned", "A customer was assigned to you", default_channels=["in_app", "email"])
    register_event("t.robot", "A deal was won", default_channels=["in_app", "wecom", "dingtalk"])
    yield "t.assigned"
    unregister_event("t.assigned")
    unregister_event("t.robot")


@pytest.fixture
def builtin(db):
    return {c.kind: c for c in NotificationChannel.objects.filter(kind__in=["in_app", "email"])}


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"
    settings.ZHIDU_SITE_URL = "https://crm.example.com"
