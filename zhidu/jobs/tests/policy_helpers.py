"""Publishing a schedule policy through the policies app (skipped until it is there)."""

from __future__ import annotations

import pytest
from django.utils import timezone


def publish_schedule_policy(actor, document: dict):
    try:
        from zhidu.policies import services
    except ImportError:
        pytest.skip("the policies store (zhidu.policies.services) is not there yet")
    needed = ("policy_draft_create", "policy_draft_update", "policy_publish", "policy_resolve")
    if not all(hasattr(services, n) for n in needed):
        pytest.skip("the policies services API is not complete yet")
    draft = services.policy_draft_create(actor=actor, kind="schedule")
    draft = services.policy_draft_update(actor=actor, version=draft, document=document)
    return services.policy_publish(actor=actor, version=draft, effective_from=timezone.localdate())
