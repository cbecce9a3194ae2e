"""API schemas of transfers, handovers and bulk actions."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class TransferIn(Schema):
    customer_ids: list[int] | None = Field(None, description="The customers to move (or give from_user_id).")
    from_user_id: int | None = Field(None, description="Move all of this person's customers.")
    to_user_id: int | None = Field(None, description="The receiver (or give to_pool_id).")
    to_pool_id: int | None = Field(None, description="A public pool (or give to_user_id).")
    reason: str
    include: list[str] | None = Field(
        None, description="What goes along: leads, steps, approvals. Default: the transfer policy."
    )


class HandoverIn(Schema):
    to_user_id: int | None = None
    to_pool_id: int | None = None
    reason: str
    include: list[str] | None = Field(None, description="leads, steps, approvals (default: the transfer policy)")


class BulkIn(Schema):
    action: str = Field(description="transfer, release, tag or assign")
    customer_ids: list[int]
    to_user_id: int | None = None
    to_pool_id: int | None = None
    tag_id: int | None = None
    reason: str = ""


class TransferItemOut(Schema):
    object_type: str
    object_id: str
    object_repr: str
    ok: bool
    message: str


class TransferOut(Schema):
    id: int
    kind: str
    created_at: dt.datetime
    actor_id: int
    from_user_id: int | None
    to_user_id: int | None
    to_pool_id: int | None
    reason: str
    total: int
    succeeded: int
    failed: int
    options: dict


class TransferDetailOut(TransferOut):
    items: list[TransferItemOut]


class HandoverSummaryOut(Schema):
    user_id: int
    customers: int
    paying: int
    protected: int
    locked: int
    open_leads: int
    open_steps: int
    approval_tasks: int
    blocking: list[list] = Field(description="[label, count] of what still stops a deactivation")
    can_deactivate: bool
