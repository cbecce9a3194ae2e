"""The demo with every app's registered steps: it loads, and the same seed gives the same
company twice (each app tests its own step's data; this guards the whole)."""

from __future__ import annotations

import pytest
from django.db import transaction

from zhidu.demo.extensions import demo_steps
from zhidu.demo.services import demo_load
from zhidu.org.models import User

from .test_demo import fingerprint

pytestmark = pytest.mark.django_db


def _load(seed: int) -> tuple[dict, list]:
    with transaction.atomic():
        result = demo_load(size="small", seed=seed)
        fp = fingerprint()
        transaction.set_rollback(True)
    assert not User.objects.exists()
    return fp, result.step_reports


def test_every_registered_step_loads_and_is_deterministic():
    first = _load(1)
    assert first == _load(1)
    reported = [name for name, _r in first[1]]
    assert reported == [s.name for s in demo_steps() if s.name in reported]  # in step order
