"""Review reads, and how many officers each sergeant supervises."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.answers import hold
from dialogs.people import Person, person
from dialogs.review.models import ReviewRead
from storage.models import MEMBER_ROLES, Officer, Supervision, Team


async def mark_read(
    session: AsyncSession, *, team_id: int, day: date, officer_id: int, read_at: datetime
) -> tuple[ReviewRead, bool]:
    """The officer's read of the team's review for the day; True when it is new (a second
    "Reviewed" finds the first, also while the first is still being recorded: `hold`)."""
    await hold(session, Officer.id, officer_id)
    existing = await session.scalar(
        select(ReviewRead).where(
            ReviewRead.team_id == team_id,
            ReviewRead.day == day,
            ReviewRead.officer_id == officer_id,
        )
    )
    if existing is not None:
        return existing, False
    read = ReviewRead(team_id=team_id, day=day, officer_id=officer_id, read_at=read_at)
    session.add(read)
    await session.flush()
    return read, True


async def reads(session: AsyncSession, team_id: int, day: date) -> list[tuple[Person, datetime]]:
    rows = await session.execute(
        select(Officer, ReviewRead.read_at)
        .join(ReviewRead, ReviewRead.officer_id == Officer.id)
        .where(ReviewRead.team_id == team_id, ReviewRead.day == day)
        .order_by(ReviewRead.read_at)
    )
    return [(person(o), at) for o, at in rows]


async def read_days(
    session: AsyncSession, team_ids: Collection[int], first: date, last: date
) -> set[tuple[int, date]]:
    """(team id, day) pairs whose morning review someone marked as read."""
    rows = await session.execute(
        select(ReviewRead.team_id, ReviewRead.day)
        .where(
            ReviewRead.team_id.in_(list(team_ids)),
            ReviewRead.day >= first,
            ReviewRead.day <= last,
        )
        .distinct()
    )
    return {(team_id, day) for team_id, day in rows}


async def sergeant_loads(session: AsyncSession, sergeant_ids: Sequence[int]) -> dict[int, int]:
    """Sergeant id → active PCSOs (and team leaders) across every team they supervise."""
    if not sergeant_ids:
        return {}
    rows = await session.execute(
        select(Supervision.sergeant_id, func.count(func.distinct(Officer.id)))
        .join(Officer, Officer.team_id == Supervision.team_id)
        .where(
            Supervision.sergeant_id.in_(list(sergeant_ids)),
            Officer.active.is_(True),
            Officer.role.in_(MEMBER_ROLES),
        )
        .group_by(Supervision.sergeant_id)
    )
    return {sergeant_id: count for sergeant_id, count in rows}


async def sergeant_teams(
    session: AsyncSession, sergeant_ids: Sequence[int]
) -> dict[int, list[tuple[Team, int]]]:
    """Sergeant id → (team, its active PCSOs and team leaders) for every team they
    supervise, in team id order: the numbers add up to the sergeant's whole load."""
    if not sergeant_ids:
        return {}
    members = (
        select(func.count(Officer.id))
        .where(
            Officer.team_id == Team.id,
            Officer.active.is_(True),
            Officer.role.in_(MEMBER_ROLES),
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Supervision.sergeant_id, Team, members)
        .join(Team, Team.id == Supervision.team_id)
        .where(Supervision.sergeant_id.in_(list(sergeant_ids)))
        .order_by(Supervision.sergeant_id, Team.id)
    )
    found: dict[int, list[tuple[Team, int]]] = {}
    for sergeant_id, team, count in rows:
        found.setdefault(sergeant_id, []).append((team, int(count or 0)))
    return found
