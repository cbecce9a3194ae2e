from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from zhidu.jobs.registry import periodic_job


@periodic_job(
    "notifications.deliveries_retry",
    label=_("Retry notifications that could not be delivered"),
    every=dt.timedelta(minutes=1),
)
def deliveries_retry():
    from .services import deliveries_retry_due

    return deliveries_retry_due()
