"""Signing in and out: throttling, temporary lockout, per-user session tracking, password
change. The failure counters live in the ``LoginFailure`` table, not in a per-process cache,
so every app server sees the same count (DESIGN: tokens and lockout); increments are single
``UPDATE … SET failures = failures + 1`` statements so concurrent attempts never lose one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from zhidu.audit.models import AccessEvent
from zhidu.audit.services import access_log, audit_record
from zhidu.core.errors import ApplicationError, ValidationError
from zhidu.core.http import client_ip

from .models import LoginFailure, User, UserSession


class LoginRefused(ApplicationError):
    code = "login_failed"
    status = 401


class LockedOut(ApplicationError):
    code = "locked_out"
    status = 429


def _max_failures() -> int:
    return max(1, int(settings.ZHIDU_LOGIN_MAX_FAILURES))


def _lockout() -> dt.timedelta:
    return dt.timedelta(minutes=max(1, int(settings.ZHIDU_LOGIN_LOCKOUT_MINUTES)))


def _ip_max_failures() -> int:
    """Failures from one address across all user names before it is throttled: stops
    password spraying without locking out a whole office behind one NAT address."""
    return int(getattr(settings, "ZHIDU_LOGIN_IP_MAX_FAILURES", _max_failures() * 10))


def _ip_key(ip: str) -> str:
    # Django user names may not contain ':', so these keys never meet a real user name.
    return f"ip:{ip}"[:150]


def _normalise(username: str) -> str:
    return (username or "").strip()[:150]


@dataclass(frozen=True)
class LockState:
    locked: bool
    until: dt.datetime | None = None


def lock_state(key: str, *, now: dt.datetime | None = None) -> LockState:
    now = now or timezone.now()
    until = (
        LoginFailure.objects.filter(username=key, locked_until__gt=now).values_list("locked_until", flat=True).first()
    )
    return LockState(locked=until is not None, until=until)


def _count_failure(key: str, limit: int, now: dt.datetime) -> bool:
    """Add one failure to ``key``'s counter; lock it when the limit is reached. Returns
    True when this very call locked it (so the lockout is logged once). Failures older than
    the lockout window are forgotten: the counter restarts at one."""
    LoginFailure.objects.get_or_create(username=key)
    window_start = now - _lockout()
    LoginFailure.objects.filter(username=key).update(
        failures=Case(
            When(last_failure_at__lt=window_start, then=Value(1)),
            When(last_failure_at__isnull=True, then=Value(1)),
            default=F("failures") + 1,
        ),
        last_failure_at=now,
    )
    # A conditional UPDATE: of two concurrent attempts that both reach the limit, only one
    # matches, so the lockout starts (and is logged) once.
    return bool(
        LoginFailure.objects.filter(username=key, failures__gte=limit).update(failures=0, locked_until=now + _lockout())
    )


def _locked_message(until: dt.datetime | None) -> str:
    if until is None:
        return _("Too many failed sign-ins. Try again later.")
    local = timezone.localtime(until)
    return _("Too many failed sign-ins. Try again after %(time)s.") % {"time": time_format(local, "H:i")}


def _known(username: str) -> User | None:
    """The account a failed attempt aimed at, so the access log can be filtered by person."""
    return User.objects.filter(username=username).first() if username else None


def login_attempt(*, request, username: str, password: str) -> User:
    """Check a user name and password and sign the person in.

    Refused while the user name (or the client address) is locked out — the password is
    not even checked then. A wrong password counts one failure against the user name and
    one against the address; ``ZHIDU_LOGIN_MAX_FAILURES`` failures within
    ``ZHIDU_LOGIN_LOCKOUT_MINUTES`` lock the name for that many minutes. Every outcome is
    in the access log (网络安全法 §21)."""
    username = _normalise(username)
    ip = client_ip(request)
    now = timezone.now()
    for key in (username, _ip_key(ip) if ip else None):
        if not key:
            continue
        state = lock_state(key, now=now)
        if state.locked:
            access_log(user=_known(username), event=AccessEvent.LOGIN_FAILED, username=username, detail="locked", ip=ip)
            raise LockedOut(_locked_message(state.until))
    user = authenticate(request, username=username, password=password) if username and password else None
    if user is None:
        with transaction.atomic():
            locked = _count_failure(username, _max_failures(), now) if username else False
            ip_locked = _count_failure(_ip_key(ip), _ip_max_failures(), now) if ip else False
            known = _known(username)
            access_log(user=known, event=AccessEvent.LOGIN_FAILED, username=username, ip=ip)
            if locked or ip_locked:
                access_log(
                    user=known,
                    event=AccessEvent.LOCKED_OUT,
                    username=username,
                    ip=ip,
                    detail="address" if ip_locked else "user",
                )
        if locked or ip_locked:
            raise LockedOut(_locked_message(now + _lockout()))
        raise LoginRefused(_("The user name or password is not correct."))
    with transaction.atomic():
        LoginFailure.objects.filter(username=username).delete()
        login(request, user)
        session_register(user=user, session_key=request.session.session_key, ip=ip)
        access_log(user=user, event=AccessEvent.LOGIN, ip=ip)
    return user


def session_register(*, user: User, session_key: str | None, ip: str = "") -> None:
    if not session_key:
        return
    UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user, "ip": ip[:64]})


def logout_user(*, request) -> None:
    user = request.user if request.user.is_authenticated else None
    key = request.session.session_key
    with transaction.atomic():
        if user is not None:
            access_log(user=user, event=AccessEvent.LOGOUT)
        if key:
            UserSession.objects.filter(session_key=key).delete()
    logout(request)


def sessions_end(*, user: User, keep: str | None = None) -> int:
    """End every session of ``user`` (except ``keep``): two DELETEs on indexed columns,
    whatever the size of the session table. Returns the number of sessions ended."""
    rows = UserSession.objects.filter(user=user)
    if keep:
        rows = rows.exclude(session_key=keep)
    ended, _ = Session.objects.filter(session_key__in=rows.values("session_key")).delete()
    rows.delete()
    return ended


def user_session_purge() -> int:
    """Forget session rows whose session has expired or was cleared (for the scheduler,
    after Django's ``clearsessions``)."""
    deleted, _ = UserSession.objects.exclude(session_key__in=Session.objects.values("session_key")).delete()
    return deleted


def login_failure_purge(*, older_than_hours: int = 24) -> int:
    """Forget failure counters nobody has added to for a while and that lock nothing
    (attempts on unknown names and from passing addresses would pile up). For the
    scheduler; idempotent."""
    now = timezone.now()
    stale = now - dt.timedelta(hours=max(1, older_than_hours))
    deleted, _ = LoginFailure.objects.filter(last_failure_at__lt=stale).exclude(locked_until__gt=now).delete()
    return deleted


@transaction.atomic
def password_change(*, request, user: User, old_password: str, new_password: str) -> User:
    """Change one's own password under the company's password policy
    (``AUTH_PASSWORD_VALIDATORS``). Other sessions of the person end; this one stays."""
    if not user.check_password(old_password or ""):
        raise ValidationError(_("The current password is not correct."), fields={"old_password": [_("Not correct.")]})
    if old_password == new_password:
        raise ValidationError(
            _("Choose a password different from the current one."),
            fields={"new_password": [_("Same as the current password.")]},
        )
    try:
        validate_password(new_password, user)
    except DjangoValidationError as exc:
        raise ValidationError(exc.messages[0], fields={"new_password": list(exc.messages)})
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(actor=user, action="user.password_change", obj=user)
    if request is not None:
        update_session_auth_hash(request, user)
        sessions_end(user=user, keep=request.session.session_key)
        session_register(user=user, session_key=request.session.session_key, ip=client_ip(request))
    else:
        sessions_end(user=user)
    return user
