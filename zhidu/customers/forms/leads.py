"""Forms of the lead pages. They only parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import CustomerKind, CustomerTier, DisqualifyReason, Industry, Province
from ..models import Lead
from ..services.leads import LEAD_FIELDS

ASSIGN_CHOICES = [
    ("self", _("Keep it myself")),
    ("auto", _("Allocate automatically (the turn)")),
    ("none", _("Leave unassigned for a manager")),
]


class LeadForm(forms.ModelForm):
    class Meta:
        model = Lead
        fields = list(LEAD_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, units=None, assign_choices=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("company", "contact_name", "phone", "email"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        for name in ("province", "industry"):
            field = self.fields[name]
            field.choices = [("", "—"), *[c for c in field.choices if c[0] != ""]]
        if units is not None:
            self.fields["unit"] = forms.ModelChoiceField(
                label=_("For unit"),
                queryset=units,
                empty_label="—",
                required=False,
                help_text=_("The team whose people the lead goes to; empty: your own."),
            )
        if assign_choices:
            choices = list(assign_choices)
            if people is not None:
                choices += [(f"user:{u.pk}", u.display_name) for u in people]
            self.fields["assign"] = forms.ChoiceField(label=_("Who works it"), choices=choices)

    def _post_clean(self):
        # The services normalise and validate; a phone like "+86 138-…" is not refused here.
        pass

    def service_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in LEAD_FIELDS if k in self.cleaned_data}


class DisqualifyForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *DisqualifyReason.choices])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ChecklistForm(forms.Form):
    """One box and one note per item of the ``lead`` policy's checklist."""

    def __init__(self, *args, items=(), answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        answers = answers or {}
        self.items = list(items)
        for item in self.items:
            a = answers.get(item.code) or {}
            self.fields[f"ok_{item.code}"] = forms.BooleanField(
                label=item.display, required=False, initial=bool(a.get("ok"))
            )
            self.fields[f"note_{item.code}"] = forms.CharField(
                label=_("Note"), required=False, max_length=300, initial=a.get("note", "")
            )

    def rows(self):
        return [{"item": i, "ok": self[f"ok_{i.code}"], "note": self[f"note_{i.code}"]} for i in self.items]

    def answers(self) -> dict:
        d = self.cleaned_data
        return {i.code: {"ok": d.get(f"ok_{i.code}", False), "note": d.get(f"note_{i.code}", "")} for i in self.items}


class ConvertForm(forms.Form):
    """Convert into a new customer (names as the customer form has them, so the shell's
    live duplicate check reads them), or attach to one of the owner's customers."""

    mode = forms.ChoiceField(
        label=_("Convert into"),
        choices=[("new", _("A new customer")), ("attach", _("A customer already held"))],
        initial="new",
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=_("Customer name"), max_length=200, required=False)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=30, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=CustomerKind.choices, required=False)
    tier = forms.ChoiceField(label=_("Tier"), choices=CustomerTier.choices, initial=CustomerTier.C, required=False)
    industry = forms.ChoiceField(label=_("Industry"), choices=[("", "—"), *Industry.choices], required=False)
    province = forms.ChoiceField(label=_("Province"), choices=[("", "—"), *Province.choices], required=False)
    city = forms.CharField(label=_("City"), max_length=60, required=False)
    contact_name = forms.CharField(label=_("Contact name"), max_length=60, required=False)
    contact_title = forms.CharField(label=_("Job title"), max_length=60, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), max_length=200, required=False)
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=None, required=False)

    def __init__(self, *args, customers=None, **kwargs):
        super().__init__(*args, **kwargs)
        from ..models import Customer

        self.fields["customer"].queryset = customers if customers is not None else Customer.objects.none()
        for name in ("name", "credit_code", "contact_phone", "contact_email"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def clean(self):
        d = super().clean()
        if d.get("mode") == "attach" and not d.get("customer"):
            self.add_error("customer", _("Choose the customer."))
        if d.get("mode") == "new" and not (d.get("name") or "").strip():
            self.add_error("name", _("This field is required."))
        return d

    def customer_data(self) -> dict:
        d = self.cleaned_data
        out = {k: d[k] for k in ("name", "credit_code", "kind", "tier", "industry", "province", "city") if d.get(k)}
        return out

    def contact_data(self) -> dict:
        d = self.cleaned_data
        return {
            "name": d.get("contact_name", ""),
            "title": d.get("contact_title", ""),
            "phone": d.get("contact_phone", ""),
            "email": d.get("contact_email", ""),
        }


class AssignForm(forms.Form):
    to = forms.ModelChoiceField(label=_("Give it to"), queryset=None)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        from zhidu.org.models import User

        self.fields["to"].queryset = people if people is not None else User.objects.none()


class FairnessForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False)
    period = forms.ChoiceField(label=_("Period"), choices=[("month", _("Month")), ("week", _("Week"))], required=False)
    date = forms.DateField(
        label=_("Date in the period"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, ("· " * max(0, u.depth)) + u.name) for u in units]
