"""Queries about who people are, which team they are in and who supervises them."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from storage.lists import INTEGERS, one_of
from storage.models import MEMBER_ROLES, Officer, Role, Supervision, Team


async def by_collar(session: AsyncSession, collar: str) -> Officer | None:
    return await session.scalar(
        select(Officer).where(func.upper(Officer.collar_number) == collar.strip().upper())
    )


def _with_team() -> Select[Any]:
    """An officer with their team loaded in the same query: a turn's sender, whose team
    nearly every workflow reads next (`team` then finds it without a query)."""
    return select(Officer).options(joinedload(Officer.team))


async def by_aad_object_id(session: AsyncSession, aad_object_id: str) -> Officer | None:
    return await session.scalar(_with_team().where(Officer.aad_object_id == aad_object_id))


async def by_email(session: AsyncSession, email: str) -> Officer | None:
    return await session.scalar(
        _with_team().where(func.lower(Officer.email) == email.strip().lower())
    )


async def by_teams_user_id(session: AsyncSession, teams_user_id: str) -> Officer | None:
    return await session.scalar(_with_team().where(Officer.teams_user_id == teams_user_id))


async def by_slack_user_id(session: AsyncSession, slack_user_id: str) -> Officer | None:
    return await session.scalar(_with_team().where(Officer.slack_user_id == slack_user_id))


async def team(session: AsyncSession, team_id: int | None) -> Team | None:
    return await session.get(Team, team_id) if team_id is not None else None


async def team_by_name(session: AsyncSession, name: str) -> Team | None:
    return await session.scalar(select(Team).where(func.lower(Team.name) == name.strip().lower()))


async def members(session: AsyncSession, team_id: int) -> Sequence[Officer]:
    """Active PCSOs and team leaders of a team, by collar number."""
    return (
        await session.scalars(
            select(Officer)
            .where(
                Officer.team_id == team_id,
                Officer.active.is_(True),
                Officer.role.in_(MEMBER_ROLES),
            )
            .order_by(Officer.collar_number)
        )
    ).all()


async def members_of_teams(
    session: AsyncSession, team_ids: Sequence[int]
) -> dict[int, list[Officer]]:
    """Team id → its active PCSOs and team leaders, by collar number, in one query."""
    found: dict[int, list[Officer]] = {team_id: [] for team_id in team_ids}
    if not team_ids:
        return found
    rows = await session.scalars(_members_statement(), {"teams": list(team_ids)})
    for officer in rows:
        if officer.team_id is not None:
            found[officer.team_id].append(officer)
    return found


@functools.cache
def _members_statement() -> Select[Officer]:
    """The teams' members (built once, the team ids bound as one list)."""
    return (
        select(Officer)
        .where(
            one_of(Officer.team_id, bindparam("teams", type_=INTEGERS)),
            Officer.active.is_(True),
            Officer.role.in_(MEMBER_ROLES),
        )
        .order_by(Officer.collar_number)
    )


async def sergeants_of(session: AsyncSession, team_id: int) -> Sequence[Officer]:
    return (
        await session.scalars(
            select(Officer)
            .join(Supervision, Supervision.sergeant_id == Officer.id)
            .where(Supervision.team_id == team_id, Officer.active.is_(True))
            .order_by(Officer.collar_number)
        )
    ).all()


async def team_leaders_of(session: AsyncSession, team_id: int) -> Sequence[Officer]:
    return (
        await session.scalars(
            select(Officer)
            .where(
                Officer.team_id == team_id,
                Officer.role == Role.TEAM_LEADER.value,
                Officer.active.is_(True),
            )
            .order_by(Officer.collar_number)
        )
    ).all()


async def supervised_teams(session: AsyncSession, sergeant_id: int) -> Sequence[Team]:
    return (
        await session.scalars(
            select(Team)
            .join(Supervision, Supervision.team_id == Team.id)
            .where(Supervision.sergeant_id == sergeant_id)
            .order_by(Team.name)
        )
    ).all()


async def district_teams(session: AsyncSession, district: str) -> Sequence[Team]:
    return (
        await session.scalars(
            select(Team).where(func.lower(Team.district) == district.lower()).order_by(Team.name)
        )
    ).all()


async def member_counts(session: AsyncSession, team_ids: Sequence[int]) -> dict[int, int]:
    """Team id → its active members (PCSOs and team leaders), in one query."""
    rows = await session.execute(
        select(Officer.team_id, func.count())
        .where(
            Officer.team_id.in_(list(team_ids)),
            Officer.active.is_(True),
            Officer.role.in_(MEMBER_ROLES),
        )
        .group_by(Officer.team_id)
    )
    return {team_id: count for team_id, count in rows if team_id is not None}


async def districts(session: AsyncSession) -> list[str]:
    """The districts that have teams, each once (case-insensitively), by name."""
    names = (await session.scalars(select(Team.district).distinct())).all()
    return sorted({name.lower(): name for name in names}.values(), key=str.lower)


async def inspectors_of(session: AsyncSession, district: str) -> Sequence[Officer]:
    return (
        await session.scalars(
            select(Officer)
            .where(
                Officer.role == Role.INSPECTOR.value,
                Officer.active.is_(True),
                func.lower(Officer.district) == district.lower(),
            )
            .order_by(Officer.collar_number)
        )
    ).all()


async def visible_teams(session: AsyncSession, officer: Officer) -> Sequence[Team]:
    """The one authorisation rule for team data: team leaders act for their own team,
    sergeants for the teams they supervise, inspectors for their district's teams and
    admins for every team; PCSOs for none."""
    if officer.role == Role.TEAM_LEADER.value:
        own = await team(session, officer.team_id)
        return [own] if own else []
    if officer.role == Role.SERGEANT.value:
        return await supervised_teams(session, officer.id)
    if officer.role == Role.INSPECTOR.value:
        return await district_teams(session, officer.district)
    if officer.role == Role.ADMIN.value:
        return (await session.scalars(select(Team).order_by(Team.name))).all()
    return []


async def can_see_team(session: AsyncSession, officer: Officer, team: Team) -> bool:
    """Whether `team` is one of the officer's `visible_teams`."""
    return any(t.id == team.id for t in await visible_teams(session, officer))
