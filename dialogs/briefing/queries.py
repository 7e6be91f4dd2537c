"""Who leads the briefing, and the absences briefing answers give."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.answers import latest_answers
from dialogs.briefing.models import AttendanceAnswer
from dialogs.officer_day import ABSENCE_REASONS
from storage import officers
from storage.models import Team

Answers = Mapping[tuple[int, date], AttendanceAnswer]


async def lead_of(session: AsyncSession, team: Team) -> str:
    """Who leads the briefing: the team setting, else the team leaders on the roster."""
    if team.briefing_lead:
        return team.briefing_lead
    leaders = await officers.team_leaders_of(session, team.id)
    return ", ".join(leader.name for leader in leaders) or "your team leader"


async def day_answers(
    session: AsyncSession, team_id: int, days: Sequence[date]
) -> dict[tuple[int, date], AttendanceAnswer]:
    """The team's answers that count, on the days from the first to the last given."""
    if not days:
        return {}
    return await latest_answers(session, AttendanceAnswer, min(days), max(days), team_id=team_id)


def absences(answers: Answers) -> dict[tuple[int, date], str]:
    """An answer of rest day, sick and the like: not on duty that day."""
    return {key: a.attendance for key, a in answers.items() if a.attendance in ABSENCE_REASONS}


async def said_absences(
    session: AsyncSession, team_id: int, _officer_ids: Sequence[int], days: Sequence[date]
) -> dict[tuple[int, date], str]:
    """The absence source of briefing answers (see `dialogs.presence`)."""
    return absences(await day_answers(session, team_id, days))
