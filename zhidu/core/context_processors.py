from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from .navigation import menu_for


def _mark_active(menu: list[dict], path: str) -> list[dict]:
    """Highlight the entry whose URL is the longest prefix of the current path."""
    best = ""
    for group in menu:
        for item in group["items"]:
            url = item["url"]
            if (path == url or (url != "/" and path.startswith(url))) and len(url) > len(best):
                best = url
    return [{**group, "items": [{**item, "active": item["url"] == best} for item in group["items"]]} for group in menu]


def _posts(user) -> list[dict]:
    from zhidu.org.permissions import active_posts

    return [
        {"role": post.get_role_display(), "unit": post.unit.name, "is_main": post.is_main}
        for post in active_posts(user)
    ]


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _shell_config() -> dict:
    """Settings and translated texts that ``core/app.js`` reads from a ``json_script``."""
    return {
        "loginUrl": _url(settings.LOGIN_URL),
        "messages": {
            "title": _("Something went wrong"),
            "generic": _("The request could not be completed."),
            "network": _("The server could not be reached. Check your connection and try again."),
            "forbidden": _("You do not have permission to do this."),
            "notFound": _("Not found, or you may not see it."),
            "conflict": _("This record was changed by someone else. Reload and try again."),
            "server": _("Something went wrong on our side. It has been logged; please try again later."),
            "close": _("Close"),
        },
    }


def shell(request):
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    menu = _mark_active(menu_for(user), request.path) if authenticated else []
    return {
        "nav_menu": menu,
        "shell_posts": SimpleLazyObject(lambda: _posts(user)) if authenticated else [],
        "shell_config": _shell_config(),
        "zhidu_env": settings.ZHIDU_ENV,
        "business_name": settings.ZHIDU_BUSINESS_NAME,
    }
