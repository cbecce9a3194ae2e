"""Menu entries of the customers app; called from ``AppConfig.ready``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from zhidu.core.navigation import NavItem, register, register_section


def _due_count(user) -> int:
    from .selectors.activities import due_follow_ups_count

    return due_follow_ups_count(user=user)


def register_menu() -> None:
    register_section("customers", _("Customers"))
    items = [
        NavItem(
            "customers", _("Customers"), "customers:customer_list", "building", ("customers.customer", "view"), order=10
        ),
        NavItem(
            "customers",
            _("My day"),
            "customers:my_day",
            "sun",
            ("customers.activity", "view"),
            order=5,
            badge=_due_count,  # follow-ups due: computed with the page, no polling
        ),
        NavItem(
            "customers", _("Public pool"), "customers:pool_list", "lifebuoy", ("customers.publicpool", "view"), order=30
        ),
        NavItem(
            "customers",
            _("Follow-ups"),
            "customers:activity_list",
            "message-dots",
            ("customers.activity", "view"),
            order=40,
        ),
        NavItem("customers", _("Leads"), "customers:lead_list", "target-arrow", ("customers.lead", "view"), order=20),
        NavItem(
            "customers", _("Lead fairness"), "customers:fairness_report", "scale", ("customers.lead", "view"), order=25
        ),
        NavItem(
            "admin",
            _("Kinds of follow-up"),
            "customers:activity_types",
            "list-details",
            ("customers.activitytype", "view"),
            order=60,
        ),
        NavItem(
            "customers",
            _("Transfers"),
            "customers:transfer_list",
            "arrows-exchange",
            ("customers.transfer", "view"),
            order=50,
        ),
        NavItem(
            "customers", _("Imports"), "customers:import_list", "file-upload", ("customers.importjob", "view"), order=60
        ),
        NavItem(
            "customers",
            _("My exports"),
            "customers:export_list",
            "file-download",
            ("customers.customer", "export"),
            order=70,
        ),
    ]
    for item in items:
        register(item)
