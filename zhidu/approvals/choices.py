from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RequestStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("approval", "Pending")
    APPROVED = "approved", pgettext_lazy("approval", "Approved")
    REJECTED = "rejected", pgettext_lazy("approval", "Rejected")
    RETURNED = "returned", pgettext_lazy("approval", "Returned for changes")
    WITHDRAWN = "withdrawn", pgettext_lazy("approval", "Withdrawn")


class StepStatus(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("approval", "Waiting")
    PENDING = "pending", pgettext_lazy("approval", "Pending")
    APPROVED = "approved", pgettext_lazy("approval", "Approved")
    REJECTED = "rejected", pgettext_lazy("approval", "Rejected")
    SKIPPED = "skipped", pgettext_lazy("approval", "Skipped")
    RETURNED = "returned", pgettext_lazy("approval", "Returned for changes")


class StepMode(models.TextChoices):
    """或签 / 会签."""

    ANY = "any", _("Any one approves")
    ALL = "all", _("All must approve")


class TaskStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("approval", "Pending")
    APPROVED = "approved", pgettext_lazy("approval", "Approved")
    REJECTED = "rejected", pgettext_lazy("approval", "Rejected")
    RETURNED = "returned", pgettext_lazy("approval", "Returned for changes")
    SKIPPED = "skipped", pgettext_lazy("approval", "Skipped")
    REASSIGNED = "reassigned", pgettext_lazy("approval", "Reassigned")


class TaskSource(models.TextChoices):
    """How a task came to exist: from the flow, from 转交 or from 加签."""

    FLOW = "flow", _("Approval flow")
    REASSIGNED = "reassigned", _("Reassigned")
    ADDED = "added", _("Added approver")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    RETURN = "return", _("Return for changes")


CLOSED_REQUEST_STATUSES = frozenset(
    {RequestStatus.APPROVED, RequestStatus.REJECTED, RequestStatus.RETURNED, RequestStatus.WITHDRAWN}
)
