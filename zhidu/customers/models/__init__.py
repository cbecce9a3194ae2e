"""The customers app's models, one module per entity group (see ../MODEL.md)."""

from .activity import (
    Activity,
    ActivityAttachment,
    ActivityComment,
    ActivityType,
    DevelopmentPlan,
    DevelopmentStep,
    VisitCheckIn,
)
from .conflict import ConflictClaim, ConflictEvidence
from .contact import Contact, ContactQuerySet, KeyDate
from .customer import Collaborator, Customer, CustomerQuerySet, CustomerRequest, CustomerTag, Tag, TagGroup
from .imports import ExportLog, ImportJob
from .lead import Allocation, FairnessSnapshot, Lead, LeadQuerySet
from .pool import PoolEvent, PublicPool
from .transfer import Transfer, TransferItem

__all__ = [
    "Activity",
    "ActivityAttachment",
    "ActivityComment",
    "ActivityType",
    "Allocation",
    "Collaborator",
    "ConflictClaim",
    "ConflictEvidence",
    "Contact",
    "ContactQuerySet",
    "Customer",
    "CustomerQuerySet",
    "CustomerRequest",
    "CustomerTag",
    "DevelopmentPlan",
    "DevelopmentStep",
    "ExportLog",
    "FairnessSnapshot",
    "ImportJob",
    "KeyDate",
    "Lead",
    "LeadQuerySet",
    "PoolEvent",
    "PublicPool",
    "Tag",
    "TagGroup",
    "Transfer",
    "TransferItem",
    "VisitCheckIn",
]
