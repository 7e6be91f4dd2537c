"""Figures over a run of a team's briefing days, built from the parts workflows register
(`router.period_section`): the monthly one-to-one preparation lines and the inspector's
weekly roll-up.

Each part reads the period's dates only, with indexed per-team queries, as for the review.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.presence import Presence
from dialogs.sections import PeriodContext, PeriodPart, PeriodSection
from storage.models import Officer, Team


@dataclass(frozen=True)
class Period:
    context: PeriodContext
    parts: Sequence[PeriodPart]

    def officer_line(self, member: Officer) -> str:
        """'Name (collar): briefings …; tasks done …; … .' for the one-to-one preparation."""
        phrases = [p for part in self.parts if (p := part.officer(member, self.context))]
        return f"{member.name} ({member.collar_number}): " + "; ".join(phrases) + "."

    def team_facts(self) -> tuple[tuple[str, str], ...]:
        """(label, value) for the team, for the weekly roll-up."""
        return tuple(fact for part in self.parts for fact in part.team(self.context))


async def load_period(
    sections: Sequence[PeriodSection],
    session: AsyncSession,
    team: Team,
    members: Sequence[Officer],
    days: Sequence[date],
    *,
    zone: ZoneInfo,
    today: date,
) -> Period:
    """Every registered part over the team's briefing `days`, as of `today`."""
    context = PeriodContext(session, team, members, days, zone, today)
    parts = [await section.load(context) for section in sections]
    context.presence = Presence.combined(part.presence() for part in parts)
    return Period(context, parts)
