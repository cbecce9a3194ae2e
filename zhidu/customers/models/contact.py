"""Contacts of a customer and the dates to remember about them (key dates)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhidu.core.models import TimeStampedModel
from zhidu.org.choices import Action
from zhidu.org.permissions import ScopedQuerySet

from ..choices import DecisionRole
from ..fields import SearchGramsField


class ContactQuerySet(ScopedQuerySet):
    """A contact is seen by whoever sees its customer (the customer's owner and unit),
    checked against the ``customers.contact`` permissions."""

    owner_field = "customer__owner"
    unit_field = "customer__owner_unit"

    def alive(self) -> ContactQuerySet:
        return self.filter(customer__deleted_at__isnull=True)


class Contact(TimeStampedModel):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="contacts",
        db_index=False,  # contact_customer_idx (customer, is_active) serves it
    )
    name = models.CharField(_("name"), max_length=60)
    search_text = models.CharField(max_length=400, editable=False, default="")
    search_grams = SearchGramsField()
    title = models.CharField(_("job title"), max_length=60, blank=True, default="")
    department = models.CharField(_("department"), max_length=60, blank=True, default="")
    decision_role = models.CharField(
        _("role in the decision"), max_length=20, choices=DecisionRole.choices, blank=True, default=""
    )
    is_primary = models.BooleanField(_("primary contact"), default=False)
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    phone_normalized = models.CharField(max_length=20, editable=False, blank=True, default="")
    phone2 = models.CharField(_("second phone"), max_length=40, blank=True, default="")
    phone2_normalized = models.CharField(max_length=20, editable=False, blank=True, default="")
    email = models.EmailField(_("e-mail"), max_length=200, blank=True, default="")
    email_normalized = models.CharField(max_length=200, editable=False, blank=True, default="")
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True, default="")
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True, default="")
    is_active = models.BooleanField(
        _("still there"), default=True, help_text=_("Clear when the person has left the customer.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # never filtered on
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name", "id"]
        indexes = [
            models.Index(fields=["customer", "is_active"], name="contact_customer_idx"),
            # Equality only (duplicate checks): no ``varchar_pattern_ops`` twins as db_index adds.
            models.Index(fields=["phone_normalized"], name="contact_phone_idx"),
            models.Index(fields=["phone2_normalized"], name="contact_phone2_idx"),
            models.Index(fields=["email_normalized"], name="contact_email_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def visible_extra(cls, user, action: str):
        """Contacts of the customers the user sees beyond their scope (collaborations,
        teammates by policy, pools) — ``Customer.visible_extra`` decides."""
        from django.db.models import Q

        from ..selectors.visibility import customer_visible_extra
        from .customer import Customer

        if action not in (Action.VIEW, Action.EDIT, Action.CREATE):
            return Q(pk__in=[])
        extra = customer_visible_extra(user, Action.VIEW if action == Action.VIEW else Action.EDIT)
        return Q(customer_id__in=Customer.objects.filter(extra).values("pk"))


class KeyDate(models.Model):
    """A date to remember about a contact (anniversary, contract renewal…); a reminder goes
    out ``remind_days_before``. ``yearly`` dates repeat every year (birthdays are on the
    contact itself)."""

    contact = models.ForeignKey(Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="key_dates")
    label = models.CharField(_("label"), max_length=60)
    date = models.DateField(_("date"))
    yearly = models.BooleanField(_("every year"), default=True)
    remind_days_before = models.PositiveSmallIntegerField(_("remind days before"), default=3)

    class Meta:
        verbose_name = _("key date")
        verbose_name_plural = _("key dates")
        ordering = ["date"]
        indexes = [models.Index(fields=["date"], name="keydate_date_idx")]

    def __str__(self) -> str:
        return f"{self.label} {self.date:%Y-%m-%d}"
