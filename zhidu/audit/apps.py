from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "zhidu.audit"
    label = "audit"
    verbose_name = _("Audit")

    def ready(self):
        from zhidu.core import navigation
        from zhidu.core.navigation import NavItem
        from zhidu.org.choices import Action
        from zhidu.org.permissions import register_object_type

        navigation.register_section("admin", _("Administration"))
        # Staff see both logs; other roles only when an admin grants it in the table.
        register_object_type("audit.auditevent", _("Audit log"), defaults={}, actions=[Action.VIEW, Action.EXPORT])
        register_object_type("audit.accesslog", _("Access log"), defaults={}, actions=[Action.VIEW, Action.EXPORT])
        navigation.register(
            NavItem(
                "admin",
                _("Audit log"),
                "audit:events",
                icon="history",
                permission=("audit.auditevent", Action.VIEW),
                order=40,
            )
        )
        navigation.register(
            NavItem(
                "admin",
                _("Access log"),
                "audit:access",
                icon="login",
                permission=("audit.accesslog", Action.VIEW),
                order=50,
            )
        )
