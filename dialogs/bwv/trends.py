"""BWV over twelve weeks, as the roll-up and the one-to-one summary count it: answered on
the days on duty (a row with no category is not an answer), VPC-categorised of the days
with a vulnerable contact, and the days with a vulnerable contact."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from sqlalchemy import Select, and_, case, not_, select

from dialogs.bwv.models import BWV_STATUSES, BwvAnswer
from dialogs.kept_weeks import weekly_rows
from dialogs.sections import (
    RATES_CHART,
    VULNERABLE_CHART,
    Cell,
    Key,
    Series,
    Tally,
    TrendContext,
    TrendPart,
    TrendScope,
    TrendShape,
    counted,
    latest_per_day,
)

# Each week's figures of a member: answered on a day on duty; days with a vulnerable
# contact; of those, days categorised.
ANSWERED, CONTACT, CATEGORISED = 0, 1, 2
CONTACT_DAYS = "Vulnerable-contact days"
Figures = tuple[Tally, Tally, Tally]
"""A week's BWV answered (of due), VPC-categorised (of contact days), contact days."""


@dataclass(frozen=True)
class BwvTrend(TrendPart):
    """(team id, officer id or 0, week) → (answered, vulnerable contact, categorised)."""

    weeks: Mapping[tuple[int, int, int], tuple[int, int, int]]

    def weeks_of(self, trend: TrendContext, key: Key) -> list[Figures]:
        """(answered of due, categorised of contact days, contact days) for each week; due
        on the briefing days on duty since the member joined, as for the reminder. Worked
        out once per key."""
        if key not in self._worked:
            self._worked[key] = self._weeks_of(trend, key)
        return self._worked[key]

    @cached_property
    def _worked(self) -> dict[Key, list[Figures]]:
        return {}

    def _weeks_of(self, trend: TrendContext, key: Key) -> list[Figures]:
        found = []
        for week, owed in enumerate(trend.owed(key)):
            figures = self.weeks.get((*key, week), (0, 0, 0))
            due = owed - trend.days_off.of(key, week)
            found.append(
                (
                    Tally(figures[ANSWERED], due),
                    Tally(figures[CATEGORISED], figures[CONTACT]),
                    Tally(figures[CONTACT]),
                )
            )
        return found

    def series(self, trend: TrendContext, scope: TrendScope) -> Sequence[Series]:
        # Summed as numbers, a `Tally` made once a week at the end (not once a member).
        sums = [[0, 0, 0, 0, 0] for _ in range(trend.weeks.count)]
        for key in trend.keys(scope):
            for into, (answered, vpc, contact) in zip(sums, self.weeks_of(trend, key), strict=True):
                into[0] += answered.count
                into[1] += answered.of or 0
                into[2] += vpc.count
                into[3] += vpc.of or 0
                into[4] += contact.count
        return (
            Series(
                RATES_CHART, "bwv.answered", "BWV answered", tuple(Tally(w[0], w[1]) for w in sums)
            ),
            Series(
                RATES_CHART, "bwv.vpc", "VPC-categorised", tuple(Tally(w[2], w[3]) for w in sums)
            ),
            Series(VULNERABLE_CHART, "bwv.contact", CONTACT_DAYS, tuple(Tally(w[4]) for w in sums)),
        )

    def cells(self, trend: TrendContext, key: Key) -> Sequence[Cell]:
        weeks = self.weeks_of(trend, key)
        return (
            Cell("bwv.answered", "BWV answered", tuple(w[0] for w in weeks)),
            Cell("bwv.vpc", "VPC-categorised", tuple(w[1] for w in weeks)),
            Cell("bwv.contact", CONTACT_DAYS, tuple(w[2] for w in weeks)),
        )


async def load_trend(trend: TrendContext) -> TrendPart:
    """Two statements: the latest answer per member and day in the window, counted per
    member (or team) and week: answered on a briefing day the member did not say they were
    off, with a vulnerable contact, and categorised with one; then the few answers given on
    days booked away, taken off the answered days in Python."""
    away = await _answered_on_away(trend)
    rows = await weekly_rows(trend, _counts)
    weeks = {
        (team_id, officer_id, week): (
            int(answered) - away.get((team_id, officer_id, week), 0),
            int(contacts),
            int(categorised),
        )
        for team_id, officer_id, week, answered, contacts, categorised in rows
    }
    return BwvTrend(weeks)


def _counts(shape: TrendShape) -> Select[Any]:
    """The latest answers in the window, per member (or team) and week: answered on a
    briefing day on duty, with a vulnerable contact, and categorised with one."""
    answer = BwvAnswer
    latest = latest_per_day(shape, answer, (answer.bwv_status, answer.vulnerable_contact))
    contact = latest.c.vulnerable_contact == "yes"
    answered = and_(
        latest.c.bwv_status.in_(BWV_STATUSES),
        shape.briefing_day(latest.c),
        not_(shape.off_duty(latest.c)),
    )
    return shape.by_key(
        latest,
        counted(answered),
        counted(contact),
        counted(and_(contact, latest.c.bwv_status == "categorised")),
    )


def _answers_on_away(shape: TrendShape) -> Select[Any]:
    """The answers given on days booked away, and whether the officer said they were off."""
    answer = BwvAnswer
    columns = (answer.id, answer.team_id, answer.officer_id, answer.day, answer.bwv_status)
    away = shape.on_away(answer, *columns).subquery()
    return select(away, case((shape.off_duty(away.c), 1), else_=0))


async def _answered_on_away(trend: TrendContext) -> dict[tuple[int, int, int], int]:
    """(team id, officer id or 0, week) → days booked away with a BWV answer (latest) the
    first statement counted as answered: a few rows, on the (officer_id, day) index."""
    if not trend.away:
        return {}
    rows = await trend.rows(_answers_on_away)
    latest: dict[tuple[int, int, date], tuple[int, bool]] = {}
    for row_id, team_id, officer_id, day, status, said in rows:
        if row_id > latest.get((team_id, officer_id, day), (0, False))[0]:
            latest[(team_id, officer_id, day)] = (row_id, status is not None and not said)
    found: dict[tuple[int, int, int], int] = {}
    for (team_id, officer_id, day), (_, answered) in latest.items():
        if answered and trend.is_member(team_id, officer_id) and day in trend.away[officer_id]:
            key = (*trend.key(team_id, officer_id), trend.weeks.index(day))
            found[key] = found.get(key, 0) + 1
    return found
