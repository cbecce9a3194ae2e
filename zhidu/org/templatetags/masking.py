"""``{% load masking %}``:

- ``{{ phone|phone_for:user }}`` — COARSE: full number if the person holds ``view_phone``
  on at least one object type, masked (138****5678) otherwise. Prefer the exact forms:
- ``{{ contact|phone_for:user }}`` — given a model instance: its ``phone`` field, checked
  against that model's object type (``customers.contact``);
- ``{% masked_phone value user "customers.contact" %}`` — the exact check on one object
  type; use it where the page shows that type;
- ``{{ email|email_for:user }}`` / ``{% masked_email value user "org.user" %}`` likewise;
- ``{{ value|mask_phone }}`` / ``{{ value|mask_email }}`` — always masked (exports, logs).
"""

from django import template
from django.db import models

from zhidu.core import masking

register = template.Library()


@register.filter
def phone_for(value, user):
    if isinstance(value, models.Model):
        return masking.phone_for(user, value._meta.label_lower, getattr(value, "phone", ""))
    if value in (None, ""):
        return ""
    return str(value) if masking.can_view_phone_anywhere(user) else masking.mask_phone(value)


@register.filter
def email_for(value, user):
    if value in (None, ""):
        return ""
    return str(value) if masking.can_view_phone_anywhere(user) else masking.mask_email(value)


@register.simple_tag
def masked_phone(value, user, object_type):
    return masking.phone_for(user, object_type, value)


@register.simple_tag
def masked_email(value, user, object_type):
    return masking.email_for(user, object_type, value)


@register.filter(name="mask_phone")
def mask_phone_filter(value):
    return masking.mask_phone(value)


@register.filter(name="mask_email")
def mask_email_filter(value):
    return masking.mask_email(value)
