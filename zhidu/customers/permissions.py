"""Object types of the customers app and their default permissions per role. An admin
overrides any cell in the permission table (``zhidu.org``); these are the defaults a new
company starts with. Export and print are off for reps (issue 4: export is a permission).
Which records: the data scope of the post (own / team / subtree / all) — see
``zhidu.org.permissions``; collaborators add ``Customer.visible_extra``."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from zhidu.org.choices import Action as A
from zhidu.org.choices import Role as R
from zhidu.org.permissions import register_object_type

SALES_MANAGERS = (R.TEAM_MANAGER, R.REGIONAL_MANAGER, R.SUPERVISOR)
TOP = (R.GENERAL_MANAGER, R.DIRECTOR)
REPS = (R.REP, R.KEY_ACCOUNT_MANAGER)


def _roles(roles: Iterable[str], actions: Iterable[str]) -> dict[str, set[str]]:
    return {role: set(actions) for role in roles}


def register_object_types() -> None:
    everything = [a.value for a in A]

    customer_rep = {A.VIEW, A.CREATE, A.EDIT, A.CLAIM, A.VIEW_PHONE}
    customer_mgr = customer_rep | {A.DELETE, A.TRANSFER, A.ASSIGN, A.MERGE, A.IMPORT}
    register_object_type(
        "customers.customer",
        _("Customer"),
        defaults={
            **_roles(REPS, customer_rep),
            **_roles(SALES_MANAGERS, customer_mgr),
            **_roles(TOP, everything),
            R.ASSISTANT: {A.VIEW, A.CREATE, A.EDIT, A.VIEW_PHONE, A.IMPORT},
            R.ORDER_COORDINATOR: {A.VIEW, A.VIEW_PHONE},
            R.SERVICE_AGENT: {A.VIEW, A.VIEW_PHONE},
            R.MARKETING: {A.VIEW},
            R.FINANCE: {A.VIEW},
        },
        actions=everything,
    )
    contact_rep = {A.VIEW, A.CREATE, A.EDIT, A.DELETE, A.VIEW_PHONE}
    register_object_type(
        "customers.contact",
        _("Contact"),
        defaults={
            **_roles(REPS, contact_rep),
            **_roles(SALES_MANAGERS, contact_rep | {A.IMPORT}),
            **_roles(TOP, contact_rep | {A.IMPORT, A.EXPORT, A.PRINT}),
            R.ASSISTANT: contact_rep | {A.IMPORT},
            R.ORDER_COORDINATOR: {A.VIEW, A.VIEW_PHONE},
            R.SERVICE_AGENT: {A.VIEW, A.VIEW_PHONE},
            R.FINANCE: {A.VIEW},
        },
        actions=[A.VIEW, A.CREATE, A.EDIT, A.DELETE, A.IMPORT, A.EXPORT, A.PRINT, A.VIEW_PHONE],
    )
    lead_rep = {A.VIEW, A.CREATE, A.EDIT, A.VIEW_PHONE}
    register_object_type(
        "customers.lead",
        _("Lead"),
        defaults={
            **_roles(REPS, lead_rep),
            **_roles(SALES_MANAGERS, lead_rep | {A.ASSIGN, A.TRANSFER, A.IMPORT}),
            **_roles(TOP, lead_rep | {A.ASSIGN, A.TRANSFER, A.IMPORT, A.EXPORT, A.PRINT, A.DELETE}),
            R.ASSISTANT: lead_rep | {A.IMPORT},
            R.MARKETING: {A.VIEW, A.CREATE, A.EDIT, A.IMPORT, A.VIEW_PHONE},
        },
        actions=[A.VIEW, A.CREATE, A.EDIT, A.DELETE, A.ASSIGN, A.TRANSFER, A.IMPORT, A.EXPORT, A.PRINT, A.VIEW_PHONE],
    )
    register_object_type(
        "customers.activity",
        _("Follow-up"),
        defaults={
            **_roles(REPS, {A.VIEW, A.CREATE, A.EDIT}),
            **_roles(SALES_MANAGERS, {A.VIEW, A.CREATE, A.EDIT}),
            **_roles(TOP, {A.VIEW, A.CREATE, A.EDIT, A.EXPORT, A.PRINT}),
            R.ASSISTANT: {A.VIEW, A.CREATE},
            R.SERVICE_AGENT: {A.VIEW, A.CREATE},
        },
        actions=[A.VIEW, A.CREATE, A.EDIT, A.DELETE, A.EXPORT, A.PRINT],
    )
    register_object_type(
        "customers.publicpool",
        _("Public pool"),
        defaults={
            **_roles(REPS, {A.VIEW, A.CLAIM}),
            **_roles(SALES_MANAGERS, {A.VIEW, A.CLAIM, A.ASSIGN}),
            **_roles(TOP, {A.VIEW, A.CLAIM, A.ASSIGN, A.EDIT, A.CREATE}),
        },
        actions=[A.VIEW, A.CREATE, A.EDIT, A.CLAIM, A.ASSIGN],
    )
    register_object_type(
        "customers.conflictclaim",
        _("Conflict claim"),
        defaults={
            **_roles(REPS, {A.VIEW, A.CREATE}),
            **_roles(SALES_MANAGERS, {A.VIEW, A.CREATE, A.EDIT}),
            **_roles(TOP, {A.VIEW, A.CREATE, A.EDIT}),
        },
        actions=[A.VIEW, A.CREATE, A.EDIT],
    )
    register_object_type(
        "customers.transfer",
        _("Transfer"),
        defaults={**_roles(SALES_MANAGERS, {A.VIEW, A.CREATE}), **_roles(TOP, {A.VIEW, A.CREATE})},
        actions=[A.VIEW, A.CREATE],
    )
    register_object_type(
        "customers.importjob",
        _("Import"),
        defaults={
            **_roles(SALES_MANAGERS, {A.VIEW, A.CREATE}),
            **_roles(TOP, {A.VIEW, A.CREATE}),
            R.ASSISTANT: {A.VIEW, A.CREATE},
            R.MARKETING: {A.VIEW, A.CREATE},
        },
        actions=[A.VIEW, A.CREATE],
    )
    register_object_type(
        "customers.tag",
        _("Tag"),
        defaults={
            **_roles(
                (*REPS, *SALES_MANAGERS, *TOP, R.ASSISTANT, R.ORDER_COORDINATOR, R.SERVICE_AGENT, R.MARKETING), {A.VIEW}
            ),
            R.DIRECTOR: {A.VIEW, A.CREATE, A.EDIT, A.DELETE},
            R.GENERAL_MANAGER: {A.VIEW, A.CREATE, A.EDIT, A.DELETE},
        },
        actions=[A.VIEW, A.CREATE, A.EDIT, A.DELETE],
    )
    register_object_type(
        "customers.activitytype",
        _("Activity type"),
        defaults={R.GENERAL_MANAGER: {A.VIEW, A.EDIT, A.CREATE}, R.DIRECTOR: {A.VIEW, A.EDIT, A.CREATE}},
        actions=[A.VIEW, A.CREATE, A.EDIT],
    )
