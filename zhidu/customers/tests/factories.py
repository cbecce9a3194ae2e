"""Factories for customers-app tests. ``CustomerFactory`` writes the derived columns the
services keep (search text, grams, normalised name) so rows behave like real ones."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from zhidu.org.permissions import main_unit

from ..models import Contact, Customer, Lead, PublicPool, Tag, TagGroup
from ..normalize import normalize_email, normalize_name, normalize_phone
from ..services.search import search_fields


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试客户{n}有限公司")
    tier = "C"
    status = "prospect"
    received_at = factory.LazyFunction(timezone.now)
    protected_until = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=90))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        owner = kwargs.get("owner")
        if owner is not None and "owner_unit" not in kwargs:
            kwargs["owner_unit"] = main_unit(owner)
        kwargs.setdefault("created_by", owner)
        kwargs.setdefault("credit_to", owner)
        obj = model_class(*args, **kwargs)
        obj.name_normalized = normalize_name(obj.name)
        for key, value in search_fields(obj.name).items():
            setattr(obj, key, value)
        obj.save()
        return obj


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"联系人{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = model_class(*args, **kwargs)
        obj.phone_normalized = normalize_phone(obj.phone)
        obj.phone2_normalized = normalize_phone(obj.phone2)
        obj.email_normalized = normalize_email(obj.email)
        for key, value in search_fields(obj.name).items():
            setattr(obj, key, value)
        obj.search_text = obj.search_text[:400]
        obj.save()
        return obj


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    company = factory.Sequence(lambda n: f"线索公司{n}")
    contact_name = "张先生"
    phone = factory.Sequence(lambda n: f"137{n:08d}")


class PublicPoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PublicPool

    name = factory.Sequence(lambda n: f"公海{n}")


class TagGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TagGroup

    name = factory.Sequence(lambda n: f"标签组{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    group = factory.SubFactory(TagGroupFactory)
    name = factory.Sequence(lambda n: f"标签{n}")
