"""``zhidu scheduler``: the loop that runs periodic jobs on time.

Each pass records a ``JobRun(job, slot)`` for every job due and enqueues its task; then it
sleeps until the next slot (at most a minute, so schedule changes are seen). Several
schedulers may run at once (one per app server): the unique ``(job, slot)`` row means
each slot runs once. ``--once`` runs one pass and exits (cron, tests).
"""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections


class Command(BaseCommand):
    help = "Run periodic jobs when they are due (see the jobs page)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one pass, then exit.")
        parser.add_argument("--max-sleep", type=float, default=60.0, help="Longest sleep between passes, in seconds.")

    def handle(self, *args, **options):
        from zhidu.jobs.services import job_runs_schedule, next_wakeup

        self._running = True
        if not options["once"]:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        while True:
            if not options["once"]:
                close_old_connections()  # a long-lived loop drops dead or expired connections
            try:
                runs = job_runs_schedule()
            except Exception as exc:  # keep the loop alive through a database hiccup
                self.stderr.write(f"scheduler pass failed: {type(exc).__name__}: {exc}")
                runs = []
            for run in runs:
                self.stdout.write(f"{run.slot:%Y-%m-%d %H:%M:%S%z} {run.job} queued (run {run.pk})")
            if options["once"] or not self._running:
                break
            try:
                delay = next_wakeup(cap=options["max_sleep"])
            except Exception:
                delay = options["max_sleep"]
            close_old_connections()
            deadline = time.monotonic() + delay
            while self._running and time.monotonic() < deadline:
                time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
            if not self._running:
                break

    def _stop(self, signum, frame):
        self._running = False
