"""Two people at once making each of two customers the other's parent company (PostgreSQL,
threads released by a barrier): each check alone sees no cycle, so without a lock both
would save A → B → A. Exactly one succeeds; the other is refused; no cycle is stored."""

from __future__ import annotations

import pytest
from django.db import connection

from zhidu.core.errors import ValidationError
from zhidu.customers.models import Customer
from zhidu.customers.services import customers as svc

from .factories import CustomerFactory
from .races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("race tests run on PostgreSQL")


def test_crossed_parents_at_once_make_no_cycle(org):
    for _round in range(5):
        a = CustomerFactory(name=f"甲集团{_round}", owner=org.rep_a1)
        b = CustomerFactory(name=f"乙集团{_round}", owner=org.rep_a1)
        results = race(
            [
                lambda a=a, b=b: svc.customer_update(actor=org.rep_a1, customer=a, data={"parent_id": b.pk}),
                lambda a=a, b=b: svc.customer_update(actor=org.tm_a, customer=b, data={"parent_id": a.pk}),
            ]
        )
        refused = [r for r in results if isinstance(r, ValidationError)]
        assert len(refused) == 1, results
        parents = dict(Customer.objects.filter(pk__in=[a.pk, b.pk]).values_list("pk", "parent_id"))
        assert (parents[a.pk], parents[b.pk]) in {(b.pk, None), (None, a.pk)}
