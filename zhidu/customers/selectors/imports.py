"""Reads of imports and of the export log."""

from __future__ import annotations

from django.db.models import QuerySet

from zhidu.core.errors import NotFound

from ..models import ExportLog, ImportJob


def import_list(*, user) -> QuerySet[ImportJob]:
    """A person's own imports; administrators see everyone's."""
    qs = ImportJob.objects.all() if user.is_superuser else ImportJob.objects.filter(created_by=user)
    return qs.select_related("created_by").order_by("-created_at", "-id")


def import_get(*, user, pk: int) -> ImportJob:
    job = import_list(user=user).filter(pk=pk).first()
    if job is None:
        raise NotFound()
    return job


def export_list(*, user) -> QuerySet[ExportLog]:
    """A person's exports, prints and export requests; administrators see everyone's."""
    qs = ExportLog.objects.all() if user.is_superuser else ExportLog.objects.filter(user=user)
    return qs.select_related("user").order_by("-at", "-id")
