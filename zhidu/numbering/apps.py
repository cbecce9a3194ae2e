from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NumberingConfig(AppConfig):
    name = "zhidu.numbering"
    label = "numbering"
    verbose_name = _("Numbering")

    def ready(self):
        from zhidu.core import navigation
        from zhidu.org.choices import Action, Role
        from zhidu.org.permissions import register_object_type

        from .permissions import OBJECT_TYPE

        register_object_type(
            OBJECT_TYPE,
            _("Numbering rule"),
            defaults={Role.GENERAL_MANAGER: {Action.VIEW}},
            actions=[Action.VIEW, Action.EDIT],
        )
        navigation.register_section("admin", _("Administration"))
        navigation.register(
            navigation.NavItem(
                section="admin",
                label=_("Numbering rules"),
                url_name="numbering:index",
                icon="hash",
                permission=(OBJECT_TYPE, Action.VIEW),
                order=45,
            )
        )
