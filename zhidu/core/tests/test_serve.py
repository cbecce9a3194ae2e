"""``zhidu serve`` and its supervisor: children start, stop together on a signal, and one
dying stops the rest. The end-to-end test runs the real command on a free port with its
own SQLite database."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from zhidu.core.management.commands.serve import worker_argv
from zhidu.core.management.supervisor import Child, Supervisor

ROOT = Path(__file__).resolve().parents[3]
SLEEP = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]


def alive(pid: int) -> bool:
    """Running, and not a zombie waiting for a parent that never reaps it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_child_that_dies_stops_the_others_and_fails(tmp_path):
    out = io.StringIO()
    dies = [sys.executable, "-c", "import sys, time; time.sleep(0.5); print('bye'); sys.exit(3)"]
    sup = Supervisor([Child("a", SLEEP), Child("b", dies)], out=out, log_dir=tmp_path, stop_timeout=5)
    started = time.monotonic()
    code, died = sup.run()
    assert code == 1 and died.name == "b" and died.process.returncode == 3
    a = sup.children[0]
    assert a.process.returncode == -signal.SIGTERM and not alive(a.pid)
    assert time.monotonic() - started < 5
    assert "b | bye" in out.getvalue() and "a | up" in out.getvalue()
    assert (tmp_path / "b.log").read_text() == "bye\n"


def test_stop_request_stops_everyone_and_kills_who_ignores_it(tmp_path):
    stubborn = [
        sys.executable,
        "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)",
    ]
    sup = Supervisor([Child("polite", SLEEP), Child("stubborn", stubborn)], out=io.StringIO(), stop_timeout=1.5)
    threading.Timer(1.0, sup.stop_requested.set).start()
    code, died = sup.run()
    assert (code, died) == (0, None)
    polite, stub = sup.children
    assert polite.process.returncode == -signal.SIGTERM
    assert stub.process.returncode == -signal.SIGKILL
    assert not alive(polite.pid) and not alive(stub.pid)


def test_worker_follows_the_task_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert worker_argv()[1:] == ["-m", "zhidu", "worker", "--queue-name", "*"]
    assert worker_argv(reload=True)[-1] == "--reload"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    assert worker_argv()[3] == "worker"
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    assert worker_argv() is None


def test_a_busy_port_is_refused_before_anything_starts(settings):
    settings.LANGUAGE_CODE = "en"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(CommandError, match=f"Port {port} on 127.0.0.1 is already in use"):
            call_command("serve", "--port", str(port), stdout=io.StringIO())


@pytest.fixture
def migrated_sqlite_copy(db, django_db_blocker, tmp_path):
    """A copy of the (migrated, empty) SQLite test database: migrating a fresh one takes
    longer than the whole test. The supervisor does not depend on the database engine, so
    the PostgreSQL run leaves this test to the SQLite run."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("runs on the SQLite pass of the suite")
    with django_db_blocker.unblock():
        src = sqlite3.connect(connection.settings_dict["NAME"])
        dst = sqlite3.connect(tmp_path / "zhidu.sqlite3")
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
    return tmp_path / "zhidu.sqlite3"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_serve_starts_web_worker_and_scheduler_and_ctrl_c_stops_them_all(migrated_sqlite_copy, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{migrated_sqlite_copy}",
        "ZHIDU_VAR_DIR": str(tmp_path),
        "ZHIDU_TASK_BACKEND": "db",
        "ZHIDU_ENV": "dev",
        "ZHIDU_LANGUAGE": "en",
        "PYTHONUNBUFFERED": "1",
    }
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "zhidu", "serve", "--port", str(port), "--stop-timeout", "8"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 60  # generous: the suite may run beside other work
        healthy = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    healthy = resp.status == 200 and b'"ok"' in resp.read()
            except OSError:
                time.sleep(0.3)
                continue
            if healthy:
                break
        assert healthy, "".join(lines)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0, "".join(lines)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(timeout=5)
    text = "".join(lines)
    assert f"Starting Zhidu at http://127.0.0.1:{port}" in text
    assert "All processes stopped." in text
    pids = [int(p) for p in re.findall(r"started \(pid (\d+)\)", text)]
    pids += [int(p) for p in re.findall(r"Booting worker with pid: (\d+)", text)]
    names = re.findall(r"^(\w+) started \(pid", text, flags=re.M)
    assert names[:2] == ["web", "worker"], text
    assert len(pids) >= len(names) + 2, text  # the children plus gunicorn's two workers
    assert not [p for p in pids if alive(p)], text
    assert (tmp_path / "log" / "web.log").exists()
