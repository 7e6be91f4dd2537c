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
from storage.models.officer_day import (
    ABSENCE_REASONS,
    ATTENDANCE_ANSWERS,
    BWV_STATUSES,
    COUNT_FIELDS,
    PRESENT,
    AttendanceAnswer,
    AwayPeriod,
    BwvAnswer,
    PcsoReturn,
)

__all__ = [
    "ABSENCE_REASONS",
    "ATTENDANCE_ANSWERS",
    "BWV_STATUSES",
    "COUNT_FIELDS",
    "PRESENT",
    "ROLES",
    "AttendanceAnswer",
    "AuditEntry",
    "AwayPeriod",
    "Base",
    "BwvAnswer",
    "ConversationRef",
    "Delivery",
    "DeliveryStatus",
    "Officer",
    "PcsoReturn",
    "ProcessedActivity",
    "Role",
    "StateItem",
    "Supervision",
    "Team",
    "UTCDateTime",
    "utcnow",
]
