"""Officers, teams, supervision, reachability, idempotency, audit and the outbox."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, UTCDateTime, utcnow


class Role(enum.StrEnum):
    PCSO = "pcso"
    TEAM_LEADER = "team_leader"
    SERGEANT = "sergeant"
    INSPECTOR = "inspector"
    ADMIN = "admin"


ROLES = tuple(r.value for r in Role)
MEMBER_ROLES = (Role.PCSO.value, Role.TEAM_LEADER.value)
"""The roles that are members of a team: they answer the briefing, BWV and return prompts."""
DEFAULT_BRIEFING_DAYS = "mon,tue,wed,thu,fri"


class Team(Base):
    """A unit: its district and the settings every schedule of the team is built from."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    district: Mapped[str] = mapped_column(String(80), index=True)
    briefing_time: Mapped[time] = mapped_column(Time, default=time(8, 0))
    briefing_days: Mapped[str] = mapped_column(String(40), default=DEFAULT_BRIEFING_DAYS)
    briefing_on_bank_holidays: Mapped[bool] = mapped_column(Boolean, default=False)
    nudge_minutes: Mapped[int] = mapped_column(Integer, default=20)
    remote_link: Mapped[str | None] = mapped_column(String(500))
    briefing_lead: Mapped[str | None] = mapped_column(String(120))
    review_time: Mapped[time] = mapped_column(Time, default=time(8, 30))
    bwv_time: Mapped[time] = mapped_column(Time, default=time(15, 30))
    returns_time: Mapped[time] = mapped_column(Time, default=time(16, 0))
    pcso_returns: Mapped[bool] = mapped_column(Boolean, default=False)
    supervision_ratio: Mapped[int] = mapped_column(Integer, default=10)
    # The signals for intrusive supervision (dialogs/signals): how far back they look, and
    # when each is raised. Their defaults are explained in docs/guide.md, "Team settings".
    signal_window_days: Mapped[int] = mapped_column(Integer, default=28)
    silent_days: Mapped[int] = mapped_column(Integer, default=3)
    vulnerable_days: Mapped[int] = mapped_column(Integer, default=3)
    vulnerable_window_days: Mapped[int] = mapped_column(Integer, default=14)
    need_help_days: Mapped[int] = mapped_column(Integer, default=2)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    members: Mapped[list[Officer]] = relationship(back_populates="team", lazy="raise")


def team_default(setting: str) -> Any:
    """A team setting's default (as docs/guide.md lists it), from the Team column; None
    where there is none."""
    default = Team.__table__.c[setting].default
    return getattr(default, "arg", None) if default is not None else None


class Officer(Base):
    """One person on the roster. `collar_number` is the force's identifier."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    collar_number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    district: Mapped[str] = mapped_column(String(80), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    aad_object_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    teams_user_id: Mapped[str | None] = mapped_column(String(200), index=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unreachable_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    team: Mapped[Team | None] = relationship(back_populates="members", lazy="raise")


class Supervision(Base):
    """A sergeant supervises a team; a sergeant may supervise several."""

    __tablename__ = "supervision"

    sergeant_id: Mapped[int] = mapped_column(
        ForeignKey("officers.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class PageStamp(Base):
    """How many times anything a team's supervision pages show was written: its daily
    answers, tasks and returns, its members' away periods, its discussed signals, its
    roster and its settings, kept by triggers on those tables (`storage.stamps`). A page
    drawn with a team's stamp is as good as new while the stamp stands. No foreign key:
    a team deleted and made again under the same id goes on from its old stamp."""

    __tablename__ = "page_stamps"

    team_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stamp: Mapped[int] = mapped_column(Integer)


class ServiceKey(Base):
    """A secret the service makes for itself once and keeps in the store, so that every
    process on the same database shares it (e.g. the key that signs supervision-tab links,
    made by `pcso-bot dashboard link` and checked by `pcso-bot serve`)."""

    __tablename__ = "service_keys"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConversationRef(Base):
    """How to reach an officer later on one channel; refreshed from every inbound activity."""

    __tablename__ = "conversation_refs"
    __table_args__ = (UniqueConstraint("officer_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    conversation_id: Mapped[str] = mapped_column(String(300))
    service_url: Mapped[str] = mapped_column(String(500))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ProcessedActivity(Base):
    """Inbound activity ids already handled, so a redelivery is acknowledged and skipped."""

    __tablename__ = "processed_activities"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    activity_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AuditEntry(Base):
    """Who did what with team data: reviews read, exports, roster changes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("officers.id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class Delivery(Base):
    """The outbox: one row per message the bot must send proactively, recorded before sending.

    `key` is unique (e.g. ``briefing-prompts:2026-12-01:17``) so a job run twice, or by two
    instances, records each delivery once.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_status_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    job: Mapped[str] = mapped_column(String(40))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    day: Mapped[date] = mapped_column(Date, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a scheduled message stops being worth sending (its catch-up window closes): the
    # outbox never sends it at or after this instant. None for replies, which never expire.
    send_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(String(20))
    conversation_id: Mapped[str | None] = mapped_column(String(300))
    sent_activity_id: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
