"""跟进记录 and 拜访签到: follow-ups, their attachments and managers' comments (点评),
visit check-ins, and development plans for prospects (000 §3.1.2)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from zhidu.core.models import TimeStampedModel
from zhidu.org.permissions import OwnedModel, ScopedQuerySet

from ..choices import ActivityOutcome, PlanStatus


class ActivityType(models.Model):
    """Admin-editable kinds of follow-up. ``counts_as_valid`` is the default; the
    ``follow_up`` policy has the last word on what is a valid follow-up."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=40)
    name_en = models.CharField(_("English name"), max_length=40, blank=True, default="")
    counts_as_valid = models.BooleanField(_("counts as a valid follow-up"), default=True)
    requires_check_in = models.BooleanField(_("requires a visit check-in"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("activity type")
        verbose_name_plural = _("activity types")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        lang = get_language() or ""
        return self.name_en if lang.startswith("en") and self.name_en else self.name


class Activity(OwnedModel, TimeStampedModel):
    """A follow-up (call, visit, meeting, note…) by ``owner`` on a customer and/or a lead.
    ``is_valid`` is decided by the ``follow_up`` policy when written and recorded with its
    version and reason; only valid follow-ups extend protection and count for KPIs."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    lead = models.ForeignKey(
        "customers.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    type = models.ForeignKey(ActivityType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    content = models.TextField(_("content"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=ActivityOutcome.choices, blank=True, default="")
    next_step = models.CharField(_("next step"), max_length=300, blank=True, default="")
    next_date = models.DateField(_("next date"), null=True, blank=True)
    is_valid = models.BooleanField(_("valid follow-up"), default=False)
    validity_reason = models.CharField(_("why (in)valid"), max_length=300, blank=True, default="")
    policy_version_id = models.BigIntegerField(null=True, blank=True)
    policy_ref = models.CharField(_("policy"), max_length=120, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects: ClassVar = ScopedQuerySet.as_manager()  # ClassVar as on OwnedModel; django-stubs fills in the type

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "occurred_at"], name="activity_customer_at_idx"),
            models.Index(fields=["lead", "occurred_at"], name="activity_lead_at_idx"),
            models.Index(fields=["owner", "occurred_at"], name="activity_owner_at_idx"),
            models.Index(fields=["owner", "next_date"], name="activity_owner_next_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.type} · {self.occurred_at:%Y-%m-%d}"


class ActivityAttachment(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="customers/activities/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    content_type = models.CharField(max_length=100, blank=True, default="")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class ActivityComment(models.Model):
    """点评: a manager's comment on a follow-up."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    content = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author}: {self.content[:40]}"


class VisitCheckIn(models.Model):
    """拜访签到 from a phone: position with its accuracy, the server's time, a live photo and
    the distance to the customer's pinned location. ``flagged`` check-ins (no position, too
    far, too inaccurate — the ``visit`` policy) do not make the visit valid."""

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="check_in")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("server time"), default=timezone.now)
    client_time = models.DateTimeField(_("phone time"), null=True, blank=True)
    photo = models.FileField(_("photo"), upload_to="customers/checkins/%Y/%m/", blank=True)
    distance_m = models.PositiveIntegerField(_("distance to the customer (m)"), null=True, blank=True)
    flagged = models.BooleanField(_("flagged"), default=False)
    flag_reason = models.CharField(_("flag reason"), max_length=200, blank=True, default="")
    policy_version_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("visit check-in")
        verbose_name_plural = _("visit check-ins")
        indexes = [models.Index(fields=["user", "checked_in_at"], name="checkin_user_at_idx")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.checked_in_at:%Y-%m-%d %H:%M}"


class DevelopmentPlan(TimeStampedModel):
    """客户开发计划 for a prospect (000 §3.1.2): a goal and dated steps with owners."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="plans"
    )
    title = models.CharField(_("title"), max_length=120)
    goal = models.TextField(_("goal"), blank=True, default="")
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("development plan")
        verbose_name_plural = _("development plans")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class DevelopmentStep(models.Model):
    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(_("step"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, default="")
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("development step")
        verbose_name_plural = _("development steps")
        ordering = ["sort_order", "due_date", "id"]
        indexes = [models.Index(fields=["owner", "due_date"], name="devstep_owner_due_idx")]

    def __str__(self) -> str:
        return self.title
