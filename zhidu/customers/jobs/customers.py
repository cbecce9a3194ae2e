"""Jobs on customer records."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from zhidu.jobs.registry import periodic_job


@periodic_job(
    "customers.recycle_bin_purge",
    label=_("Delete customers that have been in the recycle bin for 30 days"),
    cron="20 3 * * *",
)
def recycle_bin_purge(*, slot=None):
    from ..services.customers import customer_recycle_bin_purge_expired

    return customer_recycle_bin_purge_expired(now=slot)
