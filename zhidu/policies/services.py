"""Writing policies: drafts, publication, retiring a scheduled version, closing periods.

Every write is one transaction with its audit row, refuses with an ``ApplicationError``
and leaves nothing half-written. A published version never changes: to change a rule,
create a new draft from it and publish that with a later (or the same) effective date.
``policy_resolve`` (reading) lives in ``selectors.py`` and is re-exported here and from
``zhidu.policies``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record
from zhidu.core.errors import Conflict, NotFound, ValidationError
from zhidu.org.models import OrgUnit

from .choices import VersionStatus
from .documents import document_diff, document_normalise, kind_get
from .models import Policy, PolicyClosure, PolicyVersion
from .permissions import require_edit
from .selectors import (  # noqa: F401  (re-exported: the contract other apps import)
    ResolvedPolicy,
    policy_cache,
    policy_cache_invalidate,
    policy_closed_through,
    policy_resolve,
    version_ref,
)

OBJECT_TYPE = "policies.policyversion"


def _lock(version: PolicyVersion | int) -> PolicyVersion:
    pk = version.pk if isinstance(version, PolicyVersion) else version
    locked = PolicyVersion.objects.select_for_update(of=("self",)).select_related("policy__unit").filter(pk=pk).first()
    if locked is None:
        raise NotFound(_("There is no such policy version; it may have been discarded."))
    return locked


def _status_label(version: PolicyVersion) -> str:
    return str(VersionStatus(version.status).label)


def _not_a_draft(version: PolicyVersion) -> Conflict:
    return Conflict(
        _("Version %(n)s is %(status)s and can no longer change. Create a new draft from it instead.")
        % {"n": version.number, "status": _status_label(version)},
        code="not_draft",
    )


def _changed_written() -> None:
    # Drop cached resolutions now (this process) and again once the write is visible to
    # everyone (commit), so no cache serves the version that was in force before.
    policy_cache_invalidate()
    transaction.on_commit(policy_cache_invalidate)


@transaction.atomic
def policy_draft_create(
    *,
    actor,
    kind: str,
    unit: OrgUnit | None = None,
    based_on: PolicyVersion | None = None,
    note: str = "",
) -> PolicyVersion:
    """A new draft of ``kind`` for ``unit`` (None: the whole company). It starts from
    ``based_on`` when given, else from the rule in force today at that unit (which may be
    inherited from a parent unit or be the default in code). One draft per policy."""
    require_edit(actor)
    k = kind_get(kind)
    if unit is not None and not unit.is_active:
        raise ValidationError(_("This org unit is no longer active."), fields={"unit": [_("Choose an active unit.")]})
    if based_on is not None:
        based_on = PolicyVersion.objects.select_related("policy").filter(pk=based_on.pk).first()
        if based_on is None:
            raise NotFound(_("There is no such policy version; it may have been discarded."))
        if based_on.status == VersionStatus.DRAFT:
            msg = _("Start from a published version, not from a draft.")
            raise ValidationError(msg, fields={"based_on": [msg]})
        if based_on.policy.kind != k.key:
            msg = _("The version to start from is of another kind.")
            raise ValidationError(msg, fields={"based_on": [msg]})
        document = document_normalise(k, based_on.document, based_on.schema_version)
    else:
        document = policy_resolve(k.key, unit=unit).as_dict()
    try:
        with transaction.atomic():
            policy, _created = Policy.objects.get_or_create(kind=k.key, unit=unit)
    except IntegrityError:
        policy = Policy.objects.get(kind=k.key, unit=unit)
    # Serialise drafts of one policy (version numbers, one draft at a time).
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    existing = PolicyVersion.objects.filter(policy=policy, status=VersionStatus.DRAFT).first()
    if existing is not None:
        raise Conflict(
            _("There is already a draft (version %(n)s) of this policy. Edit or discard it first.")
            % {"n": existing.number},
            code="draft_exists",
        )
    number = (PolicyVersion.objects.filter(policy=policy).aggregate(m=Max("number"))["m"] or 0) + 1
    version = PolicyVersion.objects.create(
        policy=policy,
        number=number,
        status=VersionStatus.DRAFT,
        document=document,
        schema_version=k.schema_version,
        based_on=based_on,
        note=note,
        author=actor,
    )
    audit_record(
        actor=actor,
        action="policy.draft_create",
        obj=version,
        object_type=OBJECT_TYPE,
        object_repr=version_ref(version),
        changes={"kind": k.key, "unit": unit.pk if unit else None, "based_on": based_on.pk if based_on else None},
    )
    return version


@transaction.atomic
def policy_draft_update(*, actor, version: PolicyVersion, document: Any, note: str | None = None) -> PolicyVersion:
    """Replace a draft's document after validating it against the kind's model (field
    errors per path). The stored document is written out in full, defaults filled in."""
    require_edit(actor)
    locked = _lock(version)
    if locked.status != VersionStatus.DRAFT:
        raise _not_a_draft(locked)
    k = kind_get(locked.policy.kind)
    normalised = document_normalise(k, document)
    before = locked.document
    locked.document = normalised
    locked.schema_version = k.schema_version
    fields = ["document", "schema_version", "updated_at"]
    if note is not None:
        locked.note = note
        fields.append("note")
    locked.save(update_fields=fields)
    audit_record(
        actor=actor,
        action="policy.draft_update",
        obj=locked,
        object_type=OBJECT_TYPE,
        object_repr=version_ref(locked),
        changes={d.path or "document": [d.old, d.new] for d in document_diff(before, normalised)},
    )
    return locked


@transaction.atomic
def policy_draft_discard(*, actor, version: PolicyVersion) -> None:
    require_edit(actor)
    locked = _lock(version)
    if locked.status != VersionStatus.DRAFT:
        raise _not_a_draft(locked)
    audit_record(
        actor=actor,
        action="policy.draft_discard",
        obj=locked,
        object_type=OBJECT_TYPE,
        object_repr=version_ref(locked),
        changes={"document": locked.document},
    )
    locked.delete()


def _check_effective_from(kind: str, effective_from: Any, *, backdate: bool, note: str) -> dt.date:
    if not isinstance(effective_from, dt.date) or isinstance(effective_from, dt.datetime):
        msg = _("Enter the date the version takes effect.")
        raise ValidationError(msg, fields={"effective_from": [msg]})
    closed = policy_closed_through(kind)
    if closed is not None and effective_from <= closed:
        msg = _("The period through %(date)s is closed; a version can take effect from %(next)s at the earliest.") % {
            "date": closed.isoformat(),
            "next": (closed + dt.timedelta(days=1)).isoformat(),
        }
        raise ValidationError(msg, fields={"effective_from": [msg]}, code="period_closed")
    today = timezone.localdate()
    if effective_from < today:
        if not backdate:
            msg = _("%(date)s is in the past. To backdate within the open period, tick “backdate” and say why.") % {
                "date": effective_from.isoformat()
            }
            raise ValidationError(msg, fields={"effective_from": [msg]}, code="backdate_required")
        if not note.strip():
            msg = _("Say why this version is backdated.")
            raise ValidationError(msg, fields={"note": [msg]})
    return effective_from


@transaction.atomic
def policy_publish(
    *, actor, version: PolicyVersion, effective_from: dt.date, backdate: bool = False, note: str = ""
) -> PolicyVersion:
    """Publish a draft from ``effective_from`` (a business-time-zone date). From then on
    the version never changes. The date may not fall in a closed period, nor before today
    unless ``backdate`` is set with a note saying why. A published version of the same
    policy with the same date is retired: it could never be in force again."""
    require_edit(actor)
    locked = _lock(version)
    if locked.status != VersionStatus.DRAFT:
        raise Conflict(
            _("Version %(n)s is already %(status)s.") % {"n": locked.number, "status": _status_label(locked)},
            code="not_draft",
        )
    k = kind_get(locked.policy.kind)
    note = (note or "").strip()
    effective_from = _check_effective_from(k.key, effective_from, backdate=backdate, note=note)
    # The kind's model may have changed since the draft was saved: publish only what
    # parses today, written in the current schema.
    document = document_normalise(k, locked.document, locked.schema_version)
    now = timezone.now()
    updated = PolicyVersion.objects.filter(pk=locked.pk, status=VersionStatus.DRAFT).update(
        status=VersionStatus.PUBLISHED,
        effective_from=effective_from,
        document=document,
        schema_version=k.schema_version,
        published_by=actor,
        published_at=now,
        note=note or locked.note,
        updated_at=now,
    )
    if updated != 1:  # someone published or discarded it a moment ago
        raise Conflict(_("This draft was published or discarded by someone else. Reload the page."))
    locked.refresh_from_db()
    audit_record(
        actor=actor,
        action="policy.publish",
        obj=locked,
        object_type=OBJECT_TYPE,
        object_repr=version_ref(locked),
        changes={
            "effective_from": effective_from.isoformat(),
            "backdated": bool(effective_from < timezone.localdate()),
        },
        reason=note,
    )
    shadowed = list(
        PolicyVersion.objects.filter(
            policy_id=locked.policy_id, status=VersionStatus.PUBLISHED, effective_from=effective_from
        ).exclude(pk=locked.pk)
    )
    if shadowed:
        reason = _("Replaced by version %(n)s with the same effective date.") % {"n": locked.number}
        PolicyVersion.objects.filter(pk__in=[v.pk for v in shadowed], status=VersionStatus.PUBLISHED).update(
            status=VersionStatus.RETIRED, retired_at=now, retired_reason=reason, updated_at=now
        )
        for v in shadowed:
            audit_record(
                actor=actor,
                action="policy.retire",
                obj=v,
                object_type=OBJECT_TYPE,
                object_repr=version_ref(v),
                changes={"status": [VersionStatus.PUBLISHED, VersionStatus.RETIRED]},
                reason=reason,
            )
    _changed_written()
    return locked


@transaction.atomic
def policy_version_retire(*, actor, version: PolicyVersion, reason: str) -> PolicyVersion:
    """Cancel a published version that has not yet taken effect. A version that is or was
    in force stays: results computed under it name it. Publish a new version instead."""
    require_edit(actor)
    reason = (reason or "").strip()
    if not reason:
        msg = _("Say why this version is retired.")
        raise ValidationError(msg, fields={"reason": [msg]})
    locked = _lock(version)
    if locked.status != VersionStatus.PUBLISHED:
        raise Conflict(
            _("Only a published version can be retired; version %(n)s is %(status)s.")
            % {"n": locked.number, "status": _status_label(locked)},
            code="not_published",
        )
    # A published version always has a date (constraint policyversion_published_has_date).
    assert locked.effective_from is not None
    if locked.effective_from <= timezone.localdate():
        raise Conflict(
            _("Version %(n)s has already taken effect; publish a new version to change the rule.")
            % {"n": locked.number},
            code="in_force",
        )
    now = timezone.now()
    updated = PolicyVersion.objects.filter(pk=locked.pk, status=VersionStatus.PUBLISHED).update(
        status=VersionStatus.RETIRED, retired_at=now, retired_reason=reason, updated_at=now
    )
    if updated != 1:
        raise Conflict()
    locked.refresh_from_db()
    audit_record(
        actor=actor,
        action="policy.retire",
        obj=locked,
        object_type=OBJECT_TYPE,
        object_repr=version_ref(locked),
        changes={"status": [VersionStatus.PUBLISHED, VersionStatus.RETIRED]},
        reason=reason,
    )
    _changed_written()
    return locked


@transaction.atomic
def policy_closure_record(*, actor, closed_through: dt.date, kind: str = "", note: str = "") -> PolicyClosure:
    """Close the period through ``closed_through`` for ``kind`` (empty: every kind): from
    now on no version may take effect on or before that day. Only moves forward."""
    require_edit(actor)
    if kind:
        kind_get(kind)
    if not isinstance(closed_through, dt.date) or isinstance(closed_through, dt.datetime):
        msg = _("Enter the last day of the closed period.")
        raise ValidationError(msg, fields={"closed_through": [msg]})
    if closed_through > timezone.localdate():
        msg = _("A period that has not ended yet cannot be closed.")
        raise ValidationError(msg, fields={"closed_through": [msg]})
    current = (
        policy_closed_through(kind)
        if kind
        else PolicyClosure.objects.filter(kind="").aggregate(d=Max("closed_through"))["d"]
    )
    if current is not None and closed_through <= current:
        msg = _("The period is already closed through %(date)s.") % {"date": current.isoformat()}
        raise ValidationError(msg, fields={"closed_through": [msg]})
    closure = PolicyClosure.objects.create(kind=kind, closed_through=closed_through, note=note, closed_by=actor)
    audit_record(
        actor=actor,
        action="policy.close_period",
        obj=closure,
        changes={"kind": kind, "closed_through": closed_through.isoformat()},
        reason=note,
    )
    return closure
