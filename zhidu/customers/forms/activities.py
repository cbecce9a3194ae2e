"""Forms of the follow-up pages. They only parse input; the services decide validity."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import ActivityOutcome, PlanStatus
from ..models import ActivityType, Contact
from ..services.activities import TYPE_FIELDS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ActivityForm(forms.Form):
    type = forms.ModelChoiceField(
        label=_("Kind"), queryset=ActivityType.objects.none(), to_field_name="code", empty_label=None
    )
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=Contact.objects.none(), required=False)
    occurred_at = forms.DateTimeField(
        label=_("When"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    content = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *ActivityOutcome.choices], required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    next_date = forms.DateField(label=_("Next date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = ActivityType.objects.filter(is_active=True).order_by("sort_order", "code")
        if customer is not None:
            self.fields["contact"].queryset = Contact.objects.filter(customer=customer, is_active=True)
        else:
            del self.fields["contact"]


class CheckInForm(forms.Form):
    """Filled by ``static/customers/checkin.js`` from the browser's geolocation; the
    photo comes from the phone's camera (``capture="environment"``)."""

    latitude = forms.DecimalField(required=False, max_digits=12, decimal_places=8, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, max_digits=12, decimal_places=8, widget=forms.HiddenInput)
    accuracy_m = forms.FloatField(required=False, widget=forms.HiddenInput)
    client_time = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    photo = forms.FileField(
        label=_("Photo on site"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    contact = forms.ModelChoiceField(label=_("Contact met"), queryset=Contact.objects.none(), required=False)
    content = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", "—"), *ActivityOutcome.choices], required=False)
    next_step = forms.CharField(label=_("Next step"), max_length=300, required=False)
    next_date = forms.DateField(label=_("Next date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        if customer is not None:
            self.fields["contact"].queryset = Contact.objects.filter(customer=customer, is_active=True)


class CommentForm(forms.Form):
    content = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ActivityTypeForm(forms.ModelForm):
    class Meta:
        model = ActivityType
        fields = list(TYPE_FIELDS)

    def _post_clean(self):
        # The service runs the model validation.
        pass

    def service_data(self, *, creating: bool) -> dict:
        data = {k: self.cleaned_data[k] for k in TYPE_FIELDS if k in self.cleaned_data}
        if not creating:
            data.pop("code", None)
        return data


class PlanForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    goal = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    target_date = forms.DateField(
        label=_("Target date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class StepForm(forms.Form):
    title = forms.CharField(label=_("Step"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        from zhidu.org.models import User

        self.fields["owner"].queryset = people if people is not None else User.objects.filter(is_active=True)


class PlanStatusForm(forms.Form):
    status = forms.ChoiceField(choices=PlanStatus.choices)
