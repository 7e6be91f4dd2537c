"""Away periods in the shared views: they say who was away, and `my week` shows them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from dialogs.away.models import AwayPeriod
from dialogs.away.queries import away_between, away_days
from dialogs.officer_day import absence_label
from dialogs.presence import Presence
from dialogs.sections import (
    MyWeekContext,
    MyWeekPart,
    PeriodContext,
    PeriodPart,
    ReviewContext,
    ReviewPart,
)


@dataclass(frozen=True)
class AwayReview(ReviewPart):
    """The review shows absences within the briefing's attendance; this part says who."""

    away: Mapping[tuple[int, date], str]

    def presence(self) -> Presence:
        return Presence(planned=self.away)


async def load_review(review: ReviewContext) -> ReviewPart:
    ids = [m.id for m in review.members]
    return AwayReview(await away_days(review.session, ids, review.days.wanted))


@dataclass(frozen=True)
class AwayPeriodPart(PeriodPart):
    away: Mapping[tuple[int, date], str]

    def presence(self) -> Presence:
        return Presence(planned=self.away)


async def load_period(period: PeriodContext) -> PeriodPart:
    ids = [m.id for m in period.members]
    return AwayPeriodPart(await away_days(period.session, ids, period.days))


@dataclass(frozen=True)
class AwayWeek(MyWeekPart):
    periods: Sequence[AwayPeriod]

    def describe(self, day: date) -> Sequence[str]:
        covering = [p for p in self.periods if p.first_day <= day <= p.last_day]
        return [f"away ({absence_label(p.reason)})" for p in covering][-1:]


async def load_week(week: MyWeekContext) -> MyWeekPart:
    return AwayWeek(await away_between(week.session, week.officer_id, week.first, week.last))
