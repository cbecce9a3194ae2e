"""Races on the public pool, on PostgreSQL with real threads released together by a
barrier (DESIGN: races): two reps claiming one customer — exactly one wins, the other
gets the clear Conflict; one rep at the daily limit racing several claims — only the
allowed number succeed (the quota row is locked before the customer)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection

from zhidu.core.errors import Conflict, LimitExceeded
from zhidu.customers.choices import PoolEventKind
from zhidu.customers.models import Customer, PoolEvent
from zhidu.customers.policies.pool import PoolPolicy
from zhidu.customers.services import pool as svc

from .pool_support import held
from .races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("race tests run on PostgreSQL")


def _released(org, owner):
    return svc.customer_release(actor=owner, customer=held(owner), reason="race")


def test_two_reps_claim_one_customer_exactly_one_wins(org):
    for _round in range(5):
        c = _released(org, org.rep_b1 if _round % 2 else org.tm_a)
        # tm_a's pool is team_a's; rep_b1's is team_b's: pick two claimers of that pool.
        a, b = (org.rep_a1, org.rep_a2) if c.pool.unit_id == org.team_a.pk else (org.tm_b, org.rm_east)
        results = race(
            [
                lambda u=a: svc.customer_claim(actor=u, customer=c.pk),
                lambda u=b: svc.customer_claim(actor=u, customer=c.pk),
            ]
        )
        winners = [r for r in results if isinstance(r, Customer)]
        losers = [r for r in results if isinstance(r, Exception)]
        assert len(winners) == 1 and len(losers) == 1, results
        assert isinstance(losers[0], Conflict) and losers[0].code == "already_claimed"
        assert c.name in str(losers[0].message)
        owner = Customer.objects.get(pk=c.pk).owner_id
        assert owner == winners[0].owner_id and owner in (a.pk, b.pk)
        assert PoolEvent.objects.filter(customer=c, kind=PoolEventKind.CLAIM).count() == 1


def test_a_rep_at_the_daily_limit_racing_claims(org):
    customers = [_released(org, org.tm_a) for _ in range(4)]
    policy = SimpleNamespace(value=PoolPolicy(claims_per_day=2, cooldown_days=0), version_id=None, ref="test")
    results = race(
        [lambda c=c: svc.customer_claim(actor=org.rep_a1, customer=c.pk, pool_policy=policy) for c in customers]
    )
    won = [r for r in results if isinstance(r, Customer)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 2, results
    assert len(refused) == 2 and all(isinstance(r, LimitExceeded) and r.code == "claim_limit" for r in refused)
    assert Customer.objects.filter(owner=org.rep_a1).count() == 2
    assert PoolEvent.objects.filter(actor=org.rep_a1, kind=PoolEventKind.CLAIM).count() == 2
