from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ChannelKind


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(ChannelKind.WECOM, ChannelKind.WECOM.label), (ChannelKind.DINGTALK, ChannelKind.DINGTALK.label)],
    )
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("For example: East region sales group"))
    webhook_url = forms.CharField(
        label=_("Webhook URL"),
        max_length=500,
        required=False,
        help_text=_("Copy it from the robot's settings in the group chat."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("DingTalk only (加签, starts with SEC). Leave empty to keep the current one."),
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args, channel=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        if channel is not None:
            self.fields.pop("kind")
            if channel.is_built_in:
                self.fields.pop("webhook_url")
                self.fields.pop("secret")
                self.fields.pop("name")

    def add_service_errors(self, exc) -> None:
        for field, messages in exc.fields.items():
            target = field if field in self.fields else None
            for m in messages:
                self.add_error(target, m)
        if not exc.fields:
            self.add_error(None, str(exc.message))
