from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Action, DataScope, Role, UnitKind


class User(AbstractUser):
    """A person who signs in. Never deleted: deactivated, so history keeps its actor."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True)
    employee_no = models.CharField(_("employee number"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True, choices=settings.LANGUAGES)
    on_leave_until = models.DateField(_("on leave until"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("lead capacity weight"), default=10, help_text=_("Relative share of new leads this person can take.")
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)


class OrgUnit(models.Model):
    """A node of the org tree (company → department/region → team). ``path`` is the
    materialised list of ancestor ids (``/1/4/9/``) so a subtree is one indexed prefix scan."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, default=UnitKind.TEAM)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="headed_units",
    )
    region_codes = models.JSONField(
        _("provinces covered"),
        default=list,
        blank=True,
        help_text=_("GB/T 2260 codes of the provinces this unit covers."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["path", "sort_order", "name"]

    def __str__(self) -> str:
        return self.name

    def subtree_q(self, field: str = "path") -> Q:
        return Q(**{f"{field}__startswith": self.path})

    def ancestor_ids(self) -> list[int]:
        return [int(x) for x in self.path.strip("/").split("/") if x]


class PostQuerySet(models.QuerySet):
    def active(self, on: dt.date | None = None) -> PostQuerySet:
        on = on or timezone.localdate()
        return self.filter(Q(valid_from__lte=on), Q(valid_to__isnull=True) | Q(valid_to__gte=on))


class Post(models.Model):
    """主岗/兼岗: a person's role in a unit for a period. Moving a person ends one post and
    starts another, so history is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts")
    unit = models.ForeignKey(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="posts")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_main = models.BooleanField(_("main post"), default=True)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    data_scope = models.CharField(
        _("data scope"),
        max_length=32,
        choices=DataScope.choices,
        blank=True,
        help_text=_("Leave empty to use the role's default scope."),
    )
    scope_units = models.ManyToManyField(
        OrgUnit,
        verbose_name=_("chosen units"),
        blank=True,
        related_name="+",
        help_text=_("For the 'chosen units' scope."),
    )

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["-is_main", "valid_from"]
        indexes = [models.Index(fields=["unit", "role"]), models.Index(fields=["user", "valid_to"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="post_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class RoleScope(models.Model):
    """The default data scope of a role; a post may override it. Missing rows fall back to
    the defaults in code (``zhidu.org.permissions.DEFAULT_SCOPES``)."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, unique=True)
    data_scope = models.CharField(_("data scope"), max_length=32, choices=DataScope.choices)

    class Meta:
        verbose_name = _("role data scope")
        verbose_name_plural = _("role data scopes")

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.get_data_scope_display()}"


class ActionPermission(models.Model):
    """One cell of the role × object type × action table. Rows override the defaults in
    code, so an admin's change survives upgrades and a new object type starts sensible."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    object_type = models.CharField(_("object type"), max_length=64)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    allowed = models.BooleanField(_("allowed"))

    class Meta:
        verbose_name = _("action permission")
        verbose_name_plural = _("action permissions")
        constraints = [models.UniqueConstraint(fields=["role", "object_type", "action"], name="uniq_action_permission")]

    def __str__(self) -> str:
        return f"{self.role} {self.object_type} {self.action}={self.allowed}"


class ApiToken(models.Model):
    """A personal API token for integrations. Only a SHA-256 hash is stored; the token is
    shown once. ``last_used_at`` is written at most once a minute (DESIGN: tokens)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    # ApiTokenScope values; "write" always comes with "read" (zhidu.org.tokens).
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return "write" in (self.scopes or [])


class LoginFailure(models.Model):
    """Failed sign-ins per user name, in the database so every app server sees the same
    count (DESIGN: lockout counters are not a per-process cache)."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in failure counter")
        verbose_name_plural = _("sign-in failure counters")

    def __str__(self) -> str:
        return f"{self.username}: {self.failures}"


class UserSession(models.Model):
    """Which session belongs to whom, written at sign-in, so ending a person's sessions is
    one indexed delete instead of decoding every row of the session table."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")  # indexed
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ip = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("sign-in session")
        verbose_name_plural = _("sign-in sessions")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.session_key[:6]}…"
