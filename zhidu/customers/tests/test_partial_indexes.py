"""PostgreSQL (migration 0009): a phone tail is found through the phone-tail indexes, and
the partial indexes (second phone, e-mail, recycle bin, parent company) still serve every
query that relies on them: each query's own condition implies the index's. Checked with
sequential scans off, so the plan shows whether an index *can* answer, whatever the
table's size."""

import pytest
from django.db import connection

from zhidu.customers.filtersets.customers import contact_phone_q
from zhidu.customers.models import Contact, Customer

from .factories import ContactFactory, CustomerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def pg():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    yield


def _plan(qs) -> str:
    return qs.explain()


def test_migration_made_the_indexes_partial(pg):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('customers_contact', 'customers_customer')"
        )
        defs = dict(cursor.fetchall())
    assert "WHERE ((phone2_normalized)::text <> ''::text)" in defs["contact_phone2_idx"]
    assert "WHERE ((email_normalized)::text <> ''::text)" in defs["contact_email_idx"]
    assert "reverse((phone_normalized)::text) text_pattern_ops" in defs["contact_phone_tail_idx"]
    assert "reverse((phone2_normalized)::text) text_pattern_ops" in defs["contact_phone2_tail_idx"]
    assert "WHERE (deleted_at IS NOT NULL)" in defs["cust_deleted_idx"]
    assert "WHERE (parent_id IS NOT NULL)" in defs["customers_customer_parent_id_7e55028b"]


def test_a_phone_tail_is_found_through_the_tail_indexes(pg):
    c = CustomerFactory(name="尾号客户有限公司")
    ContactFactory(customer=c, name="甲", phone="13812345678")
    ContactFactory(customer=c, name="乙", phone="13900000000", phone2="021-6123 4567")
    ContactFactory(customer=c, name="丙", phone="")
    qs = Contact._base_manager.filter(contact_phone_q("5678", False))
    plan = _plan(qs)
    assert "contact_phone_tail_idx" in plan
    assert set(qs.values_list("name", flat=True)) == {"甲"}
    assert set(Contact._base_manager.filter(contact_phone_q("4567", False)).values_list("name", flat=True)) == {"乙"}
    assert "contact_phone2_tail_idx" in _plan(Contact._base_manager.filter(contact_phone_q("4567", False)))


def test_whole_numbers_and_e_mail_lookups_use_the_partial_indexes(pg):
    whole = _plan(Contact._base_manager.filter(contact_phone_q("13812345678", True)))
    assert "contact_phone_idx" in whole and "contact_phone2_idx" in whole
    # The duplicate checks ask for lists of keys.
    listed = _plan(
        Contact._base_manager.filter(
            phone2_normalized__in=["13812345678", "02161234567"], email_normalized__in=["a@b.cn"]
        )
    )
    assert "contact_phone2_idx" in listed or "contact_email_idx" in listed
    assert "contact_email_idx" in _plan(Contact._base_manager.filter(email_normalized__in=["a@b.cn", "c@d.cn"]))


def test_recycle_bin_and_branches_use_the_partial_indexes(pg):
    assert "cust_deleted_idx" in _plan(Customer._base_manager.filter(deleted_at__isnull=False))
    assert "cust_deleted_idx" in _plan(Customer._base_manager.filter(deleted_at__lt="2026-01-01T00:00:00Z"))
    parent = CustomerFactory(name="集团总部有限公司")
    assert "customers_customer_parent_id_7e55028b" in _plan(Customer._base_manager.filter(parent=parent))
