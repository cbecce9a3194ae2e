"""Forms only parse input; the rules are in the services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .choices import DataScope, Role, UnitKind
from .models import OrgUnit, User


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new_password1 = forms.CharField(
        label=_("New password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password2 = forms.CharField(
        label=_("New password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


EXPIRY_CHOICES = [("", _("Never")), ("30", _("30 days")), ("90", _("90 days")), ("365", _("One year"))]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. 'ERP sync'."), strip=True
    )
    expires_in = forms.ChoiceField(label=_("Expires"), choices=EXPIRY_CHOICES, required=False)
    access = forms.ChoiceField(
        label=_("Access"),
        choices=[("read", _("Read only")), ("write", _("Read and write"))],
        initial="read",
        required=False,  # nothing chosen: the safer read-only
        widget=forms.RadioSelect,
        help_text=_("A read-only token can look things up but cannot create, change or delete anything."),
    )

    def scopes(self) -> list[str]:
        return ["read", "write"] if self.cleaned_data.get("access") == "write" else ["read"]


def _unit_field(label, required: bool = False) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, coerce=int, required=required, empty_value=None)


class OrgUnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.SlugField(label=_("Code"), max_length=40, help_text=_("Letters, digits and hyphens; unique."))
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    parent = _unit_field(_("Parent unit"))
    head = forms.ModelChoiceField(label=_("Head"), queryset=User.objects.none(), required=False)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, initial=0, required=False)
    region_codes = forms.CharField(
        label=_("Provinces covered"),
        required=False,
        help_text=_("Two-digit GB/T 2260 codes, separated by commas, e.g. 31, 32, 33."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, unit_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("(none: top level)")), *unit_choices]
        self.fields["head"].queryset = User.objects.filter(is_active=True).order_by("username")

    def clean_region_codes(self):
        raw = self.cleaned_data.get("region_codes") or ""
        codes = [c.strip() for c in raw.replace("，", ",").split(",") if c.strip()]
        bad = [c for c in codes if not (len(c) == 2 and c.isdigit())]
        if bad:
            raise forms.ValidationError(_("Not a two-digit province code: %(codes)s") % {"codes": ", ".join(bad)})
        return codes

    def clean_sort_order(self):
        return self.cleaned_data.get("sort_order") or 0


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=60)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=32, required=False)
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to create the account without a usable password."),
    )


class UserEditForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=60)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=32, required=False)
    employee_no = forms.CharField(label=_("Employee number"), max_length=32, required=False)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Company default")), *settings.LANGUAGES], required=False
    )
    on_leave_until = forms.DateField(
        label=_("On leave until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    capacity = forms.IntegerField(label=_("Lead capacity weight"), min_value=0, max_value=1000)
    is_staff = forms.BooleanField(label=_("Staff (administrator)"), required=False)

    def __init__(self, *args, can_set_staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_set_staff:
            del self.fields["is_staff"]


class PostAssignForm(forms.Form):
    unit = _unit_field(_("Unit"), required=True)
    role = forms.ChoiceField(label=_("Role"), choices=[("", "—"), *Role.choices])
    is_main = forms.BooleanField(
        label=_("Main post"),
        required=False,
        initial=True,
        help_text=_("A new main post ends the current main post the day before."),
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    data_scope = forms.ChoiceField(
        label=_("Data scope"), choices=[("", _("Role default")), *DataScope.choices], required=False
    )
    scope_units = forms.TypedMultipleChoiceField(
        label=_("Chosen units"), coerce=int, required=False, help_text=_("Only for the 'chosen units' scope.")
    )

    def __init__(self, *args, unit_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *unit_choices]
        self.fields["scope_units"].choices = list(unit_choices)

    def clean(self):
        data = super().clean()
        ids = {data.get("unit"), *(data.get("scope_units") or [])} - {None}
        units = OrgUnit.objects.in_bulk(ids)
        data["unit_obj"] = units.get(data.get("unit"))
        data["scope_unit_objs"] = [units[i] for i in data.get("scope_units") or [] if i in units]
        return data


class PostEndForm(forms.Form):
    valid_to = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))


class RoleScopesForm(forms.Form):
    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(v, label) for v, label in DataScope.choices if v != DataScope.UNITS]
        for role, label in Role.choices:
            self.fields[role] = forms.ChoiceField(label=label, choices=choices, initial=current.get(role))
