"""BWV over twelve weeks, as the roll-up and the one-to-one summary count it: answered on
the days on duty (a row with no category is not an answer), VPC-categorised of the days
with a vulnerable contact, and the days with a vulnerable contact."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, select

from dialogs.bwv.models import BwvAnswer
from dialogs.sections import (
    RATES_CHART,
    VULNERABLE_CHART,
    Cell,
    Series,
    Tally,
    TrendContext,
    TrendPart,
    TrendScope,
)
from storage.models import Officer

# Each week's figures of a member: answered on a day on duty; days with a vulnerable
# contact; of those, days categorised.
ANSWERED, CONTACT, CATEGORISED = 0, 1, 2
CONTACT_DAYS = "Vulnerable-contact days"
Figures = tuple[Tally, Tally, Tally]
"""A week's BWV answered (of due), VPC-categorised (of contact days), contact days."""


@dataclass(frozen=True)
class BwvTrend(TrendPart):
    """(team id, officer id, week) → (answered, vulnerable contact, categorised)."""

    weeks: Mapping[tuple[int, int, int], tuple[int, int, int]]

    def member_weeks(self, trend: TrendContext, member: Officer) -> list[Figures]:
        """(answered of due, categorised of contact days, contact days) for each week; due
        on the briefing days on duty since the member joined, as for the reminder."""
        found = []
        for week, owed in enumerate(trend.owed(member)):
            figures = self.weeks.get((member.team_id or 0, member.id, week), (0, 0, 0))
            due = owed - trend.days_off.of(member.id, week)
            found.append(
                (
                    Tally(figures[ANSWERED], due),
                    Tally(figures[CATEGORISED], figures[CONTACT]),
                    Tally(figures[CONTACT]),
                )
            )
        return found

    def series(self, trend: TrendContext, scope: TrendScope) -> Sequence[Series]:
        weeks: list[Figures] = [(Tally(0, 0), Tally(0, 0), Tally(0))] * trend.weeks.count
        for members in trend.members.values():
            for member in members:
                if scope.has(member.team_id or 0, member.id):
                    mine = self.member_weeks(trend, member)
                    weeks = [
                        (w[0] + m[0], w[1] + m[1], w[2] + m[2])
                        for w, m in zip(weeks, mine, strict=True)
                    ]
        return (
            Series(RATES_CHART, "bwv.answered", "BWV answered", tuple(w[0] for w in weeks)),
            Series(RATES_CHART, "bwv.vpc", "VPC-categorised", tuple(w[1] for w in weeks)),
            Series(VULNERABLE_CHART, "bwv.contact", CONTACT_DAYS, tuple(w[2] for w in weeks)),
        )

    def cells(self, trend: TrendContext, member: Officer) -> Sequence[Cell]:
        weeks = self.member_weeks(trend, member)
        return (
            Cell("bwv.answered", "BWV answered", tuple(w[0] for w in weeks)),
            Cell("bwv.vpc", "VPC-categorised", tuple(w[1] for w in weeks)),
            Cell("bwv.contact", CONTACT_DAYS, tuple(w[2] for w in weeks)),
        )


async def load_trend(trend: TrendContext) -> TrendPart:
    """One statement: the latest answer per member and day in the window, grouped by week,
    by whether the day was due (a briefing day on duty), by category and by contact."""
    answer = BwvAnswer
    latest = (
        select(func.max(answer.id))
        .where(trend.scope(answer))
        .group_by(answer.team_id, answer.officer_id, answer.day)
    )
    due = case((and_(trend.briefing_day(answer), ~trend.off_duty(answer)), 1), else_=0)
    days = (
        select(
            answer.team_id,
            answer.officer_id,
            trend.weeks.bucket(answer.day).label("week"),
            due.label("due"),
            answer.bwv_status,
            answer.vulnerable_contact,
            func.count().label("days"),
        )
        .where(answer.id.in_(latest))
        .group_by(
            answer.team_id,
            answer.officer_id,
            "week",
            "due",
            answer.bwv_status,
            answer.vulnerable_contact,
        )
        .subquery()
    )
    contact = days.c.vulnerable_contact == "yes"
    rows = select(
        days.c.team_id,
        days.c.officer_id,
        days.c.week,
        _sum(and_(days.c.due == 1, days.c.bwv_status.is_not(None)), days.c.days),
        _sum(contact, days.c.days),
        _sum(and_(contact, days.c.bwv_status == "categorised"), days.c.days),
    ).group_by(days.c.team_id, days.c.officer_id, days.c.week)
    weeks = {
        (team_id, officer_id, week): (int(answered), int(contacts), int(categorised))
        for team_id, officer_id, week, answered, contacts, categorised in (
            await trend.session.execute(rows)
        )
        if trend.is_member(team_id, officer_id)
    }
    return BwvTrend(weeks)


def _sum(condition: ColumnElement[bool], days: ColumnElement[int]) -> ColumnElement[int]:
    return func.sum(case((condition, days), else_=0))
