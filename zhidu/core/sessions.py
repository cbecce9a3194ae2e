"""Idle expiry that background polls do not push back.

``SESSION_SAVE_EVERY_REQUEST`` makes every request move the session's deadline, which is
how an idle session ends after ``SESSION_COOKIE_AGE``. But a page left open polls its badges
every minute (notifications, approvals) and a progress bar every second: counted as activity,
they would keep an unattended tab signed in for ever. Views that answer such polls are
decorated with :func:`session_passive`; for them the session is read but not saved (unless
the view really changed it), so no new cookie and no new deadline are sent.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.utils.cache import patch_vary_headers


def session_passive(view):
    """Mark ``view`` as a background poll: it does not extend the idle session."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.session_passive = True
        return view(request, *args, **kwargs)

    return wrapped


class SessionMiddleware(DjangoSessionMiddleware):
    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and getattr(request, "session_passive", False) and not session.modified:
            if session.accessed:
                patch_vary_headers(response, ("Cookie",))
            return response
        return super().process_response(request, response)
