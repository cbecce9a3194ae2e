"""公海: public pools and the log of every claim, release, recycle and assignment."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import PoolEventKind


class PublicPool(models.Model):
    """A team's or region's pool (``unit``); a pool with no unit is the company's. The
    rules (claim limits, cooldown, recycling) are the ``pool`` policy resolved for the unit."""

    name = models.CharField(_("name"), max_length=60)
    unit = models.OneToOneField(
        "org.OrgUnit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="public_pool",
    )
    policy_ref = models.CharField(_("policy"), max_length=120, blank=True, default="")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("public pool")
        verbose_name_plural = _("public pools")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PoolEvent(models.Model):
    """One claim, release, recycle or assignment; readable by the pool's members."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="pool_events"
    )
    pool = models.ForeignKey(PublicPool, verbose_name=_("pool"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=10, choices=PoolEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the scheduled job did it."),
    )
    from_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("former owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    to_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("new owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True, default="")
    policy_version_id = models.BigIntegerField(null=True, blank=True)
    policy_ref = models.CharField(_("policy"), max_length=120, blank=True, default="")
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("pool event")
        verbose_name_plural = _("pool events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["pool", "at"], name="poolevent_pool_at_idx"),
            models.Index(fields=["customer", "at"], name="poolevent_customer_at_idx"),
            models.Index(fields=["actor", "kind", "at"], name="poolevent_actor_kind_idx"),
            models.Index(fields=["from_owner", "kind", "at"], name="poolevent_from_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer_id}"
