"""The policy kinds the company can set (制度). Each app registers the kinds it reads in
its ``AppConfig.ready``; the policies app stores versions of them and resolves the one in
force. This module is the contract between the two and stays small.

A kind is a pydantic model whose defaults are the rule when the company has set nothing,
plus the regulation clause it implements and upgrade functions that lift an old stored
document (``schema_version`` n) to the current shape, so old versions always parse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class PolicyKind:
    key: str  # "allocation", "pool", "follow_up", "export", "approval", …
    label: Any  # translatable
    clause: str  # the regulation clause it implements, e.g. "000 §1.3"
    model: type[BaseModel]
    schema_version: int = 1
    # upgrades[n] turns a stored document of schema_version n into one of n + 1.
    upgrades: dict[int, Callable[[dict], dict]] = field(default_factory=dict)
    description: Any = ""

    def parse(self, data: dict, schema_version: int | None = None) -> BaseModel:
        version = schema_version or self.schema_version
        doc = dict(data)
        while version < self.schema_version:
            doc = self.upgrades[version](doc)
            version += 1
        return self.model.model_validate(doc)

    def default(self) -> BaseModel:
        return self.model()


_kinds: dict[str, PolicyKind] = {}


def register_policy(kind: PolicyKind) -> PolicyKind:
    _kinds[kind.key] = kind
    return kind


def policy_kind(key: str) -> PolicyKind:
    return _kinds[key]


def find_policy_kind(key: str) -> PolicyKind | None:
    """Like :func:`policy_kind` but ``None`` for a key nobody registered."""
    return _kinds.get(key)


def unregister_policy(key: str) -> None:
    """For tests that register a kind of their own."""
    _kinds.pop(key, None)


def policy_kinds() -> list[PolicyKind]:
    return sorted(_kinds.values(), key=lambda k: k.key)
