from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "zhidu.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self):
        from zhidu.core import navigation
        from zhidu.core.navigation import NavItem

        from .choices import Action, Role
        from .permissions import register_object_type

        navigation.register_section("admin", _("Administration"))
        navigation.register_section("me", _("Me"))
        register_object_type(
            "org.user",
            _("User"),
            defaults={
                Role.GENERAL_MANAGER: {Action.VIEW, Action.VIEW_PHONE},
                Role.DIRECTOR: {Action.VIEW},
                Role.HR: {Action.VIEW, Action.CREATE, Action.EDIT, Action.VIEW_PHONE},
            },
            actions=[Action.VIEW, Action.CREATE, Action.EDIT, Action.EXPORT, Action.VIEW_PHONE],
        )
        # Editing the permission table is its own right: editing people must not let
        # anyone widen their own rights. Staff hold it; nobody else by default.
        register_object_type("org.permission", _("Permissions"), defaults={}, actions=[Action.VIEW, Action.EDIT])

        for item in [
            NavItem("admin", _("Users"), "org:users", icon="users", permission=("org.user", Action.VIEW), order=10),
            NavItem(
                "admin", _("Org units"), "org:units", icon="sitemap", permission=("org.user", Action.VIEW), order=20
            ),
            NavItem(
                "admin",
                _("Permissions"),
                "org:permissions",
                icon="shield-lock",
                permission=("org.permission", Action.VIEW),
                order=30,
            ),
            NavItem("me", _("My account"), "org:account", icon="user-circle", order=90),
        ]:
            navigation.register(item)
