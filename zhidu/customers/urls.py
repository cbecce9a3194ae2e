"""Pages of the customers app under ``/customers/``. Each module in ``views/`` exposes its
own ``urlpatterns``; add one line to ``VIEW_MODULES`` to mount a module."""

from __future__ import annotations

import importlib

app_name = "customers"

VIEW_MODULES: list[str] = [
    "customers",
    "conflicts",
    "tags",
    "pool",
    "activities",
    "my_day",
    "leads",
    "fairness",
    "transfers",
    "imports",
    "exports",
]

urlpatterns: list = []
for _name in VIEW_MODULES:
    urlpatterns += importlib.import_module(f"zhidu.customers.views.{_name}").urlpatterns
