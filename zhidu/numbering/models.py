from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core import checks
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhidu.core.errors import Conflict

from .choices import DatePart, ResetPeriod, Separator
from .rules import WIDTH_MAX, WIDTH_MIN


class NumberingRule(models.Model):
    """An admin's override of a document type's numbering rule (defaults live in code)."""

    key = models.CharField(gettext_lazy("document type"), max_length=40, unique=True)
    prefix = models.CharField(gettext_lazy("prefix"), max_length=12, blank=True)
    date_part = models.CharField(gettext_lazy("date part"), max_length=10, choices=DatePart.choices)
    width = models.PositiveSmallIntegerField(
        gettext_lazy("sequence width"),
        validators=[MinValueValidator(WIDTH_MIN), MaxValueValidator(WIDTH_MAX)],
        help_text=gettext_lazy("Digits of the sequence, padded with zeros."),
    )
    reset = models.CharField(gettext_lazy("sequence restarts"), max_length=10, choices=ResetPeriod.choices)
    separator = models.CharField(gettext_lazy("separator"), max_length=1, blank=True, choices=Separator.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(gettext_lazy("changed at"), auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("numbering rule")
        verbose_name_plural = gettext_lazy("numbering rules")
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(width__gte=WIDTH_MIN) & Q(width__lte=WIDTH_MAX), name="numberingrule_width_range"
            )
        ]

    def __str__(self) -> str:
        return self.key


class NumberCounter(models.Model):
    """The last number issued per document type and period ('' when it never restarts).
    Incremented by one upsert statement inside the document's transaction (see
    ``services.number_next``); a rollback gives the number back."""

    rule_key = models.CharField(max_length=40)
    period = models.CharField(max_length=8, blank=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = gettext_lazy("number counter")
        verbose_name_plural = gettext_lazy("number counters")
        constraints = [models.UniqueConstraint(fields=["rule_key", "period"], name="numbercounter_rule_period_uniq")]

    def __str__(self) -> str:
        return f"{self.rule_key}/{self.period or '*'}={self.value}"


class NumberedQuerySet(models.QuerySet):
    """Refuses a bulk delete that would remove a numbered document. Combine it with your
    own queryset (``class ContractQuerySet(NumberedQuerySet, ScopedQuerySet)``) when the
    model needs another manager."""

    def delete(self):
        if self.exclude(number="").exists():
            raise Conflict(_("Numbered documents are voided, never deleted."), code="numbered_document")
        return super().delete()

    delete.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]


class NumberedModel(models.Model):
    """A document that gets a number (``HT-202611-0007``) at a defined state and is then
    voided, never deleted.

    - Set ``numbering_key`` to the key registered with ``register_numbering``.
    - The owning service calls ``document_number_assign(obj=...)`` at the state that
      gives the number (e.g. when the contract is signed), inside its transaction.
    - ``document_void(actor=..., obj=..., reason=...)`` voids it; ``delete()`` refuses.
    - A subclass that declares its own ``Meta`` must inherit ``NumberedModel.Meta`` (or
      repeat the constraint): the number is unique per document type, blanks aside. A
      system check (numbering.E001) says so if it is missing.
    - Point foreign keys at numbered documents with ``on_delete=PROTECT``: cascades
      bypass ``delete()``.
    """

    numbering_key: ClassVar[str] = ""

    number = models.CharField(gettext_lazy("number"), max_length=40, blank=True, default="", editable=False)
    voided_at = models.DateTimeField(gettext_lazy("voided at"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("voided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    void_reason = models.TextField(gettext_lazy("reason for voiding"), blank=True)

    objects = NumberedQuerySet.as_manager()

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(
                fields=["number"], condition=~Q(number=""), name="%(app_label)s_%(class)s_number_uniq"
            )
        ]

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None

    def delete(self, *args, **kwargs):
        # A guard, not a rule: the number was issued and must stay accounted for.
        if self.number:
            raise Conflict(
                _("%(number)s is a numbered document: void it with a reason instead of deleting it.")
                % {"number": self.number},
                code="numbered_document",
            )
        return super().delete(*args, **kwargs)

    @classmethod
    def check(cls, **kwargs):
        errors = super().check(**kwargs)
        if cls._meta.abstract:
            return errors
        has_unique = any(
            isinstance(c, models.UniqueConstraint) and tuple(c.fields) == ("number",) for c in cls._meta.constraints
        )
        if not has_unique:
            errors.append(
                checks.Error(
                    "A numbered document needs its number to be unique.",
                    hint="Let Meta inherit NumberedModel.Meta, or add the unique constraint on 'number'.",
                    obj=cls,
                    id="numbering.E001",
                )
            )
        if not cls.numbering_key:
            errors.append(
                checks.Error(
                    "Set numbering_key to the key registered with register_numbering().",
                    obj=cls,
                    id="numbering.E002",
                )
            )
        return errors
