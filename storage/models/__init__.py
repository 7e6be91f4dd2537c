"""The core mapped classes. Each workflow's own tables are mapped in its package
(`dialogs/<workflow>/models.py`) on the same `Base`; importing `dialogs` maps them all."""

from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.core import (
    MEMBER_ROLES,
    ROLES,
    AuditEntry,
    ConversationRef,
    Delivery,
    DeliveryStatus,
    Officer,
    PageStamp,
    ProcessedActivity,
    Role,
    ServiceKey,
    Supervision,
    Team,
)

__all__ = [
    "MEMBER_ROLES",
    "ROLES",
    "AuditEntry",
    "Base",
    "ConversationRef",
    "Delivery",
    "DeliveryStatus",
    "Officer",
    "PageStamp",
    "ProcessedActivity",
    "Role",
    "ServiceKey",
    "Supervision",
    "Team",
    "UTCDateTime",
    "utcnow",
]
