from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ChannelKind(models.TextChoices):
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", pgettext_lazy("notification channel", "E-mail")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


BUILT_IN_KINDS = frozenset({ChannelKind.IN_APP, ChannelKind.EMAIL})
WEBHOOK_KINDS = frozenset({ChannelKind.WECOM, ChannelKind.DINGTALK})


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("delivery", "Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Failed, will retry")
    FAILED = "failed", _("Failed")
