from __future__ import annotations

import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhidu.org.models import OrgUnit

from .choices import VersionStatus
from .models import PolicyVersion
from .registry import policy_kinds


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{'— ' * obj.depth}{obj.name}"


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PolicyVersion) -> str:
        scope = obj.policy.unit.name if obj.policy.unit_id else _("Whole company")
        return f"v{obj.number} · {scope} · {obj.effective_from or ''} · {obj.get_status_display()}"


class DraftCreateForm(forms.Form):
    unit = UnitChoiceField(
        label=_("For"),
        queryset=OrgUnit.objects.filter(is_active=True).order_by("path"),
        required=False,
        empty_label=_("Whole company"),
        help_text=_("A unit's policy applies to it and the units below it."),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    based_on = VersionChoiceField(
        label=_("Start from"),
        queryset=PolicyVersion.objects.none(),
        required=False,
        empty_label=_("The rule in force today"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["based_on"].queryset = (
            PolicyVersion.objects.filter(policy__kind=kind)
            .exclude(status=VersionStatus.DRAFT)
            .select_related("policy__unit")
            .order_by("policy__unit__path", "-number")
        )


class DraftEditForm(forms.Form):
    document = forms.CharField(
        label=_("Document (JSON)"),
        widget=forms.Textarea(attrs={"class": "form-control font-monospace", "rows": 24, "spellcheck": "false"}),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
        help_text=_("What changes and why, for the people who will read it."),
    )

    @staticmethod
    def initial_for(version: PolicyVersion) -> dict:
        return {"document": json.dumps(version.document, ensure_ascii=False, indent=2), "note": version.note}


class PublishForm(forms.Form):
    effective_from = forms.DateField(
        label=_("Effective from"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
        help_text=_("The first day the version applies (business time zone)."),
    )
    backdate = forms.BooleanField(
        label=_("Backdate"),
        required=False,
        help_text=_("Allow a date before today (within the open period). Say why in the note."),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"class": "form-control", "rows": 2})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"effective_from": timezone.localdate()})
        super().__init__(*args, **kwargs)


class RetireForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}))


class ClosureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, widget=forms.Select(attrs={"class": "form-select"}))
    closed_through = forms.DateField(
        label=_("Closed through"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Every kind"))] + [
            (k.key, f"{k.key} · {k.label}") for k in policy_kinds()
        ]
