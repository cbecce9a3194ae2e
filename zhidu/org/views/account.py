"""My account: profile, posts and personal API tokens."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zhidu.core.errors import ApplicationError

from .. import selectors
from ..forms import ApiTokenForm
from ..tokens import api_token_create, api_token_revoke
from ._common import form_error, guard, is_htmx, tabler


def _context(request, form=None, raw_token: str = "", new_token=None) -> dict:
    return {
        "me": selectors.me(user=request.user),
        "tokens": list(selectors.api_tokens_of(user=request.user)),
        "form": tabler(form or ApiTokenForm()),
        "raw_token": raw_token,
        "new_token": new_token,
        "now": timezone.now(),
    }


def _render(request, ctx, status=200):
    template = "org/partials/tokens.html" if is_htmx(request) else "org/account.html"
    return render(request, template, ctx, status=status)


@guard(None)
@require_GET
def account(request):
    return render(request, "org/account.html", _context(request))


@guard(None)
@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        days = form.cleaned_data.get("expires_in")
        expires_at = timezone.now() + dt.timedelta(days=int(days)) if days else None
        try:
            token, raw = api_token_create(
                actor=request.user,
                user=request.user,
                name=form.cleaned_data["name"],
                expires_at=expires_at,
                scopes=form.scopes(),
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            # The raw token is in this one response and nowhere else: it is never stored.
            return _render(request, _context(request, raw_token=raw, new_token=token))
    return _render(request, _context(request, form=form), status=422 if not is_htmx(request) else 200)


@guard(None)
@require_POST
def token_revoke(request, pk: int):
    token = selectors.api_token_get(user=request.user, pk=pk)
    api_token_revoke(actor=request.user, token=token)
    if is_htmx(request):
        return _render(request, _context(request))
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("org:account")
