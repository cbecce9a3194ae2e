from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionStatus(models.TextChoices):
    """A version is edited as a draft, published once (then never changes) and retired
    when it can no longer come into force: cancelled before its date, or shadowed by a
    later publication with the same effective date."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")
