"""Customer pages: the list (filters, search, sort, pagination, bulk select), the form with
a live duplicate check, the customer page (the shared library of 004 §2.1: details,
contacts, one timeline), contacts, collaborators, tags, merge and the recycle bin."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhidu.core.errors import ApplicationError, ValidationError
from zhidu.core.filters import filters_beyond_search
from zhidu.core.pagination import paginate
from zhidu.org.choices import Action
from zhidu.org.permissions import has_perm
from zhidu.org.views._common import form_error, guard, is_htmx, tabler

from ..filtersets.customers import CustomerFilterSet
from ..forms.customers import (
    CollaboratorForm,
    ContactForm,
    CustomerForm,
    CustomerTagsForm,
    DeleteForm,
    ExtensionRequestForm,
    KeyDateForm,
    LockRequestForm,
    MergeForm,
)
from ..models import Customer, KeyDate, Tag
from ..panels import panels_for
from ..selectors import customers as sel
from ..services import contacts as contact_svc
from ..services import customers as svc
from ..services import locks as lock_svc
from ..services import tags as tag_svc
from ..services.duplicates import DuplicateFound, find_duplicates
from ..services.exports import export_allowed

OT = "customers.customer"


def can_view(user) -> bool:
    return has_perm(user, OT, Action.VIEW)


def _sort_links(current: str) -> dict[str, str]:
    return {f: (f"-{f}" if current == f else f) for f in ("name", "created", "protected_until", "last_follow_up")}


@guard(can_view)
@require_GET
def customer_list(request):
    filterset = CustomerFilterSet(request.GET or None, request=request)
    try:
        qs = sel.customer_list(user=request.user, filters=request.GET, request=request)
        error = ""
    except ValidationError as exc:
        qs = sel.customer_list(user=request.user, request=request)
        error = str(exc.message)
    page = paginate(qs, request.GET.get("page", 1), per_page=25)
    ctx = {
        "page": page,
        "filter_form": tabler(filterset.form),
        "filter_error": error,
        "more_filters_set": filters_beyond_search(filterset),
        "ordering": request.GET.get("ordering", ""),
        "sort": _sort_links(request.GET.get("ordering", "")),
        "can_create": has_perm(request.user, OT, Action.CREATE),
        "bulk_tags": Tag.objects.filter(is_active=True, group__is_active=True).select_related("group"),
        "can_bulk": has_perm(request.user, OT, Action.EDIT),
        "can_export": export_allowed(request.user),
        "can_print": export_allowed(request.user, action=Action.PRINT),
    }
    template = "customers/partials/customer_results.html" if is_htmx(request) else "customers/customer_list.html"
    return render(request, template, ctx)


def _parent_from_form(request, form) -> int | None:
    """The parent company's id from the picker: the id picked while the text still shows
    that customer's name; otherwise (no JavaScript, or text typed without picking) the
    customer the user sees by that exact name. The service checks the rest."""
    text = (form.cleaned_data.get("parent_q") or "").strip()
    if not text:
        return None
    picked = form.cleaned_data.get("parent_id")
    if picked and Customer._base_manager.filter(pk=picked, name=text).exists():
        return picked
    parent = sel.customer_find_by_name(user=request.user, name=text)
    if parent is None:
        msg = _("No customer you can see is called “%(name)s”.") % {"name": text}
        raise ValidationError(msg, fields={"parent_q": [_("Pick the parent company from the list.")]})
    return parent.pk


@guard(can_view)
@require_GET
def customer_parent_options(request):
    """The parent-company picker's list (htmx): up to ten customers the user sees."""
    exclude = request.GET.get("exclude_id", "")
    query = request.GET.get("parent_q", "")
    customers = sel.customer_parent_options(
        user=request.user, query=query, exclude_id=int(exclude) if exclude.isdigit() else None
    )
    return render(
        request,
        "customers/partials/parent_options.html",
        {"customers": customers, "query": query.strip(), "limit": sel.PICKER_LIMIT},
    )


def _conflict_url(form) -> str:
    d = form.cleaned_data
    params = {"name": d.get("name", ""), "credit_code": d.get("credit_code", "")}
    if d.get("contact_phone"):
        params["phone"] = d["contact_phone"]
    if d.get("contact_email"):
        params["email"] = d["contact_email"]
    return reverse("customers:conflict_create") + "?" + urlencode({k: v for k, v in params.items() if v})


@guard(lambda u: has_perm(u, OT, Action.CREATE))
@require_http_methods(["GET", "POST"])
def customer_create(request):
    form = CustomerForm(request.POST or None, with_contact=True)
    duplicates, conflict_url = [], ""
    if request.method == "POST" and form.is_valid():
        try:
            data = form.service_data()
            data["parent_id"] = _parent_from_form(request, form)
            customer = svc.customer_register(actor=request.user, data=data, contact=form.contact_data())
        except DuplicateFound as exc:
            form_error(form, exc)
            duplicates = [m.as_dict() for m in exc.matches]
            if not any(m.in_pool or m.in_recycle_bin or m.is_held_by(request.user) for m in exc.matches):
                conflict_url = _conflict_url(form)
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is registered to you and protected until %(date)s.")
                % {"name": customer.name, "date": f"{customer.protected_until:%Y-%m-%d}"},
            )
            return redirect("customers:customer_detail", pk=customer.pk)
    return render(
        request,
        "customers/customer_form.html",
        {"form": tabler(form), "customer": None, "duplicates": duplicates, "conflict_url": conflict_url},
    )


@guard(can_view)
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk: int):
    customer = sel.customer_get(user=request.user, pk=pk, action=Action.EDIT)
    initial = {"parent_q": customer.parent.name if customer.parent_id else "", "parent_id": customer.parent_id}
    form = CustomerForm(request.POST or None, instance=customer, initial=initial)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        try:
            data = form.service_data()
            data["parent_id"] = _parent_from_form(request, form)
            svc.customer_update(actor=request.user, customer=customer, data=data)
        except DuplicateFound as exc:
            form_error(form, exc)
            duplicates = [m.as_dict() for m in exc.matches]
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("customers:customer_detail", pk=customer.pk)
        customer.refresh_from_db()
    return render(
        request,
        "customers/customer_form.html",
        {"form": tabler(form), "customer": customer, "duplicates": duplicates, "conflict_url": ""},
    )


@guard(can_view)
@require_POST
def duplicate_check(request):
    """The live check on the form (htmx): shows what an existing record would clash with —
    only its name, owner and protected-until date."""
    exclude = request.POST.get("exclude_id")
    matches = find_duplicates(
        name=request.POST.get("name", ""),
        credit_code=request.POST.get("credit_code", ""),
        phones=[request.POST.get("contact_phone", ""), request.POST.get("phone", "")],
        emails=[request.POST.get("contact_email", ""), request.POST.get("email", "")],
        exclude_customer_id=int(exclude) if exclude and exclude.isdigit() else None,
    )
    return render(
        request,
        "customers/partials/duplicates.html",
        {"duplicates": [m.as_dict() for m in matches], "live": True},
    )


def _detail_context(request, customer: Customer) -> dict:
    user = request.user
    masked = sel.contacts_masked(user, customer)
    contacts = [sel.contact_view(c, masked) for c in sel.contact_list(user=user, customer=customer)]
    can_edit = sel.customer_can(user, customer, Action.EDIT)
    tag_ids = {t.pk for t in sel.tags_of(customer)}
    return {
        "customer": customer,
        "contacts": contacts,
        "masked": masked,
        "collaborators": list(sel.collaborators_of(customer)),
        "tags": sel.tags_of(customer),
        "timeline": sel.customer_timeline(user=user, customer=customer),
        "branches": list(Customer.objects.alive().visible_to(user).filter(parent=customer).only("pk", "name")[:50]),
        "can_edit": can_edit,
        "can_delete": sel.customer_can(user, customer, Action.DELETE),
        "can_merge": sel.customer_can(user, customer, Action.MERGE),
        "can_manage_collaborators": customer.owner_id == user.pk
        or Customer.objects.filter(pk=customer.pk).filter(_edit_scope_q(user)).exists(),
        "tags_form": CustomerTagsForm(initial={"tags": sorted(tag_ids)}) if can_edit else None,
        "collaborator_form": tabler(CollaboratorForm()),
        "delete_form": tabler(DeleteForm()),
        "panels": panels_for(request, customer),
        "lock_form": tabler(LockRequestForm()) if can_edit and customer.owner_id else None,
        "extension_form": tabler(ExtensionRequestForm()) if can_edit and customer.owner_id else None,
        "pending_requests": list(customer.requests.filter(status="pending")),
    }


def _edit_scope_q(user):
    from zhidu.org.permissions import visibility

    vis = visibility(user, OT, Action.EDIT)
    return vis.q()


@guard(can_view)
@require_GET
def customer_detail(request, pk: int):
    customer = sel.customer_get(user=request.user, pk=pk)
    return render(request, "customers/customer_detail.html", _detail_context(request, customer))


@guard(can_view)
@require_POST
def customer_delete(request, pk: int):
    customer = sel.customer_get(user=request.user, pk=pk)
    form = DeleteForm(request.POST)
    form.is_valid()
    try:
        svc.customer_delete(actor=request.user, customer=customer, reason=form.cleaned_data.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("customers:customer_detail", pk=pk)
    messages.success(request, _("%(name)s is in the recycle bin for 30 days.") % {"name": customer.name})
    return redirect("customers:customer_list")


@guard(lambda u: has_perm(u, OT, Action.MERGE))
@require_http_methods(["GET", "POST"])
def customer_merge(request, pk: int):
    target = sel.customer_get(user=request.user, pk=pk, action=Action.MERGE)
    form = MergeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source = sel.customer_get(user=request.user, pk=form.cleaned_data["source_id"], action=Action.MERGE)
            svc.customer_merge(actor=request.user, target=target, source=source, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form_error(form, exc)
        except DjangoPermissionDenied:
            form.add_error("source_id", _("You may not merge that record."))
        else:
            messages.success(request, _("Merged into %(name)s.") % {"name": target.name})
            return redirect("customers:customer_detail", pk=target.pk)
    return render(request, "customers/customer_merge.html", {"customer": target, "form": tabler(form)})


@guard(can_view)
@require_POST
def customer_tags(request, pk: int):
    customer = sel.customer_get(user=request.user, pk=pk, action=Action.EDIT)
    form = CustomerTagsForm(request.POST)
    if form.is_valid():
        try:
            tag_svc.customer_tags_set(actor=request.user, customer=customer, tags=form.cleaned_data["tags"])
            messages.success(request, _("Tags saved."))
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
    return redirect("customers:customer_detail", pk=pk)


@guard(can_view)
@require_POST
def customer_bulk_tag(request):
    """Bulk action on the list: add one tag to the selected customers; a result per row."""
    ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()][:500]
    tag = get_object_or_404(Tag.objects.select_related("group"), pk=request.POST.get("tag") or 0)
    if not ids:
        messages.warning(request, _("Select at least one customer."))
        return redirect("customers:customer_list")
    customers = list(Customer.objects.filter(pk__in=ids))
    try:
        result = tag_svc.customer_tag_add(actor=request.user, customers=customers, tag=tag)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("customers:customer_list")
    ok = sum(1 for v in result.values() if not v)
    failed = {pk: msg for pk, msg in result.items() if msg}
    messages.success(request, _("Tagged %(n)d customers.") % {"n": ok})
    names = dict(Customer.objects.filter(pk__in=list(failed)).values_list("pk", "name"))
    for pk, msg in failed.items():
        messages.warning(request, f"{names.get(pk, pk)}: {msg}")
    return redirect(request.POST.get("next") or "customers:customer_list")


@guard(can_view)
@require_POST
def collaborator_add(request, pk: int):
    customer = sel.customer_get(user=request.user, pk=pk)
    form = CollaboratorForm(request.POST)
    if form.is_valid():
        try:
            svc.collaborator_set(
                actor=request.user,
                customer=customer,
                user=form.cleaned_data["user"],
                access=form.cleaned_data["access"],
            )
            messages.success(request, _("Collaborator saved."))
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("Choose a person and their access."))
    return redirect("customers:customer_detail", pk=pk)


@guard(can_view)
@require_POST
def collaborator_remove(request, pk: int, user_id: int):
    from zhidu.org.models import User

    customer = sel.customer_get(user=request.user, pk=pk)
    try:
        svc.collaborator_remove(actor=request.user, customer=customer, user=get_object_or_404(User, pk=user_id))
        messages.success(request, _("Collaborator removed."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:customer_detail", pk=pk)


@guard(can_view)
@require_POST
def customer_lock(request, pk: int):
    customer = sel.customer_get(user=request.user, pk=pk, action=Action.EDIT)
    form = LockRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the date and a reason."))
        return redirect("customers:customer_detail", pk=pk)
    try:
        lock_svc.customer_lock_request(actor=request.user, customer=customer, **form.cleaned_data)
        messages.success(request, _("Your lock request is waiting for approval."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:customer_detail", pk=pk)


@guard(can_view)
@require_POST
def customer_unlock(request, pk: int):
    customer = sel.customer_get(user=request.user, pk=pk, action=Action.EDIT)
    try:
        lock_svc.customer_unlock(actor=request.user, customer=customer)
        messages.success(request, _("The lock is lifted."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:customer_detail", pk=pk)


@guard(can_view)
@require_POST
def customer_extension(request, pk: int):
    customer = sel.customer_get(user=request.user, pk=pk, action=Action.EDIT)
    form = ExtensionRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect("customers:customer_detail", pk=pk)
    try:
        lock_svc.customer_protection_extend_request(actor=request.user, customer=customer, **form.cleaned_data)
        messages.success(request, _("Your extension request is waiting for approval."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:customer_detail", pk=pk)


# --- contacts ---------------------------------------------------------------------------------


@guard(can_view)
@require_http_methods(["GET", "POST"])
def contact_create(request, pk: int):
    customer = sel.customer_get(user=request.user, pk=pk, action=Action.EDIT)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_svc.contact_create(actor=request.user, customer=customer, data=form.service_data())
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Contact added."))
            return redirect("customers:customer_detail", pk=pk)
    return render(request, "customers/contact_form.html", {"form": tabler(form), "customer": customer, "contact": None})


@guard(can_view)
@require_http_methods(["GET", "POST"])
def contact_edit(request, contact_pk: int):
    contact = sel.contact_get(user=request.user, pk=contact_pk, action=Action.EDIT)
    customer = contact.customer
    if sel.contacts_masked(request.user, customer):
        raise DjangoPermissionDenied(_("You may not see this contact's full details."))
    form = ContactForm(request.POST or None, instance=contact)
    key_date_form = KeyDateForm(request.POST if request.POST.get("form") == "key_date" else None)
    if request.method == "POST" and request.POST.get("form") == "key_date":
        if key_date_form.is_valid():
            try:
                contact_svc.key_date_add(actor=request.user, contact=contact, **key_date_form.cleaned_data)
                messages.success(request, _("Key date added."))
                return redirect("customers:contact_edit", contact_pk=contact.pk)
            except ApplicationError as exc:
                form_error(key_date_form, exc)
        form = ContactForm(instance=contact)
    elif request.method == "POST" and form.is_valid():
        try:
            contact_svc.contact_update(actor=request.user, contact=contact, data=form.service_data())
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("customers:customer_detail", pk=customer.pk)
    return render(
        request,
        "customers/contact_form.html",
        {
            "form": tabler(form),
            "customer": customer,
            "contact": contact,
            "key_dates": contact.key_dates.all(),
            "key_date_form": tabler(key_date_form),
        },
    )


@guard(can_view)
@require_POST
def contact_delete(request, contact_pk: int):
    contact = sel.contact_get(user=request.user, pk=contact_pk, action=Action.DELETE)
    try:
        contact_svc.contact_delete(actor=request.user, contact=contact)
        messages.success(request, _("Contact deleted."))
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:customer_detail", pk=contact.customer_id)


@guard(can_view)
@require_POST
def key_date_remove(request, key_date_pk: int):
    key_date = get_object_or_404(KeyDate.objects.select_related("contact__customer"), pk=key_date_pk)
    sel.contact_get(user=request.user, pk=key_date.contact_id, action=Action.EDIT)
    try:
        contact_svc.key_date_remove(actor=request.user, key_date=key_date)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:contact_edit", contact_pk=key_date.contact_id)


# --- recycle bin --------------------------------------------------------------------------------


def _can_see_bin(user) -> bool:
    return user.is_superuser or has_perm(user, OT, Action.DELETE)


@guard(_can_see_bin)
@require_GET
def recycle_bin(request):
    page = paginate(sel.recycle_bin_list(user=request.user), request.GET.get("page", 1), per_page=25)
    return render(request, "customers/recycle_bin.html", {"page": page, "is_admin": request.user.is_superuser})


@guard(lambda u: u.is_superuser)
@require_POST
def customer_restore(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    try:
        svc.customer_restore(actor=request.user, customer=customer)
        messages.success(request, _("%(name)s is restored.") % {"name": customer.name})
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:recycle_bin")


@guard(lambda u: u.is_superuser)
@require_POST
def customer_purge(request, pk: int):
    customer = get_object_or_404(Customer, pk=pk)
    try:
        svc.customer_purge(actor=request.user, customer=customer)
        messages.success(request, _("%(name)s is deleted for good.") % {"name": customer.name})
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    return redirect("customers:recycle_bin")


urlpatterns = [
    path("", customer_list, name="customer_list"),
    path("new/", customer_create, name="customer_create"),
    path("duplicates/check/", duplicate_check, name="duplicate_check"),
    path("parent-options/", customer_parent_options, name="customer_parent_options"),
    path("bulk/tag/", customer_bulk_tag, name="customer_bulk_tag"),
    path("recycle-bin/", recycle_bin, name="recycle_bin"),
    path("<int:pk>/", customer_detail, name="customer_detail"),
    path("<int:pk>/edit/", customer_edit, name="customer_edit"),
    path("<int:pk>/delete/", customer_delete, name="customer_delete"),
    path("<int:pk>/restore/", customer_restore, name="customer_restore"),
    path("<int:pk>/purge/", customer_purge, name="customer_purge"),
    path("<int:pk>/merge/", customer_merge, name="customer_merge"),
    path("<int:pk>/tags/", customer_tags, name="customer_tags"),
    path("<int:pk>/lock/", customer_lock, name="customer_lock"),
    path("<int:pk>/unlock/", customer_unlock, name="customer_unlock"),
    path("<int:pk>/extension/", customer_extension, name="customer_extension"),
    path("<int:pk>/collaborators/", collaborator_add, name="collaborator_add"),
    path("<int:pk>/collaborators/<int:user_id>/remove/", collaborator_remove, name="collaborator_remove"),
    path("<int:pk>/contacts/new/", contact_create, name="contact_create"),
    path("contacts/<int:contact_pk>/edit/", contact_edit, name="contact_edit"),
    path("contacts/<int:contact_pk>/delete/", contact_delete, name="contact_delete"),
    path("key-dates/<int:key_date_pk>/remove/", key_date_remove, name="key_date_remove"),
]
