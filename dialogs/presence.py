"""Who is on duty: the one rule every prompt, review and figure uses.

An officer is on duty on a day unless some workflow knows a reason they are not. Those
reasons come in two kinds: `planned` ones, booked ahead (an away period: no prompts at all
on those days), and `said` ones, given on the day (a briefing answer of sick or rest day).
Workflows that know such reasons register an `AbsenceSource`; the others ask the
`Duty` of their router (`router.duty`), never the workflow that knows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from storage import officers
from storage.models import Officer

Absences = dict[tuple[int, date], str]
"""(officer id, day) → the reason they are not on duty."""
LoadAbsences = Callable[
    [AsyncSession, int, Sequence[int], Sequence[date]], Awaitable[Mapping[tuple[int, date], str]]
]
"""(session, team id, officer ids, days) → the reasons known for those officers and days."""


@dataclass(frozen=True)
class Presence:
    """Reasons officers were not on duty, by kind."""

    planned: Mapping[tuple[int, date], str] = field(default_factory=dict)
    said: Mapping[tuple[int, date], str] = field(default_factory=dict)

    def away(self, officer_id: int, day: date) -> str | None:
        """The planned reason the officer is away on the day, if any."""
        return self.planned.get((officer_id, day))

    def on_duty(self, officer_id: int, day: date) -> bool:
        key = (officer_id, day)
        return key not in self.planned and key not in self.said

    @staticmethod
    def combined(parts: Iterable[Presence]) -> Presence:
        planned: Absences = {}
        said: Absences = {}
        for part in parts:
            planned.update(part.planned)
            said.update(part.said)
        return Presence(planned=planned, said=said)


@dataclass(frozen=True)
class AbsenceSource:
    load: LoadAbsences
    planned: bool


class Duty:
    """The absence sources registered with one router, and the questions jobs ask of them."""

    def __init__(self) -> None:
        self._sources: list[AbsenceSource] = []

    def add(self, source: AbsenceSource) -> None:
        self._sources.append(source)

    async def presence(
        self,
        session: AsyncSession,
        team_id: int,
        members: Sequence[Officer],
        days: Sequence[date],
        *,
        planned_only: bool = False,
    ) -> Presence:
        """One query per source (of the kind asked for) for the officers and days."""
        ids = [m.id for m in members]
        parts = []
        for source in self._sources:
            if planned_only and not source.planned:
                continue
            found = dict(await source.load(session, team_id, ids, days))
            parts.append(Presence(planned=found) if source.planned else Presence(said=found))
        return Presence.combined(parts)

    async def not_away(self, session: AsyncSession, team_id: int, day: date) -> list[Officer]:
        """Members of the team (PCSOs and team leaders) with no planned absence on the day."""
        members = await officers.members(session, team_id)
        presence = await self.presence(session, team_id, members, [day], planned_only=True)
        return [m for m in members if presence.on_duty(m.id, day)]

    async def on_duty(self, session: AsyncSession, team_id: int, day: date) -> list[Officer]:
        """Members on duty on the day: no absence of any kind."""
        members = await officers.members(session, team_id)
        presence = await self.presence(session, team_id, members, [day])
        return [m for m in members if presence.on_duty(m.id, day)]
