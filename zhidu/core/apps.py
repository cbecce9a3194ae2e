from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "zhidu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import navigation, widgets

        # The home entry sits first, in a group without a title.
        navigation.register_section("home", "")
        navigation.register(
            navigation.NavItem(section="home", label=_("Dashboard"), url_name="core:dashboard", icon="home", order=0)
        )
        widgets.register_core_widgets()
