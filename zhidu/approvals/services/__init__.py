"""Writes for approvals. Owning apps use ``approval_submit`` and ``approval_guard_editable``;
the inbox pages and the API use the rest."""

from .delegations import approval_delegation_create, approval_delegation_end
from .engine import EVENT_CC, EVENT_DECIDED, EVENT_PENDING, approval_policy_resolve, snapshot_hash
from .requests import (
    approval_add_approver,
    approval_approve,
    approval_cc_add,
    approval_decide,
    approval_guard_editable,
    approval_pending_for,
    approval_reassign,
    approval_reject,
    approval_resubmit,
    approval_return,
    approval_submit,
    approval_withdraw,
)

__all__ = [
    "EVENT_CC",
    "EVENT_DECIDED",
    "EVENT_PENDING",
    "approval_add_approver",
    "approval_approve",
    "approval_cc_add",
    "approval_decide",
    "approval_delegation_create",
    "approval_delegation_end",
    "approval_guard_editable",
    "approval_pending_for",
    "approval_policy_resolve",
    "approval_reassign",
    "approval_reject",
    "approval_resubmit",
    "approval_return",
    "approval_submit",
    "approval_withdraw",
    "snapshot_hash",
]
