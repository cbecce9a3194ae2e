"""Numbered documents: numbered once at a defined state, voided with a reason, never
deleted. Transactional: the test table is created with the schema editor."""

import pytest
from django.db import transaction
from django.test.utils import isolate_apps

from zhidu.audit.models import AuditEvent
from zhidu.core.errors import Conflict, ValidationError
from zhidu.numbering.models import NumberedModel
from zhidu.numbering.services import document_number_assign, document_void
from zhidu.org.tests.factories import UserFactory

from .conftest import ON

pytestmark = pytest.mark.django_db(transaction=True)


def test_number_is_assigned_once(voucher_table):
    with transaction.atomic():
        v = voucher_table.objects.create(title="draft")
        assert v.number == ""
        document_number_assign(obj=v, on=ON)
    v.refresh_from_db()
    assert v.number == "HT-202611-0001"
    with pytest.raises(Conflict), transaction.atomic():
        document_number_assign(obj=v, on=ON)
    v.refresh_from_db()
    assert v.number == "HT-202611-0001"


def test_numbered_documents_cannot_be_deleted(voucher_table):
    with transaction.atomic():
        v = voucher_table(title="signed")
        document_number_assign(obj=v, on=ON, save=False)
        v.save()
    with pytest.raises(Conflict) as exc:
        v.delete()
    assert exc.value.code == "numbered_document"
    with pytest.raises(Conflict):
        voucher_table.objects.filter(pk=v.pk).delete()
    assert voucher_table.objects.filter(pk=v.pk).exists()
    # A document that never got a number is just a draft and may go.
    draft = voucher_table.objects.create(title="draft")
    draft.delete()
    assert not voucher_table.objects.filter(pk=draft.pk).exists()


def test_numbers_are_unique_per_type(voucher_table):
    from django.db import IntegrityError

    voucher_table.objects.create(number="HT-1")
    voucher_table.objects.create(number="")
    voucher_table.objects.create(number="")  # blanks (not yet numbered) do not clash
    with pytest.raises(IntegrityError), transaction.atomic():
        voucher_table.objects.create(number="HT-1")


def test_void_needs_a_reason_and_happens_once(voucher_table):
    actor = UserFactory(username="voider")
    with transaction.atomic():
        v = voucher_table.objects.create(title="x")
        document_number_assign(obj=v, on=ON)
    events = AuditEvent.objects.count()
    for reason in ("", "   ", None):
        with pytest.raises(ValidationError) as exc:
            document_void(actor=actor, obj=v, reason=reason)
        assert list(exc.value.fields) == ["reason"]
    v.refresh_from_db()
    assert v.voided_at is None and AuditEvent.objects.count() == events
    document_void(actor=actor, obj=v, reason="customer cancelled")
    v.refresh_from_db()
    assert v.is_voided and v.voided_by == actor and v.void_reason == "customer cancelled"
    ev = AuditEvent.objects.get(action="numbering_tests.voucher.void")
    assert ev.reason == "customer cancelled" and ev.object_id == str(v.pk)
    with pytest.raises(Conflict):
        document_void(actor=actor, obj=v, reason="again")


@isolate_apps("zhidu.numbering")
def test_system_check_catches_a_lost_unique_constraint():
    class LooseVoucher(NumberedModel):
        class Meta:
            app_label = "numbering"

    ids = {e.id for e in LooseVoucher.check()}
    assert {"numbering.E001", "numbering.E002"} <= ids
    from .conftest import Voucher

    assert not [e for e in Voucher.check() if e.id.startswith("numbering.")]
