"""Approval requests (审批), their steps and the per-approver tasks.

A request is one round of approval of one object (any model, through its content type):
the flow chosen from the approval policy, the policy version used, and a snapshot and
SHA-256 of the fields being decided. Steps are resolved to people at submission
(``approver_ids``); tasks are created when a step becomes current, so a delegation in
force at that moment applies. Decisions are conditional UPDATEs on the task and the
request (``status = pending`` → decided), see ``services``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from zhidu.org.permissions import ScopedQuerySet

from .choices import RequestStatus, StepMode, StepStatus, TaskSource, TaskStatus
from .policies import display_name


class ApprovalRequestQuerySet(ScopedQuerySet):
    """Scoped on the submitter and the unit the request counts for; participants
    (approvers, the people they act for, people copied in) always see it too."""

    owner_field = "submitter"
    unit_field = "unit"


class ApprovalRequest(models.Model):
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(pgettext_lazy("approval", "object"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, null=True, blank=True)
    unit = models.ForeignKey(
        "org.OrgUnit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    flow_name = models.CharField(_("flow"), max_length=64)
    flow_label = models.CharField(_("flow name"), max_length=100, blank=True)
    flow_hint = models.CharField(max_length=64, blank=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    policy_version_id = models.BigIntegerField(_("policy version"), null=True, blank=True)
    policy_ref = models.CharField(_("policy"), max_length=100, blank=True)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    snapshot = models.JSONField(_("snapshot"), default=dict, blank=True)
    snapshot_hash = models.CharField(_("snapshot SHA-256"), max_length=64)
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitter"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    closing_comment = models.TextField(pgettext_lazy("approval", "comment"), blank=True)

    objects = ApprovalRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("approval request")
        verbose_name_plural = _("approval requests")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="appr_req_object"),
            models.Index(fields=["submitter", "status", "submitted_at"], name="appr_req_submitter"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "round"], name="appr_req_uniq_round"),
            # One open request per object: a second submission (or a double click on
            # "submit") fails here even if two transactions race.
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(status="pending"),
                name="appr_req_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def visible_extra(cls, user, action) -> Q:
        tasks = ApprovalTask.objects.filter(Q(approver_id=user.pk) | Q(acting_for_id=user.pk)).values("request_id")
        ccs = ApprovalCC.objects.filter(user_id=user.pk).values("request_id")
        return Q(pk__in=tasks) | Q(pk__in=ccs)

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.PENDING

    @property
    def object_type(self) -> str:
        return f"{self.content_type.app_label}.{self.content_type.model}"

    @property
    def object_type_label(self) -> str:
        model = self.content_type.model_class()
        return str(model._meta.verbose_name) if model else self.content_type.model

    @property
    def flow_display(self) -> str:
        return display_name(self.flow_label) if self.flow_label else self.flow_name


class ApprovalStep(models.Model):
    request = models.ForeignKey(
        ApprovalRequest, verbose_name=_("approval request"), on_delete=models.PROTECT, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    mode = models.CharField(_("mode"), max_length=8, choices=StepMode.choices, default=StepMode.ANY)
    status = models.CharField(_("status"), max_length=16, choices=StepStatus.choices, default=StepStatus.WAITING)
    # The people the flow resolved at submission, and the rule they came from (for "why me?").
    approver_ids = models.JSONField(_("approvers"), default=list, blank=True)
    rule = models.JSONField(_("rule"), default=dict, blank=True)
    activated_at = models.DateTimeField(_("started at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["request", "order"]
        constraints = [models.UniqueConstraint(fields=["request", "order"], name="appr_step_uniq_order")]

    def __str__(self) -> str:
        return f"{self.request_id}#{self.order} {self.name}"

    @property
    def display_name(self) -> str:
        """The step's name in the reader's language; 多级主管 steps carry their level."""
        level = (self.rule or {}).get("level_index")
        name = display_name(self.name) if self.name else ""
        if level:
            return f"{name} ({level})" if name else gettext("Manager level %(level)s") % {"level": level}
        return name or gettext("Step %(order)s") % {"order": self.order}


class ApprovalTask(models.Model):
    """One approver's part in one step. ``acting_for`` is the person a delegate stands in for."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.PROTECT, related_name="tasks")
    step = models.ForeignKey(
        ApprovalStep, verbose_name=pgettext_lazy("approval", "step"), on_delete=models.PROTECT, related_name="tasks"
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.PROTECT, related_name="+"
    )
    acting_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acting for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.PENDING)
    source = models.CharField(_("source"), max_length=16, choices=TaskSource.choices, default=TaskSource.FLOW)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(pgettext_lazy("approval", "comment"), blank=True)

    class Meta:
        verbose_name = _("approval task")
        verbose_name_plural = _("approval tasks")
        ordering = ["step__order", "created_at", "id"]
        indexes = [
            # The inbox: pending tasks by approver.
            models.Index(fields=["approver", "status", "created_at"], name="appr_task_inbox"),
            models.Index(fields=["request", "status"], name="appr_task_request"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "approver"], condition=Q(status="pending"), name="appr_task_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} · {self.approver_id} · {self.status}"


class ApprovalCC(models.Model):
    """抄送: someone copied in on a request. Notified when the request is decided (flow
    copies) or at once (copies added by a participant)."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.PROTECT, related_name="ccs")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("copied to"), on_delete=models.PROTECT, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("approval", "copy")
        verbose_name_plural = pgettext_lazy("approval", "copies")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["user", "created_at"], name="appr_cc_user")]
        constraints = [models.UniqueConstraint(fields=["request", "user"], name="appr_cc_uniq")]

    def __str__(self) -> str:
        return f"{self.request_id} → {self.user_id}"


class ApprovalDelegation(models.Model):
    """While on leave, ``user``'s new approval tasks go to ``delegate`` (recorded as
    ``acting_for``). Dates are business-time-zone dates, both inclusive."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.PROTECT, related_name="+"
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("delegate"), on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("to"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["user", "valid_from", "valid_to"], name="appr_deleg_user")]
        constraints = [
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")), name="appr_deleg_range"),
            models.CheckConstraint(condition=~Q(user=models.F("delegate")), name="appr_deleg_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.delegate_id} {self.valid_from}…{self.valid_to}"


class ApprovableModel(models.Model):
    """Mixin for documents that go through approval: a key to their current request.
    Owning apps call ``approval_guard_editable(obj)`` in their edit services."""

    approval_request = models.ForeignKey(
        ApprovalRequest,
        verbose_name=_("approval request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True

    @property
    def is_locked_for_approval(self) -> bool:
        request = self.approval_request if getattr(self, "approval_request_id", None) else None
        return request is not None and request.status == RequestStatus.PENDING
