from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

INBOX_BADGE_REFRESH = "every 60s, approvals-changed from:body"


def _inbox_badge(user) -> int:
    from .selectors import inbox_count

    return inbox_count(user=user)


class ApprovalsConfig(AppConfig):
    name = "zhidu.approvals"
    label = "approvals"
    verbose_name = _("Approvals")

    def ready(self):
        from zhidu.core import navigation
        from zhidu.core.navigation import NavItem
        from zhidu.org.choices import Action, Role
        from zhidu.org.permissions import register_object_type

        from . import policies

        policies.register()
        # Everyone sees the requests they take part in; the data scope adds the requests
        # of the units a manager oversees. ``assign`` lets an administrator hand on anyone's task.
        register_object_type(
            "approvals.approvalrequest",
            _("Approval request"),
            defaults={role: {Action.VIEW} for role in Role.values},
            actions=[Action.VIEW, Action.ASSIGN],
        )
        navigation.register_section("approvals", _("Approvals"))
        for order, (label, url_name, icon) in enumerate(
            [
                (_("Waiting for me"), "approvals:inbox", "inbox"),
                (_("I submitted"), "approvals:submitted", "send"),
                (_("Copied to me"), "approvals:copied", "copy"),
                (_("Delegation"), "approvals:delegations", "user-share"),
            ]
        ):
            # "Waiting for me" shows its count, refreshed every minute and right after a
            # decision (the views send the "approvals-changed" event).
            inbox = url_name == "approvals:inbox"
            navigation.register(
                NavItem(
                    section="approvals",
                    label=label,
                    url_name=url_name,
                    icon=icon,
                    order=20 + order,
                    badge=_inbox_badge if inbox else None,
                    badge_refresh=INBOX_BADGE_REFRESH if inbox else "",
                )
            )
        self._register_events()

    def _register_events(self) -> None:
        """Tell the notifications app which events we send, if it keeps a registry."""
        import importlib

        try:
            registry = importlib.import_module("zhidu.notifications.registry")
        except ImportError:
            return
        register_event = getattr(registry, "register_event", None)
        if register_event is None:
            return
        from .services.engine import EVENT_CC, EVENT_DECIDED, EVENT_PENDING

        for key, label in (
            (EVENT_PENDING, _("An approval is waiting for me")),
            (EVENT_DECIDED, _("My approval request was decided")),
            (EVENT_CC, _("I was copied in on an approval")),
        ):
            try:
                register_event(key, label)
            except TypeError:
                register_event(key=key, label=label)
