from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Role(models.TextChoices):
    """Posts a person can hold (GLOSSARY), plus the general manager and HR/admin."""

    GENERAL_MANAGER = "general_manager", _("General manager")
    DIRECTOR = "director", _("Sales director")
    REGIONAL_MANAGER = "regional_manager", _("Regional sales manager")
    TEAM_MANAGER = "team_manager", _("Team manager")
    SUPERVISOR = "supervisor", _("Sales supervisor")
    REP = "rep", _("Sales representative")
    KEY_ACCOUNT_MANAGER = "key_account_manager", _("Key account manager")
    ASSISTANT = "assistant", _("Sales assistant")
    ORDER_COORDINATOR = "order_coordinator", _("Order coordinator")
    SERVICE_AGENT = "service_agent", _("Customer service agent")
    MARKETING = "marketing", _("Marketing specialist")
    FINANCE = "finance", _("Finance")
    HR = "hr", _("HR and administration")


class ApiTokenScope(models.TextChoices):
    """What an API token may do: ``read`` (GET, HEAD, OPTIONS) and ``write`` (everything
    else). Write implies read."""

    READ = "read", pgettext_lazy("api token scope", "read")
    WRITE = "write", pgettext_lazy("api token scope", "write")


class DataScope(models.TextChoices):
    """数据权限: whose records a post lets its holder see."""

    OWN = "own", _("Own records")
    OWN_AND_SUBORDINATES = "own_and_subordinates", _("Own and subordinates' records")
    TEAM = "team", _("Own team")
    SUBTREE = "subtree", _("Own unit and the units below it")
    UNITS = "units", _("Chosen units")
    ALL = "all", _("All records")


class UnitKind(models.TextChoices):
    COMPANY = "company", _("Company")
    DEPARTMENT = "department", _("Department")
    REGION = "region", _("Region")
    TEAM = "team", _("Team")


class Action(models.TextChoices):
    VIEW = "view", _("View")
    CREATE = "create", _("Create")
    EDIT = "edit", _("Edit")
    DELETE = "delete", _("Delete")
    TRANSFER = "transfer", _("Transfer")
    CLAIM = "claim", _("Claim")
    ASSIGN = "assign", _("Assign")
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")
    PRINT = "print", _("Print")
    MERGE = "merge", _("Merge")
    VIEW_PHONE = "view_phone", _("View full phone number")
