"""``zhidu serve``: the web server, the task worker and the scheduler, together.

Why gunicorn in development too: ``make run`` is what a new user runs, and ``runserver``
without its reloader is single-process and warns it is not for real use, while with the
reloader it restarts on every edit and doubles the processes. gunicorn (2 workers × 4
threads) serves the same way in both modes; static files come from whitenoise (through the
finders in development). Developers who want code reloading pass ``--reload``.

Children (see :mod:`zhidu.core.management.supervisor`):

- ``web``: ``gunicorn zhidu.wsgi`` on ``--host``/``--port``
- ``worker``: ``zhidu worker`` from the jobs app (``db_worker``, or ``rqworker`` with
  ``ZHIDU_TASK_BACKEND=rq``), over every queue
- ``scheduler``: ``zhidu scheduler``, when the jobs app provides it

Ctrl-C (or SIGTERM) stops all of them and waits; if one dies the others are stopped and
the command exits non-zero.
"""

from __future__ import annotations

import errno
import socket
import sys
import threading
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation
from django.utils.translation import gettext as _

from zhidu.core.management.supervisor import Child, Supervisor


def worker_argv(*, reload: bool = False) -> list[str] | None:
    """The task worker's command line (the jobs app's ``zhidu worker``, which runs
    ``db_worker`` or ``rqworker`` following ``TASKS``), or ``None`` when the backend runs
    tasks in the web process (the immediate backend) and there is no worker to start."""
    backend = str(settings.TASKS["default"]["BACKEND"])
    if backend.startswith("django.tasks.backends.") or "worker" not in get_commands():
        return None
    return [sys.executable, "-m", "zhidu", "worker", "--queue-name", "*", *(["--reload"] if reload else [])]


def port_in_use(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        # The same option gunicorn sets, so a port in TIME_WAIT counts as free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def pending_migrations() -> int:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def local_url(host: str, port: int) -> str:
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, f"[{host}]" if ":" in host else host)  # noqa: S104
    return f"http://{shown}:{port}"


class Command(BaseCommand):
    help = "Run the web server, the task worker and the scheduler together; Ctrl-C stops them all."
    leave_locale_alone = True
    requires_system_checks = []  # gunicorn's workers run the checks that matter when they import

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2).")
        parser.add_argument("--threads", type=int, default=4, help="Threads per gunicorn worker (default 4).")
        parser.add_argument("--reload", action="store_true", help="Restart web server and worker on code changes.")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the task worker.")
        parser.add_argument("--no-scheduler", action="store_true", help="Do not start the scheduler.")
        parser.add_argument(
            "--log-dir",
            default=str(Path(settings.VAR_DIR) / "log"),
            help="Where each process's log file goes (default var/log).",
        )
        parser.add_argument(
            "--stop-timeout", type=float, default=15.0, help="Seconds to wait for a clean stop (default 15)."
        )

    def handle(self, *args, **opts):
        with translation.override(settings.LANGUAGE_CODE):
            supervisor, url = self.prepare(opts)
        supervisor.install_signal_handlers()
        code, died = self.serve(supervisor, url)
        if died is not None:
            with translation.override(settings.LANGUAGE_CODE):
                raise CommandError(
                    _("%(name)s stopped unexpectedly (exit code %(code)s), so everything was stopped. See %(log)s.")
                    % {"name": died.name, "code": died.process.returncode, "log": died.log_path}
                )
        return None

    def prepare(self, opts) -> tuple[Supervisor, str]:
        host, port = opts["host"], opts["port"]
        if not 0 < port < 65536:
            raise CommandError(_("The port must be between 1 and 65535."))
        if opts["workers"] < 1 or opts["threads"] < 1:
            raise CommandError(_("Workers and threads must be at least 1."))
        if port_in_use(host, port):
            raise CommandError(
                _(
                    "Port %(port)s on %(host)s is already in use. Stop what uses it, or choose another port: make run PORT=8765"
                )
                % {"port": port, "host": host}
            )
        try:
            n = pending_migrations()
        except DatabaseError as exc:
            raise CommandError(
                _("Cannot reach the database (%(error)s). Check DATABASE_URL.") % {"error": str(exc).strip()}
            )
        if n:
            raise CommandError(
                _("%(n)s database migrations are not applied yet. Run “zhidu migrate” first.") % {"n": n}
            )
        if not settings.DEBUG and settings.STORAGES["staticfiles"]["BACKEND"].endswith("ManifestStaticFilesStorage"):
            # Production serves hashed files from STATIC_ROOT: build them before starting.
            call_command("collectstatic", interactive=False, verbosity=0)

        log_dir = Path(opts["log_dir"])
        log_dir.mkdir(parents=True, exist_ok=True)
        python = [sys.executable, "-m"]
        web = [
            *python,
            "gunicorn",
            "zhidu.wsgi:application",
            "--bind",
            f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "--workers",
            str(opts["workers"]),
            "--threads",
            str(opts["threads"]),
            "--graceful-timeout",
            str(max(1, int(opts["stop_timeout"]) - 2)),
            "--access-logfile",
            str(log_dir / "access.log"),
            "--error-logfile",
            "-",
            # gunicorn 27 opens a control socket in ~/.gunicorn by default: one path for
            # every instance on the machine, which two servers (or a test) would fight over.
            "--no-control-socket",
        ]
        # Import the project once in gunicorn's master and fork the workers from it: quicker
        # to start and lighter on memory. Code reloading needs each worker to import afresh.
        web.append("--reload" if opts["reload"] else "--preload")
        children = [Child("web", web)]
        notices = []
        if not opts["no_worker"]:
            argv = worker_argv(reload=opts["reload"])
            if argv is None:
                notices.append(_("No task worker started: this task backend runs tasks in the web process."))
            else:
                children.append(Child("worker", argv))
        if not opts["no_scheduler"]:
            if "scheduler" in get_commands():
                children.append(Child("scheduler", [*python, "zhidu", "scheduler"]))
            else:
                notices.append(_("No scheduler command is installed yet: periodic jobs will not run."))
        url = local_url(host, port)
        self.stdout.write(self.style.SUCCESS(_("Starting Zhidu at %(url)s") % {"url": url}))
        self.stdout.write(
            _("Processes: %(names)s. Logs: this terminal, and %(dir)s (one file per process, plus access.log).")
            % {"names": ", ".join(c.name for c in children), "dir": log_dir}
        )
        for notice in notices:
            self.stdout.write(self.style.WARNING(notice))
        self.stdout.write(_("Press Ctrl-C to stop."))
        self._ready_message = _("Zhidu is ready at %(url)s") % {"url": url}
        self._stopping_message = _("Stopping…")
        self._stopped_message = _("All processes stopped.")
        return Supervisor(children, out=self.stdout, log_dir=log_dir, stop_timeout=opts["stop_timeout"]), url

    def serve(self, supervisor: Supervisor, url: str):
        supervisor.start()
        for child in supervisor.children:
            supervisor.say(_("%(name)s started (pid %(pid)s)") % {"name": child.name, "pid": child.pid})
        threading.Thread(target=self._announce_ready, args=(supervisor, url), daemon=True).start()
        died = supervisor.wait()
        supervisor.say(self._stopping_message)
        supervisor.stop()
        supervisor.say(self._stopped_message)
        return (0, None) if died is None else (1, died)

    def _announce_ready(self, supervisor: Supervisor, url: str, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not supervisor.stop_requested.is_set():
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as resp:  # noqa: S310 - our own http URL
                    if resp.status == 200:
                        supervisor.say(self._ready_message)
                        return
            except OSError:
                pass
            time.sleep(0.3)
