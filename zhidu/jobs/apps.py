from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "zhidu.jobs"
    label = "jobs"
    verbose_name = _("Jobs")

    def ready(self):
        # Never start workers or the scheduler here (DESIGN: Tasks): `zhidu worker` and
        # `zhidu scheduler` do. Periodic jobs are found lazily by the registry.
        from zhidu.core import navigation

        from .policies import register_schedule_policy

        register_schedule_policy()
        navigation.register_section("admin", _("Administration"))
        navigation.register(
            navigation.NavItem(
                section="admin", label=_("Jobs"), url_name="jobs:list", icon="clock-play", staff_only=True, order=80
            )
        )
