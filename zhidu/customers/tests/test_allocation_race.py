"""Two leads allocated at the same moment must not both push one person past a cap, and
one lead allocated twice at once goes to one person (DESIGN: races — the candidates' user
rows are locked first, then the lead). Real threads released together on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection

from zhidu.core.errors import Conflict
from zhidu.customers.models import Allocation, Lead
from zhidu.customers.services import allocation as svc

from .lead_support import alloc_policy, unassigned

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("race tests run on PostgreSQL")


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(fn):
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    close_old_connections()
    return results, errors


def test_two_leads_at_once_do_not_push_one_rep_past_the_cap(org):
    org.rep_a2.on_leave_until = dt.date(2099, 1, 1)  # rep_a1 is the only one who can take leads
    org.rep_a2.save(update_fields=["on_leave_until"])
    policy = alloc_policy(max_open_leads=1)
    first, second = unassigned(org.team_a), unassigned(org.team_a)
    results, errors = _race(
        [
            lambda: svc.lead_allocate(actor=None, lead=first, policy=policy),
            lambda: svc.lead_allocate(actor=None, lead=second, policy=policy),
        ]
    )
    assert errors == []
    assert sorted(r is None for r in results) == [False, True]  # one allocated, one waits
    assert Lead.objects.filter(owner=org.rep_a1).count() == 1
    assert Allocation.objects.count() == 1
    waiting = Lead.objects.get(owner__isnull=True)
    assert waiting.owner_unit_id == org.team_a.pk


def test_one_lead_allocated_twice_at_once_goes_to_one_person(org):
    policy = alloc_policy()
    lead = unassigned(org.team_a)
    results, errors = _race([lambda: svc.lead_allocate(actor=None, lead=lead, policy=policy)] * 2)
    assert len(results) == 1 and len(errors) == 1 and isinstance(errors[0], Conflict)
    assert errors[0].code == "already_assigned"
    assert Allocation.objects.filter(lead=lead).count() == 1
