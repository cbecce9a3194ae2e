"""Forms of the import pages: the upload, and the column mapping built from the file's
headers and the fields of the import kind."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from zhidu.org.models import User

from ..choices import ImportEncoding, ImportKind


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (as Excel saves it: GBK, or UTF-8 with or without BOM) or XLSX, at most 50 MB."),
    )
    encoding = forms.ChoiceField(
        label=_("Encoding (CSV)"), choices=ImportEncoding.choices, initial=ImportEncoding.AUTO, required=False
    )
    sheet = forms.CharField(
        label=_("Sheet (XLSX)"), max_length=100, required=False, help_text=_("Empty: the first sheet.")
    )
    owner = forms.ModelChoiceField(
        label=_("Records go to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— me (leads: nobody yet) —"),
    )

    def __init__(self, *args, people=None, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people if people is not None else User.objects.none()
        if kinds is not None:
            self.fields["kind"].choices = [c for c in ImportKind.choices if c[0] in kinds]


class MappingForm(forms.Form):
    """One choice per import field: which column of the file holds it."""

    def __init__(self, *args, fields=(), headers=(), mapping=None, people=None, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        columns = [("", "—")] + [(str(i), f"{i + 1}. {h}") for i, h in enumerate(headers)]
        mapping = mapping or {}
        self.import_fields = list(fields)
        for f in self.import_fields:
            self.fields[f"col_{f.key}"] = forms.ChoiceField(
                label=f"{f.label}{' *' if f.required else ''}",
                choices=columns,
                required=f.required,
                initial=str(mapping[f.key]) if f.key in mapping else "",
            )
        if people is not None:
            self.fields["owner"] = forms.ModelChoiceField(
                label=_("Records go to"),
                queryset=people,
                required=False,
                initial=owner,
                empty_label=_("— nobody yet —"),
            )

    def mapping(self) -> dict[str, int]:
        return {
            f.key: int(self.cleaned_data[f"col_{f.key}"])
            for f in self.import_fields
            if self.cleaned_data.get(f"col_{f.key}") not in (None, "")
        }
