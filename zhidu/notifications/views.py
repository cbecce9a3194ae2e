from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhidu.core.errors import ApplicationError, NotFound
from zhidu.core.pagination import paginate
from zhidu.core.sessions import session_passive

from . import selectors, services
from .filtersets import DeliveryFilterSet, NotificationFilterSet
from .forms import ChannelForm
from .models import NotificationChannel


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not (request.user.is_active and request.user.is_staff):
            raise DjangoPermissionDenied(_("Only administrators can configure notification channels."))
        return view(request, *args, **kwargs)

    return wrapper


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _querystring(request) -> str:
    q = request.GET.copy()
    q.pop("page", None)
    return q.urlencode()


@require_GET
@login_required
def notification_list(request):
    base = selectors.notification_list(user=request.user)
    fs = NotificationFilterSet(request.GET or None, queryset=base)
    qs = fs.qs if fs.is_bound and fs.is_valid() else base
    page = paginate(qs, request.GET.get("page"), per_page=25)
    context = {
        "page": page,
        "filter": fs,
        "querystring": _querystring(request),
        "unread_only": request.GET.get("unread") in ("true", "1", "on"),
    }
    return render(request, "notifications/notification_list.html", context)


@require_GET
@login_required
def notification_open(request, pk: int):
    """Follow a notification's link, marking it read."""
    try:
        notification = services.notification_mark_read(actor=request.user, notification_id=pk)
    except NotFound:
        raise Http404
    target = notification.url
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect("notifications:list")
    return redirect(target)


@require_POST
@login_required
def notification_read(request, pk: int):
    try:
        notification = services.notification_mark_read(actor=request.user, notification_id=pk)
    except NotFound:
        raise Http404
    if _is_htmx(request):
        response = render(request, "notifications/partials/notification_row.html", {"n": notification})
        response["HX-Trigger"] = "notifications-changed"
        return response
    return redirect("notifications:list")


@require_POST
@login_required
def notifications_read_all(request):
    n = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, _("%(n)s notifications marked read.") % {"n": n})
    return redirect("notifications:list")


@session_passive
@require_GET
@login_required
def badge(request):
    """The bell's count, for ``hx-get`` polling from the top bar."""
    return render(
        request,
        "notifications/partials/badge.html",
        {"notifications_unread": selectors.unread_count(user=request.user)},
    )


@require_http_methods(["GET", "POST"])
@login_required
def preferences(request):
    channels, rows = selectors.preference_matrix(user=request.user)
    if request.method == "POST":
        items = [
            (row.event.key, cell["channel"].pk, f"pref:{row.event.key}:{cell['channel'].pk}" in request.POST)
            for row in rows
            for cell in row.cells
        ]
        try:
            services.preferences_set(actor=request.user, items=items)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"channels": channels, "rows": rows})


# --- administrators -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def channel_list(request):
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.channel_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The channel is added."))
            return redirect("notifications:channels")
    channels = list(selectors.channel_list(user=request.user))
    base = selectors.delivery_list(user=request.user)
    fs = DeliveryFilterSet(request.GET or None, queryset=base)
    qs = fs.qs if fs.is_bound and fs.is_valid() else base
    page = paginate(qs, request.GET.get("page"), per_page=25)
    return render(
        request,
        "notifications/channel_list.html",
        {"channels": channels, "form": form, "page": page, "filter": fs, "querystring": _querystring(request)},
        status=422 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_required
def channel_edit(request, pk: int):
    channel = get_object_or_404(NotificationChannel, pk=pk)
    # Neither the webhook URL nor the secret is put back into the form (ChannelForm).
    initial = {"name": channel.name, "enabled": channel.enabled}
    form = ChannelForm(request.POST or None, channel=channel, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.channel_update(actor=request.user, channel=channel, **form.update_fields())
        except ApplicationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The channel is saved."))
            return redirect("notifications:channels")
    return render(
        request,
        "notifications/channel_edit.html",
        {"channel": channel, "form": form},
        status=422 if request.method == "POST" else 200,
    )


@require_POST
@staff_required
def channel_test(request, pk: int):
    channel = get_object_or_404(NotificationChannel, pk=pk)
    try:
        services.channel_test(actor=request.user, channel=channel)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("A test message is on its way; see the deliveries below."))
    return redirect("notifications:channels")
