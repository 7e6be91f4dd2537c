"""Queries about who people are, which team they are in and who supervises them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Officer, Role, Supervision, Team


async def by_collar(session: AsyncSession, collar: str) -> Officer | None:
    return await session.scalar(
        select(Officer).where(func.upper(Officer.collar_number) == collar.strip().upper())
    )


async def by_aad_object_id(session: AsyncSession, aad_object_id: str) -> Officer | None:
    return await session.scalar(select(Officer).where(Officer.aad_object_id == aad_object_id))


async def by_email(session: AsyncSession, email: str) -> Officer | None:
    return await session.scalar(
        select(Officer).where(func.lower(Officer.email) == email.strip().lower())
    )


async def by_slack_user_id(session: AsyncSession, slack_user_id: str) -> Officer | None:
    return await session.scalar(select(Officer).where(Officer.slack_user_id == slack_user_id))


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
                Officer.role.in_([Role.PCSO.value, Role.TEAM_LEADER.value]),
            )
            .order_by(Officer.collar_number)
        )
    ).all()


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


async def can_see_team(session: AsyncSession, officer: Officer, team: Team) -> bool:
    """Sergeants see the teams they supervise, inspectors their district, admins all."""
    if officer.role == Role.ADMIN.value:
        return True
    if officer.role == Role.INSPECTOR.value:
        return officer.district.lower() == team.district.lower()
    if officer.role == Role.SERGEANT.value:
        link = await session.get(Supervision, (officer.id, team.id))
        return link is not None
    return False
