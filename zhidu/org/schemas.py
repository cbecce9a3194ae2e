"""API schemas for the org: input (``…In`` / ``…Patch``) and output (``…Out``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from zhidu.core.masking import can_view_phone, mask_email, phone_for


class PageOut[T](Schema):
    items: list[T]
    page: int
    page_size: int
    has_next: bool
    total: int = Field(description="Rows matching, counted up to 10,000")
    total_capped: bool


def page_out(page) -> dict:
    return {
        "items": page.items,
        "page": page.number,
        "page_size": page.per_page,
        "has_next": page.has_next,
        "total": page.total,
        "total_capped": page.total_capped,
    }


def _viewer(context):
    request = (context or {}).get("request")
    return getattr(request, "user", None)


class PostBriefOut(Schema):
    id: int
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    role: str
    is_main: bool
    valid_from: dt.date
    valid_to: dt.date | None


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    email: str = Field(description="Masked unless you may see full contact details of users")
    phone: str = Field(description="Masked (138****5678) unless you may see full phone numbers of users")
    employee_no: str
    language: str
    is_active: bool
    is_staff: bool
    is_superuser: bool
    date_joined: dt.datetime
    last_login: dt.datetime | None
    on_leave_until: dt.date | None
    capacity: int
    posts: list[PostBriefOut] = Field(default_factory=list, description="Current posts")

    @staticmethod
    def resolve_phone(obj, context) -> str:
        viewer = _viewer(context)
        if viewer is not None and viewer.pk == obj.pk:
            return obj.phone
        return phone_for(viewer, "org.user", obj.phone)

    @staticmethod
    def resolve_email(obj, context) -> str:
        viewer = _viewer(context)
        if (viewer is not None and viewer.pk == obj.pk) or can_view_phone(viewer, "org.user"):
            return obj.email
        return mask_email(obj.email)

    @staticmethod
    def resolve_posts(obj) -> list:
        return list(getattr(obj, "current_posts", []))


class UserIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    full_name: str = Field(min_length=1, max_length=60)
    email: str = ""
    phone: str = Field("", max_length=32)
    password: str | None = Field(None, description="Initial password; empty: no usable password")


class UserPatch(Schema):
    full_name: str | None = Field(None, max_length=60)
    email: str | None = None
    phone: str | None = Field(None, max_length=32)
    employee_no: str | None = Field(None, max_length=32)
    language: str | None = None
    on_leave_until: dt.date | None = None
    capacity: int | None = Field(None, ge=0, le=1000)
    is_staff: bool | None = Field(None, description="Superusers only")


class UnitOut(Schema):
    id: int
    name: str
    code: str
    kind: str
    parent_id: int | None
    head_id: int | None
    path: str
    depth: int
    region_codes: list[str]
    is_active: bool
    sort_order: int


class UnitIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    code: str = Field(min_length=1, max_length=40)
    kind: str = "team"
    parent_id: int | None = None
    head_id: int | None = None
    region_codes: list[str] = Field(default_factory=list)
    sort_order: int = Field(0, ge=0)


class UnitPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    code: str | None = Field(None, min_length=1, max_length=40)
    kind: str | None = None
    parent_id: int | None = Field(None, description="Move under this unit; send null to make it top level")
    head_id: int | None = Field(None, description="Send null to clear the head")
    region_codes: list[str] | None = None
    sort_order: int | None = Field(None, ge=0)
    is_active: bool | None = None


class PostOut(Schema):
    id: int
    user_id: int
    user_name: str
    unit_id: int
    unit_name: str = Field(alias="unit.name")
    role: str
    is_main: bool
    valid_from: dt.date
    valid_to: dt.date | None
    data_scope: str = Field(description="Empty: the role's default scope")
    scope_unit_ids: list[int]

    @staticmethod
    def resolve_user_name(obj) -> str:
        return str(obj.user)

    @staticmethod
    def resolve_scope_unit_ids(obj) -> list[int]:
        return [u.pk for u in obj.scope_units.all()]


class PostIn(Schema):
    user_id: int
    unit_id: int
    role: str
    is_main: bool = True
    valid_from: dt.date | None = Field(None, description="Default: today")
    data_scope: str = ""
    scope_unit_ids: list[int] = Field(default_factory=list)


class PostPatch(Schema):
    data_scope: str | None = None
    scope_unit_ids: list[int] | None = None
    valid_to: dt.date | None = Field(None, description="End the post on this day")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str] = Field(description="`read` (GET) and/or `write` (POST, PUT, PATCH, DELETE)")
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    expires_at: dt.datetime | None = None
    scopes: list[Literal["read", "write"]] = Field(
        default_factory=lambda: ["read"],
        min_length=1,
        description='`["read"]` (the default) or `["read", "write"]`; write implies read.',
    )


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The token itself. Shown only in this response: store it now.")


class MePostOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    role: str
    role_label: str
    is_main: bool
    valid_from: dt.date
    valid_to: dt.date | None
    data_scope: str = Field(description="Effective data scope of this post")


class MeUserOut(Schema):
    id: int
    username: str
    full_name: str
    email: str
    phone: str
    is_staff: bool
    is_superuser: bool
    language: str


class MeOut(Schema):
    user: MeUserOut
    posts: list[MePostOut]
    roles: list[str]
    permissions: dict[str, list[str]] = Field(description="Object type → actions you may take")
