"""The export form: the format, and the reason an export over the cap needs."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import ExportFormat


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What"), choices=[("customers", _("Customers")), ("contacts", _("Their contacts"))], initial="customers"
    )
    file_format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices, initial=ExportFormat.XLSX)
    reason = forms.CharField(
        label=_("What the export is for"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the export is larger than the policy allows without an approval."),
    )
