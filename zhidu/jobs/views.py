from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zhidu.core.errors import ApplicationError, NotFound
from zhidu.core.pagination import paginate
from zhidu.core.sessions import session_passive

from . import selectors, services
from .filtersets import JobRunFilterSet, TaskResultFilterSet


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_staff):
            raise DjangoPermissionDenied(_("Only administrators can see the jobs."))
        return view(request, *args, **kwargs)

    return wrapper


def _querystring(request, drop=("page",)) -> str:
    q = request.GET.copy()
    for k in drop:
        q.pop(k, None)
    return q.urlencode()


@require_GET
@staff_required
def job_list(request):
    return render(
        request,
        "jobs/job_list.html",
        {
            "jobs": selectors.job_overview_list(user=request.user),
            "failures": selectors.job_run_failures(user=request.user, limit=10),
            "unknown_keys": selectors.schedule_policy_unknown_keys(),
            "task_results_available": selectors.task_results_available(),
        },
    )


@require_GET
@staff_required
def job_detail(request, key: str):
    try:
        job = services.job_get(key)
    except NotFound:
        raise Http404
    overview = selectors.job_overview_list(user=request.user, keys=[job.key])[0]
    fs = JobRunFilterSet(request.GET or None, queryset=selectors.job_run_list(user=request.user, job=job.key))
    qs = fs.qs if fs.is_bound and fs.is_valid() else selectors.job_run_list(user=request.user, job=job.key)
    page = paginate(qs, request.GET.get("page"), per_page=25)
    return render(
        request,
        "jobs/job_detail.html",
        {"job": overview, "filter": fs, "page": page, "querystring": _querystring(request)},
    )


@require_POST
@staff_required
def job_run_now(request, key: str):
    try:
        run = services.job_run_request(actor=request.user, key=key)
    except NotFound:
        raise Http404
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The job is queued (run %(id)s).") % {"id": run.pk})
    target = request.POST.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = reverse("jobs:detail", args=[key])
    return redirect(target)


@require_GET
@staff_required
def task_result_list(request):
    base = selectors.task_result_list(user=request.user)
    page = fs = None
    if base is not None:
        fs = TaskResultFilterSet(request.GET or None, queryset=base)
        qs = fs.qs if fs.is_bound and fs.is_valid() else base
        page = paginate(
            qs.only(
                "id",
                "status",
                "task_path",
                "enqueued_at",
                "started_at",
                "finished_at",
                "worker_ids",
                "exception_class_path",
                "traceback",
                "queue_name",
            ),
            request.GET.get("page"),
            per_page=50,
        )
    return render(
        request,
        "jobs/task_result_list.html",
        {
            "filter": fs,
            "page": page,
            "querystring": _querystring(request),
            "task_results_available": selectors.task_results_available(),
        },
    )


@session_passive
@require_GET
@login_required
def progress_detail(request, pk: int):
    try:
        progress = selectors.progress_get(user=request.user, pk=pk)
    except NotFound:
        raise Http404
    if request.headers.get("HX-Request") == "true":
        return render(request, "jobs/partials/progress.html", {"progress": progress})
    return render(request, "jobs/progress.html", {"progress": progress})
