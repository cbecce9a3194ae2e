from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhidu.org.models import User

from .choices import Decision


def _people():
    return User.objects.filter(is_active=True).order_by("username")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.username})"


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj} ({obj.username})"


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    comment = forms.CharField(
        label=pgettext_lazy("approval", "Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        help_text=_("Required when returning for changes."),
    )


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=pgettext_lazy("approval", "Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class PersonForm(forms.Form):
    """转交 and 加签: one person and a comment."""

    user = PersonChoiceField(
        label=_("Person"), queryset=User.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )
    comment = forms.CharField(
        label=pgettext_lazy("approval", "Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _people()


class CopyForm(forms.Form):
    users = PeopleChoiceField(
        label=_("People"), queryset=User.objects.none(), widget=forms.SelectMultiple(attrs={"class": "form-select"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = _people()


class DelegationForm(forms.Form):
    delegate = PersonChoiceField(
        label=_("Delegate"), queryset=User.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )
    valid_from = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    valid_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = _people()
        if user is not None:
            qs = qs.exclude(pk=user.pk)
        self.fields["delegate"].queryset = qs
