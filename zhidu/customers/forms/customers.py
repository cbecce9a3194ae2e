"""Forms of the customer pages. They only parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..choices import CollaboratorAccess
from ..models import Contact, Customer, Tag, TagGroup
from ..services.contacts import CONTACT_FIELDS
from ..services.customers import EDITABLE_FIELDS

FORM_FIELDS = [f for f in EDITABLE_FIELDS if f != "parent"]


class CustomerForm(forms.ModelForm):
    # The parent-company picker: ``parent_q`` is typed (htmx lists matching customers
    # under it, ``customers.js`` fills ``parent_id`` with the one picked); without
    # JavaScript the typed text is taken as the exact name of a customer.
    parent_q = forms.CharField(
        label=_("Parent company"),
        required=False,
        max_length=200,
        help_text=_("For group customers: type part of its name, pinyin or initials and pick it from the list."),
    )
    parent_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    class Meta:
        model = Customer
        fields = FORM_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}), "address": forms.TextInput()}

    def __init__(self, *args, with_contact: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # The services normalise and validate; the form only parses.
        self.fields["credit_code"].validators = []
        self.fields["credit_code"].max_length = 30
        for name in ("name", "credit_code"):
            self.fields[name].widget.attrs["autocomplete"] = "off"
        self.fields["parent_q"].widget.attrs.update(
            {
                "autocomplete": "off",
                "role": "combobox",
                "aria-autocomplete": "list",
                "aria-controls": "parent-options",
                "data-parent-search": "",
                "hx-get": reverse("customers:customer_parent_options"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#parent-options",
                "hx-include": "[name='exclude_id']",
                "hx-sync": "this:replace",
            }
        )
        if with_contact:
            self.fields["contact_name"] = forms.CharField(label=_("Contact name"), max_length=60, required=False)
            self.fields["contact_title"] = forms.CharField(label=_("Job title"), max_length=60, required=False)
            self.fields["contact_phone"] = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
            self.fields["contact_email"] = forms.EmailField(label=_("Contact e-mail"), max_length=200, required=False)

    def _post_clean(self):
        # No model validation here: ``customer_register``/``customer_update`` run it
        # after normalising, so a half-width code or a traditional name is not refused.
        pass

    def service_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in FORM_FIELDS if k in self.cleaned_data}

    def contact_data(self) -> dict | None:
        d = self.cleaned_data
        if not d.get("contact_name"):
            return None
        return {
            "name": d["contact_name"],
            "title": d.get("contact_title", ""),
            "phone": d.get("contact_phone", ""),
            "email": d.get("contact_email", ""),
        }


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)
        widgets = {"birthday": forms.DateInput(attrs={"type": "date"}), "notes": forms.Textarea(attrs={"rows": 3})}

    def _post_clean(self):
        pass

    def service_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in CONTACT_FIELDS if k in self.cleaned_data}


class KeyDateForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=60)
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    remind_days_before = forms.IntegerField(label=_("Remind days before"), min_value=0, max_value=60, initial=3)
    yearly = forms.BooleanField(label=_("Every year"), required=False, initial=True)


class DeleteForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MergeForm(forms.Form):
    source_id = forms.IntegerField(
        label=_("Record to merge into this one (ID)"),
        min_value=1,
        help_text=_("Its contacts, follow-ups and tags move here; it goes to the recycle bin."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class CollaboratorForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=None)
    access = forms.ChoiceField(label=_("Access"), choices=CollaboratorAccess.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from zhidu.org.models import User

        self.fields["user"].queryset = User.objects.filter(is_active=True).order_by("full_name", "username")


class CustomerTagsForm(forms.Form):
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = (
            Tag.objects.filter(is_active=True, group__is_active=True)
            .select_related("group")
            .order_by("group__sort_order", "group__name", "sort_order", "name")
        )


class TagGroupForm(forms.ModelForm):
    class Meta:
        model = TagGroup
        fields = ["name", "exclusive", "sort_order", "is_active"]


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["group", "name", "color", "sort_order", "is_active"]


class ConflictClaimForm(forms.Form):
    name = forms.CharField(label=_("Customer name you registered"), max_length=200, required=False)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=30, required=False)
    phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    email = forms.CharField(label=_("Contact e-mail"), max_length=200, required=False)
    claimant_first_contact_at = forms.DateTimeField(
        label=_("When you first contacted them"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("When and how you met them first: visits, calls, quotes, trade-show contacts."),
    )
    files = forms.FileField(label=_("Evidence files"), required=False)


class ConflictDecideForm(forms.Form):
    winner = forms.ChoiceField(label=_("Winner"), choices=[("claimant", _("Claimant")), ("owner", _("Existing owner"))])
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class LockRequestForm(forms.Form):
    until = forms.DateField(label=_("Lock until"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionRequestForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
