import datetime as dt

import pytest
from django.utils import timezone

from zhidu.audit.models import AccessLog, AuditEvent
from zhidu.audit.services import MIN_RETENTION_DAYS, access_log, access_log_purge, retention_days
from zhidu.core.errors import ValidationError


def _row(days_ago: int) -> AccessLog:
    row = access_log(event="login", username=f"u{days_ago}")
    AccessLog.objects.filter(pk=row.pk).update(at=timezone.now() - dt.timedelta(days=days_ago))
    return row


def test_retention_is_at_least_six_months(settings):
    settings.ZHIDU_ACCESS_LOG_RETENTION_DAYS = 30  # a misconfiguration cannot shorten the law
    assert retention_days() == MIN_RETENTION_DAYS >= 182
    settings.ZHIDU_ACCESS_LOG_RETENTION_DAYS = 400
    assert retention_days() == 400


@pytest.mark.parametrize("days", [0, 30, 182, "abc", None])
def test_purge_refuses_younger_than_retention(db, settings, days):
    settings.ZHIDU_ACCESS_LOG_RETENTION_DAYS = 200
    _row(1)
    _row(199)
    _row(500)
    with pytest.raises(ValidationError):
        access_log_purge(older_than_days=days)
    assert AccessLog.objects.count() == 3


def test_purge_deletes_only_older_rows_and_is_audited(db, settings):
    settings.ZHIDU_ACCESS_LOG_RETENTION_DAYS = 200
    keep = [_row(1), _row(199), _row(201)]
    _row(400)
    _row(800)
    assert access_log_purge(older_than_days=365) == 2
    assert set(AccessLog.objects.values_list("pk", flat=True)) == {r.pk for r in keep}
    ev = AuditEvent.objects.get(action="access_log.purge")
    assert ev.changes["deleted"] == 2
    assert access_log_purge(older_than_days=365) == 0  # idempotent
    assert AuditEvent.objects.filter(action="access_log.purge").count() == 1
