"""Approvals has no document of its own: tests approve org units (registered as an
approvable model for the test only) created outside the company tree."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from zhidu.approvals.policies import ApprovalPolicy
from zhidu.approvals.registry import register_approvable, unregister_approvable
from zhidu.org.models import OrgUnit

_seq = itertools.count(1)


class Recorder:
    """Remembers the callbacks approvals made, and can be told to fail."""

    def __init__(self):
        self.calls: list[tuple[str, int, int | None]] = []
        self.fail_on: str | None = None

    def make(self, status: str):
        def callback(request, obj):
            if self.fail_on == status:
                raise RuntimeError(f"{status} callback failed")
            self.calls.append((status, request.pk, obj.pk if obj is not None else None))
            if status == "approved" and obj is not None:
                # An owning app typically updates its document here, in the same transaction.
                OrgUnit.objects.filter(pk=obj.pk).update(sort_order=999)

        return callback


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read the English source strings."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def callbacks():
    rec = Recorder()
    register_approvable(
        "org.orgunit",
        on_approved=rec.make("approved"),
        on_rejected=rec.make("rejected"),
        on_returned=rec.make("returned"),
        on_withdrawn=rec.make("withdrawn"),
        describe=lambda obj: {"summary": f"unit {obj.code}", "fields": {"Code": obj.code}},
    )
    yield rec
    unregister_approvable("org.orgunit")


@pytest.fixture
def make_doc(db, callbacks):
    def make(name: str | None = None) -> OrgUnit:
        n = next(_seq)
        unit = OrgUnit.objects.create(name=name or f"合同{n}", code=f"doc-{n}", kind="team")
        unit.path = f"/{unit.pk}/"
        unit.save(update_fields=["path"])
        return unit

    return make


def policy(*flows: dict) -> ApprovalPolicy:
    return ApprovalPolicy.model_validate({"flows": list(flows)})


def step(kind: str = "manager", mode: str = "any", name: str = "", **who) -> dict:
    return {"name": name, "mode": mode, "who": {"kind": kind, **who}}


def flow(name: str = "f", *steps: dict, match: dict | None = None, cc: list | None = None) -> dict:
    return {"name": name, "match": match or {}, "steps": list(steps) or [step()], "cc": cc or []}


def submit(actor, obj, pol=None, amount=None, **kwargs):
    from zhidu.approvals.services import approval_submit

    return approval_submit(
        actor=actor,
        obj=obj,
        title=kwargs.pop("title", f"审批 {obj}"),
        amount=Decimal(amount) if amount is not None else None,
        snapshot_fields=kwargs.pop("snapshot_fields", ["name", "code"]),
        policy=pol,
        **kwargs,
    )
