"""All mapped classes. Each workflow area has its own module; import it here so that
Alembic and `Base.metadata` see every table."""

from storage.models.base import Base, UTCDateTime, utcnow
from storage.models.core import (
    ROLES,
    AuditEntry,
    ConversationRef,
    Delivery,
    DeliveryStatus,
    Officer,
    ProcessedActivity,
    Role,
    StateItem,
    Supervision,
    Team,
)

__all__ = [
    "ROLES",
    "AuditEntry",
    "Base",
    "ConversationRef",
    "Delivery",
    "DeliveryStatus",
    "Officer",
    "ProcessedActivity",
    "Role",
    "StateItem",
    "Supervision",
    "Team",
    "UTCDateTime",
    "utcnow",
]
