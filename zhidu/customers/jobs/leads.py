"""Jobs of leads: reassigning leads nobody worked by their first-response deadline (every
15 minutes) and recording the fairness figures of closed weeks and months (01:30). Each
calls one service and holds no rules."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from zhidu.jobs.registry import periodic_job


@periodic_job(
    "customers.lead_reassign",
    label=_("Reassign leads not worked by their first-response deadline"),
    every=dt.timedelta(minutes=15),
)
def lead_reassign(*, slot=None):
    from ..services.allocation import lead_reassign_overdue

    report = lead_reassign_overdue(now=slot)
    return {"rows": report.reassigned + report.returned, "examined": report.examined, "errors": report.errors}


@periodic_job(
    "customers.fairness_snapshot",
    label=_("Record the lead fairness figures of the last week and month"),
    cron="30 1 * * *",
)
def fairness_snapshot(*, slot=None):
    from ..services.allocation import fairness_snapshot_closed

    return {"rows": fairness_snapshot_closed(now=slot)}
