"""``/api/v1/customers/``: one router built from the sub-routers of this package.

Each module here exposes ``router``; add one line to ``SUBROUTERS`` to mount it."""

from __future__ import annotations

import importlib

from ninja import Router

router = Router()

# (URL prefix under /api/v1/customers/, module in this package)
SUBROUTERS: list[tuple[str, str]] = [
    ("", "customers"),
    ("/pool", "pool"),
    ("", "activities"),
    ("/leads", "leads"),
    ("", "transfers"),
    ("", "imports"),
    ("", "exports"),
]

for _prefix, _name in SUBROUTERS:
    _module = importlib.import_module(f"{__name__}.{_name}")
    router.add_router(_prefix, _module.router)
