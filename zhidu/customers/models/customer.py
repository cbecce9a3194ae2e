"""客户档案: the customer record, its collaborators (协作人) and tags."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhidu.core.models import TimeStampedModel
from zhidu.org.permissions import OwnedModel, ScopedQuerySet

from ..choices import (
    CollaboratorAccess,
    CustomerKind,
    CustomerRequestKind,
    CustomerSize,
    CustomerStatus,
    CustomerTier,
    Industry,
    LeadSource,
    Province,
    RequestStatus,
)
from ..fields import SearchGramsField
from ..validators import validate_credit_code


class CustomerQuerySet(ScopedQuerySet):
    def alive(self) -> CustomerQuerySet:
        """Not in the recycle bin."""
        return self.filter(deleted_at__isnull=True)

    def in_recycle_bin(self) -> CustomerQuerySet:
        return self.filter(deleted_at__isnull=False)

    def owned(self) -> CustomerQuerySet:
        """Held by a person (not in a public pool)."""
        return self.filter(owner__isnull=False, pool__isnull=True)

    def in_pool(self, pool=None) -> CustomerQuerySet:
        qs = self.filter(pool__isnull=False)
        return qs.filter(pool=pool) if pool is not None else qs


class Customer(OwnedModel, TimeStampedModel):
    """A customer record. Owned by one person (``owner``/``owner_unit``) or, when ``pool`` is
    set, lying in a public pool with no owner. Writes only through
    ``zhidu.customers.services`` (``customer_register``, ``customer_update``, …), which
    keep ``search_text``/``search_grams``/``name_normalized`` in step with ``name``."""

    name = models.CharField(_("name"), max_length=200)
    search_text = models.CharField(max_length=1000, editable=False, default="")
    search_grams = SearchGramsField()
    name_normalized = models.CharField(max_length=200, editable=False, default="")  # indexed in Meta
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        default="",
        validators=[validate_credit_code],
        help_text=_("18 characters (GB 32100-2015). Optional for individuals and foreign companies."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.COMPANY)
    industry = models.CharField(_("industry"), max_length=1, choices=Industry.choices, blank=True, default="")
    province = models.CharField(_("province"), max_length=2, choices=Province.choices, blank=True, default="")
    city = models.CharField(_("city"), max_length=60, blank=True, default="")
    size = models.CharField(_("size"), max_length=10, choices=CustomerSize.choices, blank=True, default="")
    address = models.CharField(_("address"), max_length=300, blank=True, default="")
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True, default="")
    source = models.CharField(_("source"), max_length=20, choices=LeadSource.choices, blank=True, default="")
    tier = models.CharField(_("tier"), max_length=1, choices=CustomerTier.choices, default=CustomerTier.C)
    status = models.CharField(
        _("status"), max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.PROSPECT
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="branches",
        help_text=_("For group customers (集团客户): the parent company."),
    )
    notes = models.TextField(_("notes"), blank=True, default="")

    # ``OwnedModel.owner`` without its own index: ``cust_owner_alive_idx`` (owner, deleted_at)
    # serves every lookup by owner (an import writes each index once per row).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    # Public pool (公海): set ⇔ owner is NULL. Indexed by ``cust_pool_alive_idx``.
    pool = models.ForeignKey(
        "customers.PublicPool",
        verbose_name=_("public pool"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
        db_index=False,
    )

    # Protection (保护期) and recycling clocks.
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    protected_until = models.DateField(_("protected until"), null=True, blank=True)
    extension_count = models.PositiveSmallIntegerField(_("protection extensions"), default=0)
    last_valid_follow_up_at = models.DateTimeField(_("last valid follow-up"), null=True, blank=True)
    last_deal_at = models.DateTimeField(_("last deal"), null=True, blank=True)
    recycle_warned_at = models.DateTimeField(_("recycling warning sent at"), null=True, blank=True)

    # Lock (锁定) by approval: not recycled while locked.
    locked_until = models.DateField(_("locked until"), null=True, blank=True)
    lock_approval_id = models.BigIntegerField(_("lock approval"), null=True, blank=True)

    # Who gets the new-customer credit (decided by a conflict claim when contested).
    credit_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("new-customer credit to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # never filtered on (only a user's deletion would look it up)
    )

    # Recycle bin (回收站).
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # never filtered on
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # never filtered on
    )

    tags = models.ManyToManyField(
        "customers.Tag", verbose_name=_("tags"), blank=True, through="customers.CustomerTag", related_name="customers"
    )

    objects: ClassVar = CustomerQuerySet.as_manager()  # ClassVar as on OwnedModel; django-stubs fills in the type

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status"], name="cust_status_idx"),
            models.Index(fields=["tier"], name="cust_tier_idx"),
            models.Index(fields=["protected_until"], name="cust_protected_idx"),
            models.Index(fields=["last_valid_follow_up_at"], name="cust_last_valid_fu_idx"),
            models.Index(fields=["deleted_at"], name="cust_deleted_idx"),
            models.Index(fields=["owner", "deleted_at"], name="cust_owner_alive_idx"),
            models.Index(fields=["pool", "deleted_at"], name="cust_pool_alive_idx"),
            models.Index(fields=["province"], name="cust_province_idx"),
            models.Index(fields=["industry"], name="cust_industry_idx"),
            # Equality only (duplicate checks): no ``varchar_pattern_ops`` twin as db_index adds.
            models.Index(fields=["name_normalized"], name="cust_name_norm_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="uniq_customer_credit_code"
            ),
            models.CheckConstraint(
                condition=Q(pool__isnull=True) | Q(owner__isnull=True), name="customer_pool_has_no_owner"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def in_recycle_bin(self) -> bool:
        return self.deleted_at is not None

    @property
    def in_pool(self) -> bool:
        return self.pool_id is not None

    @property
    def is_protected(self) -> bool:
        return self.protected_until is not None and self.protected_until >= timezone.localdate()

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until >= timezone.localdate()

    @classmethod
    def visible_extra(cls, user, action: str) -> Q:
        """Beyond the data scope: collaborators, teammates when the policy says so, and
        pool members (``zhidu.customers.selectors.visibility``)."""
        from ..selectors.visibility import customer_visible_extra

        return customer_visible_extra(user, action)


class Collaborator(models.Model):
    """协作人: a person who works on someone else's customer with read or read-write access."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="collaborators")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    access = models.CharField(
        _("access"), max_length=12, choices=CollaboratorAccess.choices, default=CollaboratorAccess.READ
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("collaborator")
        verbose_name_plural = _("collaborators")
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="uniq_customer_collaborator")]
        indexes = [models.Index(fields=["user", "access"], name="collab_user_idx")]

    def __str__(self) -> str:
        return f"{self.customer} · {self.user}"


class TagGroup(models.Model):
    """An admin-managed group of tags (e.g. 合作意向, 行业地位). ``exclusive``: a customer
    carries at most one tag of the group."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    exclusive = models.BooleanField(_("one tag per customer"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("tag group")
        verbose_name_plural = _("tag groups")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    group = models.ForeignKey(TagGroup, verbose_name=_("tag group"), on_delete=models.PROTECT, related_name="tags")
    name = models.CharField(_("name"), max_length=60)
    color = models.CharField(_("colour"), max_length=20, blank=True, default="", help_text=_("A Tabler colour name."))
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["group__sort_order", "sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="uniq_tag_name_in_group")]

    def __str__(self) -> str:
        return f"{self.group.name}: {self.name}" if self.group_id else self.name


class CustomerTag(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        constraints = [models.UniqueConstraint(fields=["customer", "tag"], name="uniq_customer_tag")]

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.tag_id}"


class CustomerRequest(TimeStampedModel):
    """A request that needs an approval before it changes a customer: a lock (锁定, not
    recycled until a date) or one further protection extension (保护期延期). The request,
    not the customer, goes through the approval, so the customer stays editable."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.CASCADE, related_name="requests"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=CustomerRequestKind.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    until = models.DateField(_("until"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    approval_id = models.BigIntegerField(_("approval"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("customer request")
        verbose_name_plural = _("customer requests")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "kind", "status"], name="custreq_customer_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.customer_id}"
