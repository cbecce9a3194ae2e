import pytest
from django.db import DatabaseError, transaction

from zhidu.audit.models import AuditEvent
from zhidu.audit.services import audit_record, audit_record_bulk


def test_record_carries_changes_and_request_id(org):
    from zhidu.core.context import request_id_var

    token = request_id_var.set("req-123")
    try:
        ev = audit_record(
            actor=org.admin, action="thing.update", obj=org.team_a, before={"a": 1, "b": 2}, after={"a": 1, "b": 3}
        )
    finally:
        request_id_var.reset(token)
    ev.refresh_from_db()
    assert ev.changes == {"b": [2, 3]}
    assert ev.request_id == "req-123"
    assert ev.object_type == "org.orgunit" and ev.object_id == str(org.team_a.pk)


def test_update_and_delete_are_refused_by_the_database(org):
    ev = audit_record(actor=org.admin, action="x", object_type="t", object_id=1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=ev.pk).update(action="tampered")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=ev.pk).delete()
    ev.refresh_from_db()
    assert ev.action == "x"


def test_bulk_writes_parent_and_children(org):
    parent = audit_record_bulk(
        actor=org.admin,
        action="thing.bulk",
        object_type="t",
        items=[(1, "one", {"x": [1, 2]}), (2, "two", {"x": [1, 3]})],
    )
    assert list(parent.children.order_by("object_id").values_list("object_id", flat=True)) == ["1", "2"]
