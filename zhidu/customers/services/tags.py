"""Tag groups and tags (admin-managed) and tagging customers."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record, audit_record_bulk, diff, snapshot
from zhidu.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from zhidu.org.choices import Action
from zhidu.org.models import User
from zhidu.org.permissions import has_perm

from ..models import Customer, CustomerTag, Tag, TagGroup

OT = "customers.tag"


def _full_clean(obj) -> None:
    try:
        obj.full_clean()
    except DjangoValidationError as exc:
        raise ValidationError.from_django(exc) from exc


def _require(actor: User, action: str) -> None:
    if not has_perm(actor, OT, action):
        raise PermissionDenied(_("Only an administrator manages tags."))


def _save(obj) -> None:
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        raise Conflict(_("A tag or group with this name already exists.")) from exc


@transaction.atomic
def tag_group_create(*, actor: User, name: str, exclusive: bool = False, sort_order: int = 0) -> TagGroup:
    _require(actor, Action.CREATE)
    group = TagGroup(name=name.strip(), exclusive=exclusive, sort_order=sort_order)
    _full_clean(group)
    _save(group)
    audit_record(actor=actor, action="tag_group.create", obj=group, after=snapshot(group))
    return group


@transaction.atomic
def tag_group_update(*, actor: User, group: TagGroup, **data) -> TagGroup:
    _require(actor, Action.EDIT)
    before = snapshot(group)
    for key in ("name", "exclusive", "is_active", "sort_order"):
        if key in data:
            setattr(group, key, data[key])
    _full_clean(group)
    _save(group)
    audit_record(actor=actor, action="tag_group.update", obj=group, changes=diff(before, snapshot(group)))
    return group


@transaction.atomic
def tag_create(*, actor: User, group: TagGroup, name: str, color: str = "", sort_order: int = 0) -> Tag:
    _require(actor, Action.CREATE)
    tag = Tag(group=group, name=name.strip(), color=color, sort_order=sort_order)
    _full_clean(tag)
    _save(tag)
    audit_record(actor=actor, action="tag.create", obj=tag, after=snapshot(tag))
    return tag


@transaction.atomic
def tag_update(*, actor: User, tag: Tag, **data) -> Tag:
    _require(actor, Action.EDIT)
    before = snapshot(tag)
    for key in ("name", "color", "is_active", "sort_order"):
        if key in data:
            setattr(tag, key, data[key])
    _full_clean(tag)
    _save(tag)
    audit_record(actor=actor, action="tag.update", obj=tag, changes=diff(before, snapshot(tag)))
    return tag


def _check_exclusive(tags: list[Tag]) -> None:
    seen: dict[int, Tag] = {}
    for tag in tags:
        if tag.group.exclusive:
            if tag.group_id in seen:
                raise ValidationError(
                    _("Choose one tag of the group %(group)s, not several.") % {"group": tag.group.name},
                    fields={"tags": [tag.group.name]},
                )
            seen[tag.group_id] = tag


@transaction.atomic
def customer_tags_set(*, actor: User, customer: Customer, tags: Iterable[Tag]) -> list[Tag]:
    """Replace a customer's tags (those who may edit the customer may tag it)."""
    if not Customer.objects.filter(pk=customer.pk).visible_to(actor, Action.EDIT).exists():
        if Customer.objects.filter(pk=customer.pk).visible_to(actor, Action.VIEW).exists():
            raise PermissionDenied(_("You may not edit this customer."))
        raise NotFound()
    tags = list(Tag.objects.filter(pk__in=[t.pk for t in tags]).select_related("group"))
    if any(not t.is_active or not t.group.is_active for t in tags):
        raise ValidationError(_("That tag is no longer in use."), fields={"tags": [_("Choose an active tag.")]})
    _check_exclusive(tags)
    old = set(CustomerTag.objects.filter(customer=customer).values_list("tag_id", flat=True))
    new = {t.pk for t in tags}
    if old == new:
        return tags
    CustomerTag.objects.filter(customer=customer, tag_id__in=old - new).delete()
    CustomerTag.objects.bulk_create([CustomerTag(customer=customer, tag_id=t, added_by=actor) for t in new - old])
    audit_record(actor=actor, action="customer.tags_set", obj=customer, changes={"tags": [sorted(old), sorted(new)]})
    return tags


@transaction.atomic
def customer_tag_add(*, actor: User, customers: Iterable[Customer], tag: Tag) -> dict[int, str]:
    """Bulk: add ``tag`` to each customer the actor may edit. Returns ``{customer id: ""}``
    for success or the reason a row was skipped (a result per row)."""
    ids = [c.pk for c in customers]
    editable = set(Customer.objects.filter(pk__in=ids).visible_to(actor, Action.EDIT).values_list("pk", flat=True))
    if not tag.is_active:
        raise ValidationError(_("That tag is no longer in use."))
    existing = set(CustomerTag.objects.filter(tag=tag, customer_id__in=ids).values_list("customer_id", flat=True))
    clash: set[int] = set()
    if tag.group.exclusive:
        clash = set(
            CustomerTag.objects.filter(customer_id__in=ids, tag__group=tag.group)
            .exclude(tag=tag)
            .values_list("customer_id", flat=True)
        )
    result: dict[int, str] = {}
    rows = []
    for pk in ids:
        if pk not in editable:
            result[pk] = _("You may not edit this customer.")
        elif pk in existing:
            result[pk] = ""
        elif pk in clash:
            result[pk] = _("Already has another tag of the group %(group)s.") % {"group": tag.group.name}
        else:
            rows.append(CustomerTag(customer_id=pk, tag=tag, added_by=actor))
            result[pk] = ""
    CustomerTag.objects.bulk_create(rows)
    if rows:
        audit_record_bulk(
            actor=actor,
            action="customer.tag_add",
            object_type="customers.customer",
            items=[(r.customer_id, "", {"tag": [None, tag.pk]}) for r in rows],
            summary={"tag": tag.pk, "count": len(rows)},
        )
    return result
