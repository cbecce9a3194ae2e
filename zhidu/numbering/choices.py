from django.db import models
from django.utils.translation import gettext_lazy as _


class DatePart(models.TextChoices):
    NONE = "none", _("No date")
    YYYY = "yyyy", _("Year (yyyy)")
    YYYYMM = "yyyymm", _("Year and month (yyyymm)")
    YYYYMMDD = "yyyymmdd", _("Date (yyyymmdd)")


class ResetPeriod(models.TextChoices):
    NEVER = "never", _("Never restarts")
    YEARLY = "yearly", _("Every year")
    MONTHLY = "monthly", _("Every month")
    DAILY = "daily", _("Every day")


class Separator(models.TextChoices):
    HYPHEN = "-", _("Hyphen (-)")
    UNDERSCORE = "_", _("Underscore (_)")
    DOT = ".", _("Dot (.)")
    NONE = "", _("None")
