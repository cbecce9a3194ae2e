from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "zhidu.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from zhidu.core import navigation

        navigation.register_section("admin", _("Administration"))
        navigation.register_section("me", _("Me"))
        navigation.register(
            navigation.NavItem(
                section="me", label=_("Notifications"), url_name="notifications:list", icon="bell", order=80
            )
        )
        navigation.register(
            navigation.NavItem(
                section="me",
                label=_("Notification settings"),
                url_name="notifications:preferences",
                icon="bell-cog",
                order=85,
            )
        )
        navigation.register(
            navigation.NavItem(
                section="admin",
                label=_("Notification channels"),
                url_name="notifications:channels",
                icon="broadcast",
                staff_only=True,
                order=85,
            )
        )
