"""Briefing attendance over twelve weeks: each member's briefing days by answer, away or no
answer, each day counted once, as the review reads a day (an answer, whatever it is, then
an away period, then no answer); and the SQL rule of a said absence, for the trends that
count days on duty."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, case, func, select

from dialogs.briefing.cards import ANSWER_TITLES
from dialogs.briefing.models import ATTENDANCE_ANSWERS, PLANNED_OFF, PRESENT, AttendanceAnswer
from dialogs.officer_day import ABSENCE_REASONS
from dialogs.sections import (
    ATTENDANCE_CHART,
    RATES_CHART,
    Cell,
    DaysOff,
    Series,
    Tally,
    TrendContext,
    TrendPart,
    TrendScope,
)
from storage.models import Officer

AWAY, NO_ANSWER = "away", "no_answer"
CATEGORIES = (*ATTENDANCE_ANSWERS, AWAY, NO_ANSWER)
"""The attendance chart's segments, in order; every briefing day owed is in exactly one."""
TITLES = {**ANSWER_TITLES, AWAY: "Away (booked)", NO_ANSWER: "No answer"}
# What each week's SQL row holds besides the counts per answer.
ON_AWAY, PRESENT_NOT_AWAY, PLANNED_OFF_NOT_AWAY, SAID_NOT_AWAY = (
    "answered_on_away",
    "present_not_away",
    "planned_off_not_away",
    "said_not_away",
)
KEYS = (*ATTENDANCE_ANSWERS, ON_AWAY, PRESENT_NOT_AWAY, PLANNED_OFF_NOT_AWAY, SAID_NOT_AWAY)


def said_absence(table: Any) -> ColumnElement[bool]:
    """SQL true where the officer's latest briefing answer for the row's team and day is an
    absence (sick, rest day...): `queries.said_absences`, per row."""
    latest = (
        select(AttendanceAnswer.attendance)
        .where(
            AttendanceAnswer.officer_id == table.officer_id,
            AttendanceAnswer.team_id == table.team_id,
            AttendanceAnswer.day == table.day,
        )
        .order_by(AttendanceAnswer.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # No answer is no absence (false, never SQL's unknown, which `NOT` would keep unknown).
    return func.coalesce(latest, "").in_(ABSENCE_REASONS)


Week = dict[str, int]


@dataclass(frozen=True)
class BriefingTrend(TrendPart):
    """(team id, officer id, week) → the counts of that week's answers."""

    weeks: Mapping[tuple[int, int, int], Week]

    def days_off(self) -> DaysOff:
        said: dict[tuple[int, int], int] = {}
        for (_team, officer_id, week), counts in self.weeks.items():
            said[(officer_id, week)] = said.get((officer_id, week), 0) + counts[SAID_NOT_AWAY]
        return DaysOff(said=said)

    def member_weeks(self, trend: TrendContext, member: Officer) -> list[dict[str, int]]:
        """Each week's briefing days of the member by category, and `expected`/`attended`
        as the roll-up counts them (away days and rest days or leave are not expected)."""
        team_id, found = member.team_id or 0, []
        for week, owed in enumerate(trend.owed(member)):
            counts = self.weeks.get((team_id, member.id, week), {})
            answered = sum(counts.get(a, 0) for a in ATTENDANCE_ANSWERS)
            planned = trend.days_off.planned.get((member.id, week), 0)
            away = planned - counts.get(ON_AWAY, 0)
            by_category = {a: counts.get(a, 0) for a in ATTENDANCE_ANSWERS}
            by_category |= {AWAY: away, NO_ANSWER: owed - answered - away}
            expected = owed - planned - counts.get(PLANNED_OFF_NOT_AWAY, 0)
            found.append(
                by_category
                | {"answered": answered, "expected": expected}
                | {"attended": counts.get(PRESENT_NOT_AWAY, 0)}
            )
        return found

    def _scope_weeks(self, trend: TrendContext, scope: TrendScope) -> list[dict[str, int]]:
        keys = (*CATEGORIES, "expected", "attended")
        summed = [dict.fromkeys(keys, 0) for _ in range(trend.weeks.count)]
        for members in trend.members.values():
            for member in members:
                if not scope.has(member.team_id or 0, member.id):
                    continue
                for into, week in zip(summed, self.member_weeks(trend, member), strict=False):
                    for key in into:
                        into[key] += week[key]
        return summed

    def series(self, trend: TrendContext, scope: TrendScope) -> Sequence[Series]:
        weeks = self._scope_weeks(trend, scope)
        return [
            Series(ATTENDANCE_CHART, f"attendance.{c}", TITLES[c], _counts(weeks, c))
            for c in CATEGORIES
        ] + [
            Series(
                RATES_CHART,
                "attendance.attended",
                "Briefing attendance",
                tuple(Tally(w["attended"], w["expected"]) for w in weeks),
            )
        ]

    def cells(self, trend: TrendContext, member: Officer) -> Sequence[Cell]:
        weeks = self.member_weeks(trend, member)
        answered = tuple(Tally(w["answered"], w["answered"] + w[NO_ANSWER]) for w in weeks)
        return (Cell("briefing.answered", "Briefings answered", answered),)


async def load_trend(trend: TrendContext) -> TrendPart:
    """One statement: the latest answers of the teams' briefing days in the window, counted
    per member and week by answer and by whether an away period covered the day."""
    answer = AttendanceAnswer
    latest = (
        select(func.max(answer.id))
        .where(trend.scope(answer), trend.briefing_day(answer))
        .group_by(answer.team_id, answer.officer_id, answer.day)
    )
    away = case((trend.off_duty(answer, planned_only=True), 1), else_=0)
    rows = (
        select(
            answer.team_id,
            answer.officer_id,
            trend.weeks.bucket(answer.day).label("week"),
            answer.attendance,
            away.label("away"),
            func.count().label("days"),
        )
        .where(answer.id.in_(latest))
        .group_by(answer.team_id, answer.officer_id, "week", answer.attendance, "away")
    )
    weeks: dict[tuple[int, int, int], Week] = {}
    for team_id, officer_id, week, attendance, on_away, days in await trend.session.execute(rows):
        if not trend.is_member(team_id, officer_id):
            continue
        counts = weeks.setdefault((team_id, officer_id, week), dict.fromkeys(KEYS, 0))
        counts[attendance] += days
        if on_away:
            counts[ON_AWAY] += days
        else:
            counts[PRESENT_NOT_AWAY] += days if attendance in PRESENT else 0
            counts[PLANNED_OFF_NOT_AWAY] += days if attendance in PLANNED_OFF else 0
            counts[SAID_NOT_AWAY] += days if attendance in ABSENCE_REASONS else 0
    return BriefingTrend(weeks)


def _counts(weeks: Sequence[Mapping[str, int]], key: str) -> tuple[Tally, ...]:
    return tuple(Tally(week[key]) for week in weeks)
