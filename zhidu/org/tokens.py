"""API tokens: issue, check, revoke. The raw token is ``zd_<prefix>_<secret>``.

A token carries scopes (``ApiTokenScope``): ``read`` lets it make safe requests (GET, HEAD,
OPTIONS), ``write`` every other method. The check is here, in ``api_token_authenticate``,
which the API's token auth calls for every request; the browser session is not affected."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhidu.audit.services import audit_record
from zhidu.core.errors import LimitExceeded, PermissionDenied, ValidationError

from .choices import ApiTokenScope
from .models import ApiToken, User

TOUCH_EVERY = dt.timedelta(minutes=1)
MAX_ACTIVE_TOKENS = 20
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenScopeRefused(PermissionDenied):
    code = "token_scope"


def scopes_normalise(scopes: Iterable[str] | None) -> list[str]:
    """Known scopes in a fixed order; ``write`` brings ``read`` with it (a token that may
    change data but not read it back is no use). Unknown or no scopes are refused."""
    wanted = {str(s).strip() for s in scopes or [] if str(s).strip()}
    unknown = wanted - set(ApiTokenScope.values)
    if unknown or not wanted:
        msg = _("Choose the scopes: read, or read and write.")
        raise ValidationError(msg, fields={"scopes": [msg]})
    if ApiTokenScope.WRITE in wanted:
        wanted.add(ApiTokenScope.READ)
    return [s for s in ApiTokenScope.values if s in wanted]


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, actor: User, user: User, name: str, expires_at=None, scopes: Iterable[str] = (ApiTokenScope.READ,)
) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; read-only unless ``scopes`` includes ``write``."""
    scopes = scopes_normalise(scopes)
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the token a name."), fields={"name": [_("This field is required.")]})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError(_("The expiry must lie in the future."), fields={"expires_at": [_("In the past.")]})
    if not user.is_active:
        raise ValidationError(_("%(name)s is deactivated.") % {"name": user})
    active = ApiToken.objects.filter(user=user, revoked_at__isnull=True).exclude(expires_at__lte=timezone.now())
    if active.count() >= MAX_ACTIVE_TOKENS:
        raise LimitExceeded(
            _("You have %(n)d active API tokens. Revoke one you no longer use first.") % {"n": MAX_ACTIVE_TOKENS}
        )
    prefix = secrets.token_hex(4)
    raw = f"zd_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name[:100], prefix=prefix, key_hash=_hash(raw), expires_at=expires_at, scopes=scopes
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        obj=token,
        after={"name": token.name, "user": user.pk, "scopes": scopes},
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", obj=token)
    return token


def api_token_authenticate(raw: str, *, method: str = "GET") -> User | None:
    """The user a valid token acts for, or ``None``. A valid token without the scope the
    request ``method`` needs raises ``TokenScopeRefused`` (403) before anything happens —
    not even ``last_used_at`` is written."""
    if not raw or not raw.startswith("zd_"):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw)).first()
    now = timezone.now()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        return None
    if not token.user.is_active:
        return None
    needed = ApiTokenScope.READ if method.upper() in SAFE_METHODS else ApiTokenScope.WRITE
    if needed not in (token.scopes or []):
        if needed == ApiTokenScope.WRITE:
            raise TokenScopeRefused(
                _("This API token may only read. Create a token with the “write” scope to change data.")
            )
        raise TokenScopeRefused(_("This API token may not read data."))
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
