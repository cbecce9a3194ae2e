"""Periodic jobs of the customers app (found by ``zhidu.jobs``, which imports every app's
``jobs`` module). Each module here declares its jobs with ``@periodic_job``; add one line
to ``JOB_MODULES`` for a new module (pool recycling, reminders, …)."""

from __future__ import annotations

import importlib

JOB_MODULES: list[str] = [
    "customers",
    "pool",
    "leads",
    "reminders",
]

for _name in JOB_MODULES:
    importlib.import_module(f"{__name__}.{_name}")
