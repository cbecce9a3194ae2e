"""The demo's visits have check-ins (签到) made through ``visit_check_in``: a position near
the customer's pinned location, a generated JPEG photo, the service's own assessment (the
same seed gives the same check-ins: ``test_demo_step.test_same_seed_same_book``)."""

from __future__ import annotations

import io

import pytest
from django.db import transaction
from PIL import Image

from zhidu.customers import demo as customers_demo
from zhidu.customers.models import Activity, VisitCheckIn
from zhidu.customers.policies import policy_for
from zhidu.customers.policies.follow_up import check_in_assess
from zhidu.demo import extensions
from zhidu.demo.services import demo_load

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _only_this_step_and_media(monkeypatch, settings, tmp_path):
    steps = {customers_demo.STEP_NAME: extensions._steps[customers_demo.STEP_NAME]}
    monkeypatch.setattr(extensions, "_steps", steps)
    settings.MEDIA_ROOT = tmp_path / "media"


def test_demo_visits_have_check_ins_that_pass_the_service():
    with transaction.atomic():
        result = demo_load(size="small", seed=3)
        report = dict(result.step_reports)[customers_demo.STEP_NAME]
        visits = Activity.objects.filter(type__requires_check_in=True)
        checked = VisitCheckIn.objects.select_related("activity__customer", "activity__type", "user")
        assert checked.count() >= 0.6 * visits.count() > 0
        assert checked.count() < visits.count()  # a share: some visits were logged without one
        assert f"{checked.count()} visit check-ins" in report and "skipped" not in report
        vp = policy_for("visit").value
        for ci in checked:
            a = ci.activity
            assert a.type.requires_check_in and ci.user_id == a.owner_id == a.customer.owner_id or a.customer.pool_id
            assert ci.checked_in_at == a.occurred_at and abs((ci.client_time - ci.checked_in_at).total_seconds()) <= 20
            # What the service would say again about the same position and photo.
            again = check_in_assess(
                latitude=ci.latitude,
                longitude=ci.longitude,
                accuracy_m=ci.accuracy_m,
                customer_latitude=a.customer.latitude,
                customer_longitude=a.customer.longitude,
                has_photo=bool(ci.photo),
                policy=vp,
            )
            assert (again.distance_m, again.flagged) == (ci.distance_m, ci.flagged)
            assert ci.accuracy_m <= vp.max_accuracy_m
            if not ci.flagged:
                assert ci.distance_m <= vp.max_distance_m
            else:
                assert "500" in ci.flag_reason and ci.distance_m > vp.max_distance_m and not a.is_valid
            with ci.photo.open("rb") as f:
                data = f.read()
            assert 0 < len(data) < vp.max_photo_mb * 1024 * 1024
            img = Image.open(io.BytesIO(data))
            assert img.format == "JPEG" and img.size == (80, 60)
        unflagged = checked.filter(flagged=False)
        assert unflagged.count() > checked.filter(flagged=True).count()
        assert unflagged.filter(activity__is_valid=True).exists()
        # A visit logged without a check-in does not count.
        assert not visits.filter(check_in__isnull=True, is_valid=True).exists()
        transaction.set_rollback(True)
