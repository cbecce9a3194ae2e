from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "zhidu.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from . import navigation, permissions, policies

        permissions.register_object_types()
        policies.register_all()
        navigation.register_menu()

        from .services import conflicts, locks

        conflicts.register_approvals()
        conflicts.register_events()
        conflicts.register_numbering_rule()
        locks.register_approvals()

        from .services import exports, imports, transfers

        transfers.register()
        exports.register()
        imports.register_events()

        from . import demo_leads
        from .views.fairness import register_widgets

        register_widgets()
        demo_leads.register()

        __import__("zhidu.customers.demo", fromlist=["register"]).register()  # the demo step (customers, leads, pool)
        __import__("zhidu.customers.widgets", fromlist=["register"]).register()  # dashboard cards
