"""The policy kinds the customers app reads (registered from ``AppConfig.ready``). Each
module in this package calls ``zhidu.policies.registry.register_policy`` from its
``register()``; add one line to ``POLICY_MODULES`` for a new module.

``policy_for(kind, unit=…)`` is how callers here resolve a rule: the policies store's
``policy_resolve`` when it is installed, else the default in code, with the same
``value`` / ``version_id`` / ``ref`` attributes either way. Views, API handlers and tasks
resolve once and pass the result to the service (DESIGN: policies)."""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from typing import Any

POLICY_MODULES: list[str] = [
    "customers",
    "pool",
    "follow_up",
    "transfer",
    "export",
    "allocation",
    "leads",
]


def register_all() -> None:
    for name in POLICY_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        module.register()


@dataclass(frozen=True)
class DefaultPolicy:
    """The default in code, shaped like ``zhidu.policies.selectors.ResolvedPolicy``."""

    kind: str
    value: Any
    ref: str
    version_id: int | None = None
    is_default: bool = True
    is_draft: bool = False


def policy_for(kind: str, *, unit=None, on: dt.date | None = None):
    try:
        from zhidu.policies.selectors import policy_resolve
    except ImportError:  # the policies store is not installed: the rule in code
        from zhidu.policies.registry import policy_kind

        return DefaultPolicy(kind=kind, value=policy_kind(kind).default(), ref=f"{kind} · default")
    return policy_resolve(kind, unit=unit, on=on)
