"""``/api/v1/org/``: who am I, personal API tokens, and the org directory (units, users,
posts) for integrations. Handlers validate, check the policy and call services/selectors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from ninja import Query, Router

from zhidu.core.errors import NotFound, ValidationError
from zhidu.core.filters import filter_schema, query_to_data
from zhidu.core.pagination import paginate

from . import policies, selectors, services
from .filtersets import OrgUnitFilterSet, PostFilterSet, UserFilterSet
from .models import OrgUnit, User
from .schemas import (
    MeOut,
    PageOut,
    PostIn,
    PostOut,
    PostPatch,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UnitIn,
    UnitOut,
    UnitPatch,
    UserIn,
    UserOut,
    UserPatch,
    page_out,
)
from .tokens import api_token_create, api_token_revoke

router = Router()

UserQuery: Any = filter_schema(UserFilterSet, "UserFilters")
UnitQuery: Any = filter_schema(OrgUnitFilterSet, "OrgUnitFilters")
PostQuery: Any = filter_schema(PostFilterSet, "PostFilters")


def _unit(pk: int | None, field: str) -> OrgUnit | None:
    if pk is None:
        return None
    unit = OrgUnit.objects.filter(pk=pk).first()
    if unit is None:
        raise ValidationError(_("No such unit."), fields={field: [_("No such unit.")]})
    return unit


def _user(pk: int | None, field: str) -> User | None:
    if pk is None:
        return None
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise ValidationError(_("No such person."), fields={field: [_("No such person.")]})
    return user


# --- me and tokens --------------------------------------------------------------------------


@router.get("/me", response=MeOut, summary="Who am I: the person, current posts, roles, permissions")
def me(request):
    return selectors.me(user=request.user)


@router.get("/tokens", response=list[TokenOut], summary="My API tokens")
def tokens_list(request):
    return list(selectors.api_tokens_of(user=request.user))


@router.post("/tokens", response={201: TokenCreatedOut}, summary="Create an API token (shown once)")
def tokens_create(request, payload: TokenIn):
    token, raw = api_token_create(
        actor=request.user, user=request.user, name=payload.name, expires_at=payload.expires_at, scopes=payload.scopes
    )
    out = TokenOut.from_orm(token).model_dump()
    return 201, {**out, "token": raw}


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="Revoke one of my API tokens")
def tokens_revoke(request, token_id: int):
    token = selectors.api_token_get(user=request.user, pk=token_id)
    return api_token_revoke(actor=request.user, token=token)


# --- units ------------------------------------------------------------------------------------


@router.get("/units", response=PageOut[UnitOut], summary="Org units")
def units_list(request, filters: Query[UnitQuery]):  # type: ignore[valid-type]
    policies.require(policies.can_view_org(request.user))
    qs = selectors.unit_list(filters=query_to_data(filters))
    return page_out(paginate(qs, filters.page, filters.page_size))


@router.get("/units/{unit_id}", response=UnitOut, summary="One org unit")
def units_detail(request, unit_id: int):
    policies.require(policies.can_view_org(request.user))
    return selectors.unit_get(pk=unit_id)


@router.post("/units", response={201: UnitOut}, summary="Create an org unit")
def units_create(request, payload: UnitIn):
    policies.require(policies.can_manage_org(request.user))
    unit = services.org_unit_create(
        actor=request.user,
        name=payload.name,
        code=payload.code,
        kind=payload.kind,
        parent=_unit(payload.parent_id, "parent_id"),
        head=_user(payload.head_id, "head_id"),
        region_codes=payload.region_codes,
        sort_order=payload.sort_order,
    )
    return 201, unit


@router.patch("/units/{unit_id}", response=UnitOut, summary="Edit, move or deactivate an org unit")
def units_update(request, unit_id: int, payload: UnitPatch):
    policies.require(policies.can_manage_org(request.user))
    unit = selectors.unit_get(pk=unit_id)
    sent = payload.model_dump(exclude_unset=True)
    fields = {k: v for k, v in sent.items() if k not in {"parent_id", "head_id"}}
    for k in ("name", "code", "kind", "sort_order", "is_active", "region_codes"):
        if k in fields and fields[k] is None:
            raise ValidationError(_("%(field)s cannot be empty.") % {"field": k}, fields={k: [_("Required.")]})
    if "parent_id" in sent:
        fields["parent"] = _unit(sent["parent_id"], "parent_id")
    if "head_id" in sent:
        fields["head"] = _user(sent["head_id"], "head_id")
    return services.org_unit_update(actor=request.user, unit=unit, **fields)


# --- users ------------------------------------------------------------------------------------


@router.get("/users", response=PageOut[UserOut], summary="People, with their current posts")
def users_list(request, filters: Query[UserQuery]):  # type: ignore[valid-type]
    policies.require(policies.can_view_org(request.user))
    qs = selectors.user_list(filters=query_to_data(filters))
    return page_out(paginate(qs, filters.page, filters.page_size))


@router.get("/users/{user_id}", response=UserOut, summary="One person")
def users_detail(request, user_id: int):
    policies.require(policies.can_view_org(request.user))
    return selectors.user_get(pk=user_id)


@router.post("/users", response={201: UserOut}, summary="Create a person (then give them a post)")
def users_create(request, payload: UserIn):
    policies.require(policies.can_create_user(request.user))
    user = services.user_create(
        actor=request.user,
        username=payload.username,
        full_name=payload.full_name,
        email=payload.email,
        phone=payload.phone,
        password=payload.password or None,
    )
    return 201, selectors.user_get(pk=user.pk)


@router.patch("/users/{user_id}", response=UserOut, summary="Edit a person's profile")
def users_update(request, user_id: int, payload: UserPatch):
    policies.require(policies.can_manage_org(request.user))
    user = selectors.user_get(pk=user_id)
    fields = payload.model_dump(exclude_unset=True)
    for k in ("capacity", "is_staff"):
        if k in fields and fields[k] is None:
            raise ValidationError(_("%(field)s cannot be empty.") % {"field": k}, fields={k: [_("Required.")]})
    for k in ("full_name", "email", "phone", "employee_no", "language"):
        if k in fields and fields[k] is None:
            fields[k] = ""
    services.user_update(actor=request.user, user=user, **fields)
    return selectors.user_get(pk=user.pk)


@router.post("/users/{user_id}/deactivate", response=UserOut, summary="Deactivate: ends sessions and tokens")
def users_deactivate(request, user_id: int):
    policies.require(policies.can_manage_org(request.user))
    user = selectors.user_get(pk=user_id)
    services.user_deactivate(actor=request.user, user=user)
    return selectors.user_get(pk=user.pk)


@router.post("/users/{user_id}/reactivate", response=UserOut, summary="Reactivate a deactivated person")
def users_reactivate(request, user_id: int):
    policies.require(policies.can_manage_org(request.user))
    user = selectors.user_get(pk=user_id)
    services.user_reactivate(actor=request.user, user=user)
    return selectors.user_get(pk=user.pk)


# --- posts ------------------------------------------------------------------------------------


@router.get("/posts", response=PageOut[PostOut], summary="Posts (主岗/兼岗), current and past")
def posts_list(request, filters: Query[PostQuery]):  # type: ignore[valid-type]
    policies.require(policies.can_view_org(request.user))
    qs = selectors.post_list(filters=query_to_data(filters))
    return page_out(paginate(qs, filters.page, filters.page_size))


@router.get("/posts/{post_id}", response=PostOut, summary="One post")
def posts_detail(request, post_id: int):
    policies.require(policies.can_view_org(request.user))
    return selectors.post_get(pk=post_id)


def _units(ids: list[int], field: str) -> list[OrgUnit]:
    units = OrgUnit.objects.in_bulk(set(ids))
    missing = sorted(set(ids) - set(units))
    if missing:
        raise ValidationError(_("No such unit."), fields={field: [_("No such unit: %(ids)s") % {"ids": missing}]})
    return [units[i] for i in ids]


@router.post("/posts", response={201: PostOut}, summary="Assign a post; a new main post ends the previous one")
def posts_create(request, payload: PostIn):
    policies.require(policies.can_manage_org(request.user))
    user = _user(payload.user_id, "user_id")
    unit = _unit(payload.unit_id, "unit_id")
    if user is None or unit is None:  # pragma: no cover - ids are required by the schema
        raise NotFound()
    post = services.post_assign(
        actor=request.user,
        user=user,
        unit=unit,
        role=payload.role,
        is_main=payload.is_main,
        valid_from=payload.valid_from,
        data_scope=payload.data_scope,
        scope_units=_units(payload.scope_unit_ids, "scope_unit_ids"),
    )
    return 201, selectors.post_get(pk=post.pk)


@router.patch("/posts/{post_id}", response=PostOut, summary="Change a post's data scope, or end it")
def posts_update(request, post_id: int, payload: PostPatch):
    policies.require(policies.can_manage_org(request.user))
    post = selectors.post_get(pk=post_id)
    sent = payload.model_dump(exclude_unset=True)
    kwargs = {}
    if "data_scope" in sent:
        kwargs["data_scope"] = sent["data_scope"] or ""
    if "scope_unit_ids" in sent:
        kwargs["scope_units"] = _units(sent["scope_unit_ids"] or [], "scope_unit_ids")
    if sent.get("valid_to") is not None:
        kwargs["valid_to"] = sent["valid_to"]
    services.post_update(actor=request.user, post=post, **kwargs)
    return selectors.post_get(pk=post.pk)
