"""People: the directory list, a person's page with their posts (validity history), and
the admin actions on them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhidu.core.errors import ApplicationError, ValidationError
from zhidu.core.masking import can_view_phone, phone_reveal
from zhidu.core.pagination import paginate

from .. import policies, selectors
from ..filtersets import UserFilterSet
from ..forms import PostAssignForm, PostEndForm, UserCreateForm, UserEditForm
from ..services import post_assign, post_end, user_create, user_deactivate, user_reactivate, user_update
from ._common import form_error, guard, is_htmx, tabler


def _sort_links(current: str) -> dict[str, str]:
    """Each sortable column's next ``ordering`` value: ascending, then descending."""
    return {f: (f"-{f}" if current == f else f) for f in ("username", "full_name", "last_login")}


@guard(policies.can_view_org)
@require_GET
def users(request):
    filterset = UserFilterSet(request.GET or None)
    try:
        qs = selectors.user_list(filters=request.GET)
        error = ""
    except ValidationError as exc:
        qs = selectors.user_list()
        error = str(exc.message)
    page = paginate(qs, request.GET.get("page", 1), per_page=25)
    ctx = {
        "page": page,
        "filter_form": tabler(filterset.form),
        "filter_error": error,
        "can_create": policies.can_create_user(request.user),
        "ordering": request.GET.get("ordering", ""),
        "sort": _sort_links(request.GET.get("ordering", "")),
    }
    template = "org/partials/user_results.html" if is_htmx(request) else "org/users.html"
    return render(request, template, ctx)


def _detail_context(request, person, assign_form=None) -> dict:
    today = timezone.localdate()
    posts = selectors.user_posts(user=person)
    return {
        "person": person,
        "posts": [{"post": p, "current": selectors.post_is_current(p, today)} for p in posts],
        "assign_form": tabler(
            assign_form
            or PostAssignForm(unit_choices=selectors.unit_choices(), initial={"valid_from": today, "is_main": True})
        ),
        "end_form": tabler(PostEndForm(initial={"valid_to": today})),
        "can_manage": policies.can_manage_org(request.user),
        "can_reveal": can_view_phone(request.user, "org.user"),
    }


@guard(policies.can_view_org)
@require_GET
def user_detail(request, pk: int):
    person = selectors.user_get(pk=pk)
    return render(request, "org/user_detail.html", _detail_context(request, person))


@guard(policies.can_create_user)
@require_http_methods(["GET", "POST"])
def user_new(request):
    form = UserCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            person = user_create(
                actor=request.user,
                username=d["username"],
                full_name=d["full_name"],
                email=d["email"],
                phone=d["phone"],
                password=d["password"] or None,
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("%(name)s was added. Now give them a post.") % {"name": person})
            return redirect("org:user_detail", pk=person.pk)
    return render(request, "org/user_form.html", {"form": tabler(form), "person": None})


@guard(policies.can_manage_org)
@require_http_methods(["GET", "POST"])
def user_edit(request, pk: int):
    person = selectors.user_get(pk=pk)
    initial = {
        f: getattr(person, f)
        for f in ("full_name", "email", "phone", "employee_no", "language", "on_leave_until", "capacity", "is_staff")
    }
    form = UserEditForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        can_set_staff=request.user.is_superuser,
    )
    if request.method == "POST" and form.is_valid():
        try:
            user_update(actor=request.user, user=person, **form.cleaned_data)
        except ApplicationError as exc:
            person.refresh_from_db()
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("org:user_detail", pk=person.pk)
    return render(request, "org/user_form.html", {"form": tabler(form), "person": person})


@guard(policies.can_manage_org)
@require_POST
def user_post_assign(request, pk: int):
    person = selectors.user_get(pk=pk)
    form = PostAssignForm(request.POST, unit_choices=selectors.unit_choices())
    if form.is_valid():
        d = form.cleaned_data
        try:
            post_assign(
                actor=request.user,
                user=person,
                unit=d["unit_obj"],
                role=d["role"],
                is_main=d["is_main"],
                valid_from=d["valid_from"],
                data_scope=d["data_scope"],
                scope_units=d["scope_unit_objs"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Post assigned."))
            return redirect("org:user_detail", pk=person.pk)
    return render(request, "org/user_detail.html", _detail_context(request, person, assign_form=form), status=422)


@guard(policies.can_manage_org)
@require_POST
def post_end_view(request, pk: int):
    post = selectors.post_get(pk=pk)
    form = PostEndForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(
                _("Give the post's last day."), fields={k: [str(m) for m in v] for k, v in form.errors.items()}
            )
        post_end(actor=request.user, post=post, valid_to=form.cleaned_data["valid_to"])
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The post ends on %(date)s.") % {"date": post.valid_to})
    return redirect("org:user_detail", pk=post.user_id)


@guard(policies.can_manage_org)
@require_POST
def user_deactivate_view(request, pk: int):
    person = selectors.user_get(pk=pk)
    try:
        user_deactivate(actor=request.user, user=person)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("%(name)s was deactivated; their sessions and API tokens ended.") % {"name": person}
        )
    return redirect("org:user_detail", pk=person.pk)


@guard(policies.can_manage_org)
@require_POST
def user_reactivate_view(request, pk: int):
    person = selectors.user_get(pk=pk)
    user_reactivate(actor=request.user, user=person)
    messages.success(request, _("%(name)s was reactivated.") % {"name": person})
    return redirect("org:user_detail", pk=person.pk)


@guard(policies.can_view_org)
@require_POST
def user_phone(request, pk: int):
    """The "show" button next to a masked number: the full number, logged."""
    person = selectors.user_get(pk=pk)
    value = phone_reveal(user=request.user, obj=person, field="phone")
    return HttpResponse(format_html('<span class="font-monospace">{}</span>', value))
