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
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Copy it from the robot's settings in the group chat."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("DingTalk only (加签, starts with SEC)."),
    )
    secret_clear = forms.BooleanField(label=_("Remove the signing secret"), required=False)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args, channel=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        if channel is None:
            # A new robot: show the address being pasted (nothing stored is echoed here).
            self.fields["webhook_url"].widget = forms.TextInput()
            self.fields.pop("secret_clear")
            return
        self.fields.pop("kind")
        if channel.is_built_in:
            for name in ("webhook_url", "secret", "secret_clear", "name"):
                self.fields.pop(name)
            return
        # Stored secrets are never sent back to the browser: the field says whether one is
        # set and stays empty; leaving it empty keeps the stored value.
        self.fields["webhook_url"].help_text = _("Set: %(url)s — leave empty to keep it, or paste a new one.") % {
            "url": channel.masked_url
        }
        if channel.kind != ChannelKind.DINGTALK:
            self.fields.pop("secret")
            self.fields.pop("secret_clear")
        elif channel.secret:
            self.fields["secret"].help_text = _("Set. Leave empty to keep it, or enter a new one.")
        else:
            self.fields["secret"].help_text = _("Not set. DingTalk only (加签, starts with SEC).")
            self.fields.pop("secret_clear")

    def update_fields(self) -> dict:
        """What ``channel_update`` gets: an empty URL or secret keeps the stored one."""
        fields = dict(self.cleaned_data)
        for name in ("webhook_url", "secret"):
            if name in fields and not fields[name]:
                fields[name] = None
        if fields.pop("secret_clear", False):
            fields["secret"] = ""
        return fields

    def add_service_errors(self, exc) -> None:
        for field, messages in exc.fields.items():
            target = field if field in self.fields else None
            for m in messages:
                self.add_error(target, m)
        if not exc.fields:
            self.add_error(None, str(exc.message))
