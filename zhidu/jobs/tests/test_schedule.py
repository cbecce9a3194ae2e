import datetime as dt
import types
from zoneinfo import ZoneInfo

import pydantic
import pytest

from zhidu.jobs.policies import ResolvedSchedules, SchedulePolicy, schedule_for, schedule_policy_resolve
from zhidu.jobs.registry import periodic_job
from zhidu.jobs.schedule import Schedule, parse_every, validate_cron
from zhidu.policies.registry import policy_kind

from . import jobfuncs

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def test_cron_slots_are_read_in_the_business_time_zone():
    s = Schedule(cron="0 2 * * *")
    assert s.latest_slot(at(2026, 5, 1, 10, 7)) == at(2026, 5, 1, 2, 0)
    assert s.latest_slot(at(2026, 5, 1, 1, 59)) == at(2026, 4, 30, 2, 0)
    assert s.next_slot(at(2026, 5, 1, 10, 7)) == at(2026, 5, 2, 2, 0)


def test_cron_slot_includes_now_when_now_is_the_slot():
    s = Schedule(cron="*/15 * * * *")
    assert s.latest_slot(at(2026, 5, 1, 10, 0, 0)) == at(2026, 5, 1, 10, 0)
    assert s.latest_slot(at(2026, 5, 1, 10, 14, 59, 999999)) == at(2026, 5, 1, 10, 0)
    assert s.next_slot(at(2026, 5, 1, 10, 0, 0)) == at(2026, 5, 1, 10, 15)


def test_interval_slots_align_to_local_midnight():
    hourly = Schedule(every=dt.timedelta(hours=1))
    assert hourly.latest_slot(at(2026, 5, 1, 10, 7, 30)) == at(2026, 5, 1, 10, 0)
    daily = Schedule(every=dt.timedelta(days=1))
    assert daily.latest_slot(at(2026, 5, 1, 10, 7)) == at(2026, 5, 1, 0, 0)
    assert daily.next_slot(at(2026, 5, 1, 10, 7)) == at(2026, 5, 2, 0, 0)
    five = Schedule(every=dt.timedelta(minutes=5))
    assert five.latest_slot(at(2026, 5, 1, 10, 7, 59)) == at(2026, 5, 1, 10, 5)
    assert five.latest_slot(at(2026, 5, 1, 10, 7)).microsecond == 0


@pytest.mark.parametrize("expr", ["", "61 * * * *", "0 2 * *", "* * * * * *", "every day", "0 25 * * *"])
def test_bad_cron_is_refused(expr):
    with pytest.raises(ValueError):
        validate_cron(expr)


def test_good_cron_and_aliases():
    assert validate_cron(" 0 2 * * 1-5 ") == "0 2 * * 1-5"
    assert validate_cron("@daily") == "@daily"


@pytest.mark.parametrize(
    "value,seconds", [(90, 90), ("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86400), ("15", 15)]
)
def test_parse_every(value, seconds):
    assert parse_every(value) == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("value", ["0s", "15 minutes", "-5m", "1w", "", True])
def test_parse_every_refuses_nonsense(value):
    with pytest.raises(ValueError):
        parse_every(value)


def test_declaring_a_job_needs_exactly_one_schedule(job_registry):
    with pytest.raises(ValueError):
        periodic_job("x.both", label="x", every=dt.timedelta(minutes=1), cron="* * * * *")(jobfuncs.count_job)
    with pytest.raises(ValueError):
        periodic_job("x.none", label="x")(jobfuncs.count_job)
    with pytest.raises(ValueError):
        periodic_job("x.badcron", label="x", cron="99 * * * *")(jobfuncs.count_job)
    assert job_registry.all_jobs() == []


def test_a_key_cannot_be_taken_by_another_function(job_registry):
    periodic_job("x.one", label="x", cron="0 1 * * *")(jobfuncs.count_job)
    with pytest.raises(ValueError):
        periodic_job("x.one", label="x", cron="0 1 * * *")(jobfuncs.dict_job)


# --- the schedule policy ------------------------------------------------------------------------


def test_schedule_policy_kind_is_registered_and_parses():
    kind = policy_kind("schedule")
    doc = kind.parse({"jobs": {"customers.pool_recycle": {"cron": "30 1 * * *"}, "x": {"every": "5m"}}})
    assert doc.jobs["customers.pool_recycle"].cron == "30 1 * * *"
    assert kind.default() == SchedulePolicy()


@pytest.mark.parametrize(
    "entry",
    [
        {"cron": "61 * * * *"},
        {"cron": "0 2 * *"},
        {"every": "fortnightly"},
        {"cron": "0 2 * * *", "every": "1h"},
        {"enabled": "sometimes"},
        {"cron": "0 2 * * *", "when": "night"},
    ],
)
def test_bad_entries_in_a_schedule_policy_are_refused(entry):
    with pytest.raises(pydantic.ValidationError):
        policy_kind("schedule").parse({"jobs": {"jobs.reap": entry}})


def test_policy_overrides_code_schedule(job_registry):
    periodic_job("x.recycle", label="x", cron="0 2 * * *")(jobfuncs.count_job)
    periodic_job("x.remind", label="x", every=dt.timedelta(hours=1), policy_key="reminders")(jobfuncs.dict_job)
    recycle, remind = job_registry.all_jobs()
    policy = SchedulePolicy.model_validate(
        {"jobs": {"x.recycle": {"every": "30m"}, "reminders": {"cron": "0 9 * * 1-5", "enabled": False}}}
    )
    s = schedule_for(recycle, policy)
    assert (s.cron, s.every, s.enabled, s.source) == (None, dt.timedelta(minutes=30), True, "policy")
    s = schedule_for(remind, policy)
    assert (s.cron, s.every, s.enabled, s.source) == ("0 9 * * 1-5", None, False, "policy")
    # An entry that only turns a job off keeps the code's timing.
    only_off = SchedulePolicy.model_validate({"jobs": {"x.recycle": {"enabled": False}}})
    s = schedule_for(recycle, only_off)
    assert (s.cron, s.enabled) == ("0 2 * * *", False)
    assert schedule_for(recycle, None) == recycle.default_schedule


def test_without_the_policies_store_code_schedules_apply(no_policy_store):
    assert schedule_policy_resolve() == ResolvedSchedules()


def test_policy_resolve_result_shapes_are_accepted(policy_store):
    doc = {"jobs": {"x.recycle": {"cron": "5 4 * * *"}}}
    for returned in (
        SchedulePolicy.model_validate(doc),
        doc,
        types.SimpleNamespace(value=SchedulePolicy.model_validate(doc), version=3),
        types.SimpleNamespace(document=doc),
    ):
        policy_store(lambda kind, unit=None, on=None, r=returned: r)
        resolved = schedule_policy_resolve()
        assert resolved.warning == ""
        assert resolved.policy.jobs["x.recycle"].cron == "5 4 * * *"


def test_a_stored_bad_cron_falls_back_to_code_with_a_warning(policy_store, job_registry):
    periodic_job("x.recycle", label="x", cron="0 2 * * *")(jobfuncs.count_job)
    policy_store(lambda kind, unit=None, on=None: {"jobs": {"x.recycle": {"cron": "99 * * * *"}}})
    resolved = schedule_policy_resolve()
    assert resolved.policy is None and "99 * * * *" in resolved.warning
    s = schedule_for(job_registry.find_job("x.recycle"), resolved)
    assert (s.cron, s.source, s.enabled) == ("0 2 * * *", "code", True)
    assert s.warning


def test_a_failing_policy_store_does_not_stop_the_jobs(policy_store):
    def boom(kind, unit=None, on=None):
        raise RuntimeError("policies table missing")

    policy_store(boom)
    resolved = schedule_policy_resolve()
    assert resolved.policy is None and "policies table missing" in resolved.warning
