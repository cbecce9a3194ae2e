"""How other apps add their demo data after the org is built.

An app registers a step from its ``AppConfig.ready``::

    from zhidu.demo.extensions import register_demo_step

    def demo_customers(rng, size, org):
        for rep in org.reps:
            ...  # call your services (customer_create(actor=None, ...)) with rng choices
        return "120 customers, 40 leads"  # optional, printed by ``zhidu demo``

    register_demo_step(100, demo_customers)

Steps run in ``order`` (then by name), inside the demo's single transaction, so a failing
step leaves nothing behind. Each step gets its own ``random.Random`` seeded from the demo
seed and the step's name: adding or changing one app's step never changes another app's
data for the same seed. ``size`` is a :class:`~zhidu.demo.services.DemoSize` (``size.name``
is ``"small"``, ``"medium"`` or ``"large"``; ``size.scale`` is 1, 5 or 25 to multiply
volumes by); ``org`` is the :class:`~zhidu.demo.services.DemoOrg` just built (units,
people by role, reps per team, the business start date).

Suggested orders: 100 customers and leads, 200 pipeline, 300 sales, 400 finance,
500 performance, 900 anything that reads the others.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .services import DemoOrg, DemoSize

DemoStepFn = Callable[[random.Random, "DemoSize", "DemoOrg"], Any]


@dataclass(frozen=True)
class DemoStep:
    order: int
    name: str
    fn: DemoStepFn


_steps: dict[str, DemoStep] = {}


def register_demo_step(order: int, fn: DemoStepFn, *, name: str | None = None) -> None:
    """Add ``fn(rng, size, org)`` to the demo. Registering the same name again replaces it,
    so a re-run ``ready()`` does not run a step twice."""
    name = name or f"{fn.__module__}.{fn.__qualname__}"
    _steps[name] = DemoStep(order=order, name=name, fn=fn)


def unregister_demo_step(name: str) -> None:
    _steps.pop(name, None)


def demo_steps() -> list[DemoStep]:
    return sorted(_steps.values(), key=lambda s: (s.order, s.name))


def step_rng(seed: int, name: str) -> random.Random:
    """A generator for one step: string seeds are hashed with SHA-512 by ``random``, so this
    is the same on every machine and does not depend on ``PYTHONHASHSEED``."""
    return random.Random(f"zhidu-demo:{seed}:{name}")
