from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "zhidu.policies"
    label = "policies"
    verbose_name = _("Policies")

    def ready(self):
        from zhidu.core import navigation
        from zhidu.org.choices import Action, Role
        from zhidu.org.permissions import register_object_type

        from .permissions import OBJECT_TYPE

        register_object_type(
            OBJECT_TYPE,
            _("Policy"),
            defaults={
                Role.GENERAL_MANAGER: {Action.VIEW, Action.EDIT},
                Role.DIRECTOR: {Action.VIEW, Action.EDIT},
                Role.REGIONAL_MANAGER: {Action.VIEW},
                Role.FINANCE: {Action.VIEW},
            },
            actions=[Action.VIEW, Action.EDIT],
        )
        navigation.register_section("admin", _("Administration"))
        navigation.register(
            navigation.NavItem(
                section="admin",
                label=_("Policies"),
                url_name="policies:index",
                icon="gavel",
                permission=(OBJECT_TYPE, Action.VIEW),
                order=40,
            )
        )
