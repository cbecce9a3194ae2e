from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DatePart, ResetPeriod, Separator
from .rules import RuleSpec


class NumberingRuleForm(forms.Form):
    """Shapes the input only; the service decides what is a valid rule."""

    prefix = forms.CharField(
        label=_("Prefix"), required=False, max_length=40, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    date_part = forms.ChoiceField(
        label=_("Date part"), choices=DatePart.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    width = forms.IntegerField(
        label=_("Sequence width"),
        help_text=_("Digits of the sequence, padded with zeros (1–12)."),
        widget=forms.NumberInput(attrs={"class": "form-control"}),
    )
    reset = forms.ChoiceField(
        label=_("Sequence restarts"), choices=ResetPeriod.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    separator = forms.ChoiceField(
        label=_("Separator"),
        choices=Separator.choices,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    @staticmethod
    def initial_for(spec: RuleSpec) -> dict:
        return {
            "prefix": spec.prefix,
            "date_part": spec.date_part,
            "width": spec.width,
            "reset": spec.reset,
            "separator": spec.separator,
        }
