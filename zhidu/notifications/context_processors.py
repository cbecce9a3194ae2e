"""``notifications_unread`` for the top bar's bell. Add
``"zhidu.notifications.context_processors.notifications"`` to ``TEMPLATES``; the count is
queried only if a template uses it."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}
    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(user=user))}
