"""Jobs of the public pool: recycling idle customers (02:00) and warning their owners
ahead (08:30, working hours). Each calls one service and holds no rules."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from zhidu.jobs.registry import periodic_job


@periodic_job("customers.pool_recycle", label=_("Recycle idle customers to the public pool"), cron="0 2 * * *")
def pool_recycle(*, slot=None):
    from ..services.pool import pool_recycle_run

    report = pool_recycle_run(now=slot)
    return {"rows": report.count, "batches": report.batches}


@periodic_job(
    "customers.pool_recycle_warn",
    label=_("Warn owners of customers about to be recycled"),
    cron="30 8 * * *",
)
def pool_recycle_warn(*, slot=None):
    from ..services.pool import pool_recycle_warn as warn

    return {"rows": len(warn(now=slot))}
