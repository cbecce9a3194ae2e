from __future__ import annotations

import django_filters
from django.tasks import TaskResultStatus
from django.utils.translation import gettext_lazy as _

from .choices import RunStatus, RunTrigger
from .models import JobRun


class JobRunFilterSet(django_filters.FilterSet):
    job = django_filters.CharFilter(label=_("Job"), field_name="job")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=RunStatus.choices)
    trigger = django_filters.ChoiceFilter(label=_("Trigger"), choices=RunTrigger.choices)

    class Meta:
        model = JobRun
        fields = ["job", "status", "trigger"]


class TaskResultFilterSet(django_filters.FilterSet):
    """Filters over django-tasks-db's ``DBTaskResult`` (no model binding: the app may be
    absent under the RQ backend)."""

    status = django_filters.ChoiceFilter(label=_("Status"), choices=TaskResultStatus.choices)
    task = django_filters.CharFilter(label=_("Task"), field_name="task_path", lookup_expr="icontains")
