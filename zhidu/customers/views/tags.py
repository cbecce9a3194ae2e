"""Tag administration: groups and tags (admin-managed)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from zhidu.core.errors import ApplicationError
from zhidu.org.choices import Action
from zhidu.org.permissions import has_perm
from zhidu.org.views._common import form_error, guard, tabler

from ..forms.customers import TagForm, TagGroupForm
from ..models import Tag, TagGroup
from ..services import tags as svc

OT = "customers.tag"


def _can_manage(user) -> bool:
    return has_perm(user, OT, Action.EDIT)


@guard(_can_manage)
@require_http_methods(["GET", "POST"])
def tag_admin(request):
    group_form = TagGroupForm(request.POST if request.POST.get("form") == "group" else None, prefix="g")
    tag_form = TagForm(request.POST if request.POST.get("form") == "tag" else None, prefix="t")
    tag_form.fields["group"].queryset = TagGroup.objects.filter(is_active=True)
    if request.method == "POST":
        try:
            if request.POST.get("form") == "group" and group_form.is_valid():
                d = group_form.cleaned_data
                svc.tag_group_create(
                    actor=request.user, name=d["name"], exclusive=d["exclusive"], sort_order=d["sort_order"] or 0
                )
                messages.success(request, _("Tag group added."))
                return redirect("customers:tag_admin")
            if request.POST.get("form") == "tag" and tag_form.is_valid():
                d = tag_form.cleaned_data
                svc.tag_create(
                    actor=request.user,
                    group=d["group"],
                    name=d["name"],
                    color=d["color"],
                    sort_order=d["sort_order"] or 0,
                )
                messages.success(request, _("Tag added."))
                return redirect("customers:tag_admin")
        except ApplicationError as exc:
            form_error(group_form if request.POST.get("form") == "group" else tag_form, exc)
    groups = TagGroup.objects.prefetch_related("tags").order_by("sort_order", "name")
    return render(
        request,
        "customers/tag_admin.html",
        {"groups": groups, "group_form": tabler(group_form), "tag_form": tabler(tag_form)},
    )


@guard(_can_manage)
@require_POST
def tag_toggle(request, pk: int):
    tag = get_object_or_404(Tag, pk=pk)
    try:
        svc.tag_update(actor=request.user, tag=tag, is_active=not tag.is_active)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:tag_admin")


@guard(_can_manage)
@require_POST
def tag_group_toggle(request, pk: int):
    group = get_object_or_404(TagGroup, pk=pk)
    try:
        svc.tag_group_update(actor=request.user, group=group, is_active=not group.is_active)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:tag_admin")


urlpatterns = [
    path("tags/", tag_admin, name="tag_admin"),
    path("tags/<int:pk>/toggle/", tag_toggle, name="tag_toggle"),
    path("tags/groups/<int:pk>/toggle/", tag_group_toggle, name="tag_group_toggle"),
]
