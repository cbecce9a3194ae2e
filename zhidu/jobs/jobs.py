"""The platform's own periodic jobs: the reaper, pruning, and the access-log purge."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from .registry import periodic_job


@periodic_job("jobs.reap", label=_("Reset tasks left running by a stopped worker"), every=dt.timedelta(minutes=5))
def reap():
    from .services import job_runs_reap, task_results_reap

    tasks = task_results_reap()
    runs = job_runs_reap()
    return {"rows": tasks["reset"] + tasks["failed"] + runs, **tasks, "job_runs": runs}


@periodic_job("jobs.prune", label=_("Delete old task results and job runs"), cron="40 3 * * *")
def prune():
    from .services import jobs_prune

    counts = jobs_prune()
    return {"rows": sum(counts.values()), **counts}


def _audit_services():
    """``zhidu.audit.services`` if it offers the purge (it is added by the audit app)."""
    from zhidu.audit import services

    return services if hasattr(services, "access_log_purge") else None


if _audit_services() is not None:

    @periodic_job(
        "audit.access_log_purge",
        label=_("Delete access-log entries past their retention (at least six months)"),
        cron="20 3 * * *",
    )
    def access_log_purge():
        """网络安全法 §21: access logs are kept at least six months; older rows go daily."""
        services = _audit_services()
        days = services.retention_days() if hasattr(services, "retention_days") else 200
        return services.access_log_purge(older_than_days=days)
