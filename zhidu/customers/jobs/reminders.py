"""Reminders: each morning (08:00) the next steps falling due today, told to whoever holds
the customer or lead now. Calls one service and holds no rules."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from zhidu.jobs.registry import periodic_job


@periodic_job(
    "customers.follow_up_due_remind",
    label=_("Remind people of the follow-ups due today"),
    cron="0 8 * * *",
)
def follow_up_due_remind(*, slot=None):
    from ..services.activities import follow_up_due_remind as remind

    told = remind(now=slot)
    return {"rows": sum(told.values()), "people": len(told)}
