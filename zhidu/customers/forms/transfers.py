"""Forms of the transfer, handover and bulk-action pages. They only parse input; the
services decide (scope, caps, what goes along)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhidu.org.models import User

from ..models import PublicPool, Tag


class _Target(forms.Form):
    to_user = forms.ModelChoiceField(
        label=_("To a person"), queryset=User.objects.none(), required=False, empty_label=_("— choose —")
    )
    to_pool = forms.ModelChoiceField(
        label=_("Or to a public pool"), queryset=PublicPool.objects.none(), required=False, empty_label=_("— none —")
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the transfer and in the audit log; the receiver reads it."),
    )

    def __init__(self, *args, people=None, pools=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = people if people is not None else User.objects.none()
        self.fields["to_pool"].queryset = pools if pools is not None else PublicPool.objects.none()

    def clean(self):
        data = super().clean()
        if bool(data.get("to_user")) == bool(data.get("to_pool")):
            raise forms.ValidationError(_("Choose either a person or a public pool."))
        return data


class HandoverForm(_Target):
    """离职交接: everything a person holds, in one go."""

    include_leads = forms.BooleanField(label=_("Their open leads go too"), required=False, initial=True)
    include_steps = forms.BooleanField(
        label=_("Their open development-plan steps go too"), required=False, initial=True
    )
    include_approvals = forms.BooleanField(
        label=_("Their pending approval tasks go to the receiver (or to you, when the customers go to a pool)"),
        required=False,
        initial=True,
    )

    def include(self) -> set[str]:
        d = self.cleaned_data
        return {
            key
            for key, on in (
                ("leads", d.get("include_leads")),
                ("steps", d.get("include_steps")),
                ("approvals", d.get("include_approvals")),
            )
            if on
        }


class HandoverStartForm(HandoverForm):
    """The handover page's form: whose records, to whom."""

    from_user = forms.ModelChoiceField(
        label=_("Whose records"), queryset=User.objects.none(), empty_label=_("— choose —")
    )

    field_order = ["from_user", "to_user", "to_pool", "reason", "include_leads", "include_steps", "include_approvals"]

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, people=people, **kwargs)
        self.fields["from_user"].queryset = people if people is not None else User.objects.none()

    def clean(self):
        data = super().clean()
        if data.get("from_user") and data.get("to_user") and data["from_user"] == data["to_user"]:
            raise forms.ValidationError(_("Choose someone else to receive the customers."))
        return data


class BulkActionForm(forms.Form):
    """The list's bulk actions on the selected rows."""

    action = forms.ChoiceField(label=_("Action"), choices=())
    to_user = forms.ModelChoiceField(
        label=_("To a person"), queryset=User.objects.none(), required=False, empty_label=_("— choose —")
    )
    to_pool = forms.ModelChoiceField(
        label=_("Or to a public pool"), queryset=PublicPool.objects.none(), required=False, empty_label=_("— none —")
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"), queryset=Tag.objects.none(), required=False, empty_label=_("— choose —")
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, actions=(), people=None, pools=None, tags=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = list(actions)
        self.fields["to_user"].queryset = people if people is not None else User.objects.none()
        self.fields["to_pool"].queryset = pools if pools is not None else PublicPool.objects.none()
        self.fields["tag"].queryset = tags if tags is not None else Tag.objects.none()
