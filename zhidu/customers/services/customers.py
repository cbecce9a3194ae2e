"""Writes on customer records: registration (客户报备) with the duplicate check and the
holding cap, edits, the recycle bin (回收站), merging and collaborators (协作人).

Every function is one transaction with its audit row; refusals raise ``ApplicationError``
subclasses and leave nothing written. Policies arrive as arguments (resolved by the
caller with ``zhidu.customers.policies.policy_for``); ``None`` means "resolve it here".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record, diff, snapshot
from zhidu.core.errors import Conflict, LimitExceeded, NotFound, PermissionDenied, ValidationError
from zhidu.org.choices import Action
from zhidu.org.models import User
from zhidu.org.permissions import has_perm, main_unit, user_roles, visibility

from ..choices import CollaboratorAccess, CustomerKind, CustomerStatus
from ..models import Activity, Collaborator, ConflictClaim, Contact, Customer, CustomerTag, DevelopmentPlan, Lead
from ..normalize import normalize_name
from ..policies import policy_for
from ..policies.customers import HoldingPolicy, holding_cap, protected_until_on_receipt
from ..validators import normalize_credit_code
from .duplicates import duplicate_check
from .search import search_fields

OT = "customers.customer"
RECYCLE_BIN_DAYS = 30

# Fields a person edits on the form and the API; the rest are kept by the services.
EDITABLE_FIELDS = (
    "name",
    "credit_code",
    "kind",
    "industry",
    "province",
    "city",
    "size",
    "address",
    "latitude",
    "longitude",
    "website",
    "source",
    "tier",
    "status",
    "parent",
    "notes",
)


def _full_clean(obj, exclude: list[str] | None = None) -> None:
    # Constraints (the unique credit code) are the duplicate check's job, which says more
    # than "constraint violated"; the database still enforces them.
    try:
        obj.full_clean(exclude=exclude, validate_constraints=False)
    except DjangoValidationError as exc:
        raise ValidationError.from_django(exc) from exc


def _derive(customer: Customer) -> None:
    """The derived columns, recomputed from ``name`` and ``credit_code`` on every write."""
    customer.name = (customer.name or "").strip()
    customer.credit_code = normalize_credit_code(customer.credit_code)
    customer.name_normalized = normalize_name(customer.name)[:200]
    fields = search_fields(customer.name)
    customer.search_text = fields["search_text"]
    customer.search_grams = fields["search_grams"]


def _check_credit_code_required(customer: Customer) -> None:
    """Issue 4: the code is optional for individuals and foreign firms. A company may be
    registered as a prospect by name alone; it needs the code once it is more than that."""
    if (
        customer.kind == CustomerKind.COMPANY
        and customer.status != CustomerStatus.PROSPECT
        and not customer.credit_code
    ):
        msg = _("A company that is more than a prospect needs its unified social credit code.")
        raise ValidationError(msg, fields={"credit_code": [msg]})


def _may(user, obj: Customer, action: str) -> bool:
    return Customer.objects.filter(pk=obj.pk).visible_to(user, action).exists()


def _require(user, obj: Customer, action: str, message: str | None = None) -> None:
    """The action permission and the record's scope in one check (``visible_to``); a
    record the user may not even see answers "not found"."""
    if not _may(user, obj, action):
        if _may(user, obj, Action.VIEW):
            raise PermissionDenied(message)
        raise NotFound()


def _lock_customer(customer: Customer) -> Customer:
    return Customer.objects.select_for_update().get(pk=customer.pk)


# --- group customers (集团客户) ----------------------------------------------------------------

# A group is a few levels deep; the walk up stops here even if bad data made a loop.
MAX_GROUP_DEPTH = 100
# The PostgreSQL advisory lock key serialising changes of parent companies ("zhidu grp").
GROUP_LOCK_KEY = 0x7A6869647567


def _lock_groups() -> None:
    """Serialise changes of parent companies, before any customer row is locked. Two
    people making A the parent of B and B the parent of A at once would each find no
    cycle (and deadlock on each other's rows); with this lock the second sees the first's
    change and is refused. SQLite's ``IMMEDIATE`` transactions already serialise writers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GROUP_LOCK_KEY])


def _parent_refused() -> ValidationError:
    msg = _("Choose the parent company among the customers you can see.")
    return ValidationError(msg, fields={"parent_id": [msg]})


def _resolve_parent(data: dict[str, Any]) -> dict[str, Any]:
    """``parent_id`` (the API, the picker) becomes ``parent``. An id that does not exist is
    refused with the same message as one the actor may not see, so it tells nothing."""
    if "parent_id" not in data:
        return data
    data = dict(data)
    parent_id = data.pop("parent_id")
    parent = None
    if parent_id:
        parent = Customer._base_manager.filter(pk=parent_id).first()
        if parent is None:
            raise _parent_refused()
    data["parent"] = parent
    return data


def _check_parent(actor: User, customer: Customer | None, parent: Customer | None) -> None:
    """A parent company must be a customer the actor sees (not in the recycle bin), and
    neither the customer itself nor one of its branches, at any depth: a group is a tree."""
    if parent is None:
        return
    if customer is not None and customer.pk is not None and parent.pk == customer.pk:
        msg = _("A customer cannot be its own parent company.")
        raise ValidationError(msg, fields={"parent_id": [msg]})
    if not Customer.objects.alive().filter(pk=parent.pk).visible_to(actor, Action.VIEW).exists():
        raise _parent_refused()
    if customer is None or customer.pk is None:
        return
    # Read from the database, not ``parent``: it may have been loaded before the lock.
    seen: set[int] = set()
    ancestor_id: int | None = parent.pk
    while ancestor_id is not None and ancestor_id not in seen and len(seen) < MAX_GROUP_DEPTH:
        if ancestor_id == customer.pk:
            msg = _("%(parent)s belongs to %(name)s's group; a branch cannot be its parent company.") % {
                "parent": parent.name,
                "name": customer.name,
            }
            raise ValidationError(msg, fields={"parent_id": [msg]})
        seen.add(ancestor_id)
        ancestor_id = Customer._base_manager.filter(pk=ancestor_id).values_list("parent_id", flat=True).first()


# --- holding cap -------------------------------------------------------------------------


def customer_held_count(owner: User, policy: HoldingPolicy) -> int:
    qs = Customer.objects.alive().filter(owner=owner, pool__isnull=True)
    if not policy.count_active:
        qs = qs.exclude(status=CustomerStatus.ACTIVE)
    return qs.count()


def holding_cap_check(*, owner: User, adding: int = 1, policy=None) -> None:
    """Refuse when ``owner`` would hold more customers than the ``holding`` policy allows.
    Locks the owner's row first (DESIGN: races — quotas are locked before the object) so
    two registrations at once cannot both squeeze under the cap. Used by registration,
    import, claims, allocation and transfers alike."""
    policy = policy or policy_for("holding", unit=main_unit(owner))
    cap = holding_cap(user_roles(owner), policy.value)
    if cap is None or adding <= 0:
        return
    User.objects.select_for_update().filter(pk=owner.pk).exists()
    held = customer_held_count(owner, policy.value)
    if held + adding > cap:
        raise LimitExceeded(
            _("%(owner)s holds %(held)d customers; the holding cap is %(cap)d (policy %(ref)s).")
            % {"owner": owner, "held": held, "cap": cap, "ref": policy.ref},
            code="holding_cap",
        )


# --- register, update -----------------------------------------------------------------------


@transaction.atomic
def customer_register(
    *,
    actor: User,
    data: dict[str, Any],
    owner: User | None = None,
    contact: dict[str, Any] | None = None,
    holding_policy=None,
    protection_policy=None,
    source_label: str = "",
) -> Customer:
    """客户报备: create a customer held by ``owner`` (default: the actor), protected from
    today for the ``protection`` policy's days, after the duplicate check (name, credit
    code, the first contact's phones and e-mail) and the holding cap. ``contact`` creates
    the first contact in the same transaction."""
    if not has_perm(actor, OT, Action.CREATE):
        raise PermissionDenied(_("You may not register customers."))
    owner = owner or actor
    if owner.pk != actor.pk:
        if not has_perm(actor, OT, Action.ASSIGN):
            raise PermissionDenied(_("You may not register customers for someone else."))
        vis = visibility(actor, OT, Action.ASSIGN)
        unit = main_unit(owner)
        in_scope = vis.everything or owner.pk in vis.user_ids
        if not in_scope and unit is not None:
            in_scope = unit.pk in vis.unit_ids or any(unit.path.startswith(p) for p in vis.unit_paths)
        if not in_scope:
            raise PermissionDenied(_("%(owner)s is outside your scope.") % {"owner": owner})
    if not owner.is_active:
        raise ValidationError(_("%(owner)s is not an active user.") % {"owner": owner})
    data = _resolve_parent(data)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    _check_parent(actor, None, data.get("parent"))

    customer = Customer(**data)
    _derive(customer)
    _check_credit_code_required(customer)
    contact_obj = None
    if contact:
        from .contacts import contact_build

        contact_obj = contact_build(customer=customer, data=contact)
    _full_clean(customer, exclude=["credit_code"] if not customer.credit_code else None)
    duplicate_check(
        user=actor,
        name=customer.name,
        credit_code=customer.credit_code,
        phones=[contact_obj.phone, contact_obj.phone2] if contact_obj else [],
        emails=[contact_obj.email] if contact_obj else [],
    )
    holding_cap_check(owner=owner, policy=holding_policy)
    protection = protection_policy or policy_for("protection", unit=main_unit(owner))
    now = timezone.now()
    customer.owner = owner
    customer.owner_unit = main_unit(owner)
    customer.created_by = actor
    customer.credit_to = owner
    customer.received_at = now
    customer.protected_until = protected_until_on_receipt(timezone.localdate(now), protection.value)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:
        # The partial unique index on credit_code: someone registered it a moment ago.
        raise Conflict(_("This unified social credit code was registered a moment ago."), code="duplicate") from exc
    if contact_obj is not None:
        contact_obj.customer = customer
        contact_obj.is_primary = True
        contact_obj.created_by = actor
        contact_obj.save()
    audit_record(
        actor=actor,
        action="customer.register",
        obj=customer,
        after=snapshot(customer),
        reason=source_label or (f"protection: {protection.ref}"),
    )
    return customer


@transaction.atomic
def customer_update(*, actor: User, customer: Customer, data: dict[str, Any]) -> Customer:
    """Edit a customer's details. The owner, managers in scope with ``edit`` and read-write
    collaborators may; a change of name or credit code runs the duplicate check again; a
    new parent company is checked (``_check_parent``)."""
    data = _resolve_parent(data)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if data.get("parent") is not None:
        _lock_groups()
    customer = _lock_customer(customer)
    _require(actor, customer, Action.EDIT, _("You may not edit this customer."))
    if customer.deleted_at is not None:
        raise Conflict(_("This customer is in the recycle bin."))
    if "parent" in data and getattr(data["parent"], "pk", None) != customer.parent_id:
        _check_parent(actor, customer, data["parent"])
    before = snapshot(customer)
    old_key, old_code = customer.name_normalized, customer.credit_code
    for key, value in data.items():
        setattr(customer, key, value)
    _derive(customer)
    _check_credit_code_required(customer)
    _full_clean(customer, exclude=["credit_code"] if not customer.credit_code else None)
    new_name = customer.name_normalized != old_key
    new_code = customer.credit_code and customer.credit_code != old_code
    if new_name or new_code:
        duplicate_check(
            user=actor,
            name=customer.name if new_name else "",
            credit_code=customer.credit_code if new_code else "",
            exclude_customer_id=customer.pk,
        )
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:
        raise Conflict(_("This unified social credit code was registered a moment ago."), code="duplicate") from exc
    changes = diff(before, snapshot(customer))
    if changes:
        audit_record(actor=actor, action="customer.update", obj=customer, changes=changes)
    return customer


# --- recycle bin ----------------------------------------------------------------------------


@transaction.atomic
def customer_delete(*, actor: User, customer: Customer, reason: str = "") -> Customer:
    """Move to the recycle bin for ``RECYCLE_BIN_DAYS`` days; only an admin restores it."""
    customer = _lock_customer(customer)
    if not has_perm(actor, OT, Action.DELETE):
        raise PermissionDenied(_("You may not delete customers."))
    _require(actor, customer, Action.DELETE, _("You may not delete this customer."))
    if customer.deleted_at is not None:
        raise Conflict(_("This customer is already in the recycle bin."))
    customer.deleted_at = timezone.now()
    customer.deleted_by = actor
    customer.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit_record(
        actor=actor,
        action="customer.delete",
        obj=customer,
        changes={"deleted_at": [None, customer.deleted_at]},
        reason=reason,
    )
    return customer


def _require_admin(actor: User) -> None:
    if not (actor.is_active and actor.is_superuser):
        raise PermissionDenied(_("Only an administrator restores or purges customers from the recycle bin."))


@transaction.atomic
def customer_restore(*, actor: User, customer: Customer) -> Customer:
    _require_admin(actor)
    customer = _lock_customer(customer)
    if customer.deleted_at is None:
        raise Conflict(_("This customer is not in the recycle bin."))
    was = customer.deleted_at
    customer.deleted_at = None
    customer.deleted_by = None
    customer.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    audit_record(actor=actor, action="customer.restore", obj=customer, changes={"deleted_at": [was, None]})
    return customer


@transaction.atomic
def customer_purge(*, actor: User | None, customer: Customer) -> None:
    """Delete for good (its contacts and follow-ups go with it). ``actor=None`` is the
    scheduled purge of records in the bin for more than 30 days."""
    if actor is not None:
        _require_admin(actor)
    customer = _lock_customer(customer)
    if customer.deleted_at is None:
        raise Conflict(_("Only customers in the recycle bin can be purged."))
    before = snapshot(customer)
    pk, name = customer.pk, customer.name
    try:
        with transaction.atomic():
            Customer.objects.filter(parent=customer).update(parent=None)
            customer.delete()
    except ProtectedError as exc:
        raise Conflict(
            _("%(name)s is still referred to by other records (for example a conflict claim) and cannot be purged.")
            % {"name": name}
        ) from exc
    audit_record(
        actor=actor,
        action="customer.purge",
        object_type=OT,
        object_id=pk,
        object_repr=name,
        before=before,
        after={},
    )


def customer_recycle_bin_purge_expired(*, now: dt.datetime | None = None) -> int:
    """The scheduled job: purge what has lain in the bin for more than 30 days. Returns
    how many went; records still referred to elsewhere stay and are retried next time."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=RECYCLE_BIN_DAYS)
    purged = 0
    for customer in Customer.objects.filter(deleted_at__lt=cutoff).order_by("pk").iterator():
        try:
            customer_purge(actor=None, customer=customer)
            purged += 1
        except Conflict:
            continue
    return purged


# --- merge ----------------------------------------------------------------------------------

# Other apps (opportunities, contracts, …) register how their rows follow a merge.
_merge_hooks: list[Callable[[Customer, Customer], int]] = []


def register_merge_hook(hook: Callable[[Customer, Customer], int]) -> None:
    """``hook(source, target)`` moves the app's rows from ``source`` to ``target`` inside
    the merge's transaction and returns how many it moved."""
    _merge_hooks.append(hook)


@transaction.atomic
def customer_merge(*, actor: User, target: Customer, source: Customer, reason: str) -> Customer:
    """Merge ``source`` into ``target`` (a manager's action on two records of the same
    firm): contacts, follow-ups, leads, plans, collaborators, tags and branches move; empty
    details of the target are filled from the source; the source goes to the recycle bin
    with its credit code cleared. One audit event on each record."""
    if not has_perm(actor, OT, Action.MERGE):
        raise PermissionDenied(_("You may not merge customers."))
    if not reason.strip():
        raise ValidationError(_("Give a reason for the merge."), fields={"reason": [_("This field is required.")]})
    if target.pk == source.pk:
        raise ValidationError(_("Choose two different customers."))
    first, second = sorted([target.pk, source.pk])
    locked = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    if len(locked) != 2:
        raise NotFound()
    target, source = locked[target.pk], locked[source.pk]
    for c in (target, source):
        _require(actor, c, Action.MERGE, _("You may not merge %(name)s.") % {"name": c.name})
        if c.deleted_at is not None:
            raise Conflict(_("%(name)s is in the recycle bin.") % {"name": c.name})
    before_target = snapshot(target)
    moved: dict[str, int] = {}
    moved["contacts"] = Contact.objects.filter(customer=source).update(customer=target, is_primary=False)
    moved["activities"] = Activity.objects.filter(customer=source).update(customer=target)
    moved["leads"] = Lead.objects.filter(converted_customer=source).update(converted_customer=target)
    moved["plans"] = DevelopmentPlan.objects.filter(customer=source).update(customer=target)
    moved["conflict_claims"] = ConflictClaim.objects.filter(customer=source).update(customer=target)
    moved["branches"] = Customer.objects.filter(parent=source).exclude(pk=target.pk).update(parent=target)
    have = set(Collaborator.objects.filter(customer=target).values_list("user_id", flat=True))
    if target.owner_id is not None:
        have.add(target.owner_id)
    moved["collaborators"] = (
        Collaborator.objects.filter(customer=source).exclude(user_id__in=[u for u in have if u]).update(customer=target)
    )
    Collaborator.objects.filter(customer=source).delete()
    tags = set(CustomerTag.objects.filter(customer=target).values_list("tag_id", flat=True))
    new_tags = [
        t for t in CustomerTag.objects.filter(customer=source).values_list("tag_id", flat=True) if t not in tags
    ]
    CustomerTag.objects.bulk_create([CustomerTag(customer=target, tag_id=t, added_by=actor) for t in new_tags])
    moved["tags"] = len(new_tags)
    for hook in _merge_hooks:
        moved[getattr(hook, "__name__", "hook")] = hook(source, target)

    source_code = source.credit_code
    if source.credit_code:
        source.credit_code = ""
    source.deleted_at = timezone.now()
    source.deleted_by = actor
    if source.parent_id == target.pk:
        source.parent = None
    source.save()
    filled = []
    for name in ("industry", "province", "city", "size", "address", "website", "source", "latitude", "longitude"):
        if getattr(target, name) in ("", None) and getattr(source, name) not in ("", None):
            setattr(target, name, getattr(source, name))
            filled.append(name)
    if not target.credit_code and source_code:
        target.credit_code = source_code
        filled.append("credit_code")
    if source.last_valid_follow_up_at and (
        target.last_valid_follow_up_at is None or source.last_valid_follow_up_at > target.last_valid_follow_up_at
    ):
        target.last_valid_follow_up_at = source.last_valid_follow_up_at
    if source.last_deal_at and (target.last_deal_at is None or source.last_deal_at > target.last_deal_at):
        target.last_deal_at = source.last_deal_at
    _derive(target)
    target.save()
    parent = audit_record(
        actor=actor,
        action="customer.merge",
        obj=target,
        changes={**diff(before_target, snapshot(target)), "merged_from": [None, source.pk], "moved": [None, moved]},
        reason=reason,
    )
    audit_record(
        actor=actor,
        action="customer.merged_into",
        obj=source,
        changes={"merged_into": [None, target.pk], "credit_code": [source_code, ""]},
        reason=reason,
        parent=parent,
    )
    return target


# --- collaborators --------------------------------------------------------------------------


def _require_manage_collaborators(actor: User, customer: Customer) -> None:
    """The owner, or someone whose data scope (not a collaboration) lets them edit it."""
    if customer.owner_id == actor.pk:
        return
    vis = visibility(actor, OT, Action.EDIT)
    if vis.allowed and Customer.objects.filter(pk=customer.pk).filter(vis.q()).exists():
        return
    raise PermissionDenied(_("Only the owner or a manager adds collaborators."))


@transaction.atomic
def collaborator_set(*, actor: User, customer: Customer, user: User, access: str) -> Collaborator:
    """Add a collaborator or change their access (read / read_write)."""
    customer = _lock_customer(customer)
    _require_manage_collaborators(actor, customer)
    if access not in CollaboratorAccess.values:
        raise ValidationError(_("Unknown access."), fields={"access": [_("Choose read or read and write.")]})
    if user.pk == customer.owner_id:
        raise ValidationError(_("The owner is not a collaborator of their own customer."))
    if not user.is_active:
        raise ValidationError(_("%(user)s is not an active user.") % {"user": user})
    row, created = Collaborator.objects.get_or_create(
        customer=customer, user=user, defaults={"access": access, "added_by": actor}
    )
    if not created and row.access == access:
        return row
    old = None if created else row.access
    if not created:
        row.access = access
        row.save(update_fields=["access"])
    audit_record(
        actor=actor,
        action="customer.collaborator_set",
        obj=customer,
        changes={f"collaborator:{user.pk}": [old, access]},
    )
    return row


@transaction.atomic
def collaborator_remove(*, actor: User, customer: Customer, user: User) -> None:
    customer = _lock_customer(customer)
    _require_manage_collaborators(actor, customer)
    row = Collaborator.objects.filter(customer=customer, user=user).first()
    if row is None:
        raise NotFound(_("%(user)s is not a collaborator of this customer.") % {"user": user})
    row.delete()
    audit_record(
        actor=actor,
        action="customer.collaborator_remove",
        obj=customer,
        changes={f"collaborator:{user.pk}": [row.access, None]},
    )
