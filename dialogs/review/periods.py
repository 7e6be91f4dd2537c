"""Reviews marked read, in the weekly roll-up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from dialogs.review.queries import read_days
from dialogs.sections import PeriodContext, PeriodPart
from dialogs.wording import rate


@dataclass(frozen=True)
class ReadsPeriod(PeriodPart):
    read: set[date] = field(default_factory=set)

    def team(self, period: PeriodContext) -> Sequence[tuple[str, str]]:
        days = sum(day in self.read for day in period.days)
        return (("Reviews marked read", rate(days, len(period.days), "briefing days")),)


async def load_period(period: PeriodContext) -> PeriodPart:
    if not period.days:
        return ReadsPeriod()
    found = await read_days(period.session, [period.team.id], period.first, period.last)
    return ReadsPeriod({day for _team, day in found})
