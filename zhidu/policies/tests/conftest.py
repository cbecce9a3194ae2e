"""A policy kind of the tests' own: real kinds are registered by the apps that read them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, ConfigDict, Field, field_validator

from zhidu.policies.registry import PolicyKind, register_policy, unregister_policy


class Tier(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_score: int = Field(0, ge=0, description="Lowest lead score of the tier.")
    share: Decimal = Field(Decimal("1"), gt=0, le=1, description="Share of leads given to the tier.")


class DemoPolicy(BaseModel):
    """A lead rule, enough to exercise nested fields and lists."""

    model_config = ConfigDict(extra="forbid")
    max_leads_per_rep: int = Field(30, ge=1, le=1000, description="Most open leads one rep may hold.")
    protect_days: int = Field(90, ge=0, description="Days a claimed customer stays protected.")
    round_robin: bool = Field(True, description="Hand leads out in turn.")
    tiers: list[Tier] = Field(default_factory=lambda: [Tier()], description="Score tiers.")

    @field_validator("tiers")
    @classmethod
    def _some_tier(cls, v):
        if not v:
            raise ValueError(_("Give at least one tier."))
        return v


def _v1_to_v2(doc: dict) -> dict:
    doc = dict(doc)
    if "max_leads" in doc:
        doc["max_leads_per_rep"] = doc.pop("max_leads")
    return doc


DEMO = PolicyKind(
    key="demo_leads",
    label="Demo lead rule",
    clause="000 §1.3",
    model=DemoPolicy,
    schema_version=2,
    upgrades={1: _v1_to_v2},
    description="A kind registered by the tests.",
)


@pytest.fixture
def demo_kind():
    register_policy(DEMO)
    yield DEMO
    unregister_policy(DEMO.key)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def publish(org, demo_kind):
    """Draft, set and publish a demo version in one call."""
    from zhidu.policies.services import policy_draft_create, policy_draft_update, policy_publish

    def _publish(unit=None, on: dt.date | None = None, backdate=False, note="", **values):
        draft = policy_draft_create(actor=org.admin, kind=demo_kind.key, unit=unit)
        doc = {**draft.document, **values}
        draft = policy_draft_update(actor=org.admin, version=draft, document=doc)
        return policy_publish(
            actor=org.admin,
            version=draft,
            effective_from=on or timezone.localdate(),
            backdate=backdate,
            note=note or ("backdated for the test" if backdate else ""),
        )

    return _publish
