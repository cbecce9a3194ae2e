"""``zhidu worker``: run the task worker of the configured backend.

- database backend (default, ``django_tasks_db``): ``db_worker``;
- RQ backend (``ZHIDU_TASK_BACKEND=rq``): django-rq's ``rqworker`` with the job class
  django-tasks-rq needs and RQ's scheduler for deferred tasks.

``--batch`` runs what is queued and exits (RQ: burst mode), handy in scripts and tests.
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME, task_backends


class Command(BaseCommand):
    help = "Run the background task worker (database or RQ, following TASKS)."

    def add_arguments(self, parser):
        parser.add_argument("--backend", default=DEFAULT_TASK_BACKEND_ALIAS, help="TASKS alias (default: %(default)s)")
        parser.add_argument(
            "--queue-name",
            default=DEFAULT_TASK_QUEUE_NAME,
            help="Queues to work on, comma separated (database backend: '*' for all; default: %(default)s)",
        )
        parser.add_argument("--batch", action="store_true", help="Run the queued tasks, then exit.")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after this many tasks.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls (database backend).")
        parser.add_argument("--reload", action="store_true", help="Restart on code changes (development only).")
        parser.add_argument("--worker-id", default=None, help="Unique worker id/name (default: generated).")
        parser.add_argument("--simple", action="store_true", help="RQ: run jobs in this process, without forking.")

    def handle(self, *args, **options):
        alias = options["backend"]
        try:
            backend = task_backends[alias]
        except Exception as exc:
            raise CommandError(str(exc)) from exc
        path = f"{type(backend).__module__}.{type(backend).__qualname__}"
        verbosity = options["verbosity"]
        if path.startswith("django_tasks_db."):
            kwargs = {
                "backend_name": alias,
                "queue_name": options["queue_name"],
                "interval": options["interval"],
                "batch": options["batch"],
                "reload": options["reload"],
                "max_tasks": options["max_tasks"],
                "startup_delay": not options["batch"],
                "verbosity": verbosity,
            }
            if options["worker_id"]:
                kwargs["worker_id"] = options["worker_id"]
            call_command("db_worker", **kwargs)
        elif path.startswith("django_tasks_rq."):
            queues = [q for q in options["queue_name"].split(",") if q and q != "*"] or sorted(backend.queues)
            kwargs = {
                "job_class": "django_tasks_rq.backend.Job",
                "burst": options["batch"],
                "with_scheduler": not options["batch"],
                "max_jobs": options["max_tasks"],
                "name": options["worker_id"],
                "verbosity": verbosity,
            }
            if options["simple"]:
                kwargs["worker_class"] = "rq.worker.SimpleWorker"
            call_command("rqworker", *queues, **kwargs)
        elif path.startswith("django.tasks.backends.immediate"):
            self.stdout.write("Tasks run immediately in the web process (ZHIDU_TASK_BACKEND=immediate): no worker.")
        else:
            raise CommandError(f"No worker for the task backend {path}.")
