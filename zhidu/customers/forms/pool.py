"""Forms of the pool pages. They only parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhidu.org.models import OrgUnit, User


class ReleaseForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("Why you give this customer up; the pool's members read it."),
    )


class AssignForm(forms.Form):
    to = forms.ModelChoiceField(label=_("Give to"), queryset=User.objects.none())
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = people if people is not None else User.objects.none()


class PoolForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=OrgUnit.objects.filter(is_active=True).order_by("path"),
        required=False,
        empty_label=_("— the company pool —"),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
