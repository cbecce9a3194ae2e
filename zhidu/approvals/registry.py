"""The contract between approvals and the apps whose documents go through approval.

An owning app registers each approvable model once, in its ``AppConfig.ready``::

    register_approvable(
        "customers.extensionrequest",
        on_approved=extension_apply,      # (request, obj) -> None
        on_rejected=extension_close,
        on_returned=None,
        on_withdrawn=None,
        describe=lambda obj: {"url": obj.get_absolute_url(), "fields": {"Days": obj.days}},
    )

Callbacks run inside the transaction of the final decision: if one raises, the decision
is rolled back and the approver sees the error. There are no signals.

``describe(obj)`` returns a dict for the inbox and the request page; every key optional:
``url`` (link to the document), ``summary`` (one line), ``fields`` (label → value).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

Callback = Callable[[Any, Any], None]  # (request, obj): obj is the owning app's model instance


@dataclass(frozen=True)
class Approvable:
    model_label: str
    on_approved: Callback | None = None
    on_rejected: Callback | None = None
    on_returned: Callback | None = None
    on_withdrawn: Callback | None = None
    describe: Callable[[Any], dict] | None = None

    def callback(self, status: str) -> Callback | None:
        return {
            "approved": self.on_approved,
            "rejected": self.on_rejected,
            "returned": self.on_returned,
            "withdrawn": self.on_withdrawn,
        }.get(status)


_approvables: dict[str, Approvable] = {}


def register_approvable(
    model_label: str,
    *,
    on_approved: Callback | None = None,
    on_rejected: Callback | None = None,
    on_returned: Callback | None = None,
    on_withdrawn: Callback | None = None,
    describe: Callable[[Any], dict] | None = None,
) -> Approvable:
    entry = Approvable(
        model_label=model_label.lower(),
        on_approved=on_approved,
        on_rejected=on_rejected,
        on_returned=on_returned,
        on_withdrawn=on_withdrawn,
        describe=describe,
    )
    _approvables[entry.model_label] = entry
    return entry


def unregister_approvable(model_label: str) -> None:
    _approvables.pop(model_label.lower(), None)


def approvable(model_label: str) -> Approvable | None:
    return _approvables.get(model_label.lower())


def describe_object(obj: models.Model | None) -> dict:
    """What the owning app says about ``obj`` (empty when it says nothing or it is gone)."""
    if obj is None:
        return {}
    entry = approvable(obj._meta.label_lower)
    if entry is None or entry.describe is None:
        return {}
    return dict(entry.describe(obj) or {})
