"""Briefing attendance over twelve weeks: each member's briefing days by answer, away or no
answer, each day counted once, as the review reads a day (an answer, whatever it is, then
an away period, then no answer); and the SQL rule of a said absence, for the trends that
count days on duty."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from dialogs.briefing.cards import ANSWER_TITLES
from dialogs.briefing.models import ATTENDANCE_ANSWERS, PLANNED_OFF, PRESENT, AttendanceAnswer
from dialogs.kept_weeks import weekly_rows
from dialogs.officer_day import ABSENCE_REASONS
from dialogs.sections import (
    ATTENDANCE_CHART,
    RATES_CHART,
    TEAM,
    Cell,
    DaysOff,
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
    absence (sick, rest day...): `queries.said_absences`, per row. One probe of the latest
    answers' index a row, the answer then tested (an EXISTS with the absences in it probes
    once for each absence)."""
    answer = AttendanceAnswer
    latest = (
        select(answer.attendance)
        .where(
            answer.latest,
            answer.team_id == table.team_id,
            answer.day == table.day,
            answer.officer_id == table.officer_id,
        )
        .limit(1)
        .scalar_subquery()
    )
    # No answer is no absence (false, never SQL's unknown, which `NOT` would keep unknown).
    return func.coalesce(latest, "").in_(ABSENCE_REASONS)


Week = dict[str, int]


@dataclass(frozen=True)
class BriefingTrend(TrendPart):
    """(team id, officer id or 0, week) → the counts of that week's answers."""

    weeks: Mapping[tuple[int, int, int], Week]

    def days_off(self) -> DaysOff:
        return DaysOff(said={key: counts[SAID_NOT_AWAY] for key, counts in self.weeks.items()})

    def weeks_of(self, trend: TrendContext, key: Key) -> list[dict[str, int]]:
        """Each week's briefing days of the member (or the team) by category, and
        `expected`/`attended` as the roll-up counts them (away days and rest days or leave
        are not expected). Worked out once per key (the trend's days off are final once
        every part is loaded)."""
        if key not in self._worked:
            self._worked[key] = self._weeks_of(trend, key)
        return self._worked[key]

    @cached_property
    def _worked(self) -> dict[Key, list[dict[str, int]]]:
        return {}

    def _weeks_of(self, trend: TrendContext, key: Key) -> list[dict[str, int]]:
        found = []
        for week, owed in enumerate(trend.owed(key)):
            counts = self.weeks.get((*key, week), {})
            answered = sum(counts.get(a, 0) for a in ATTENDANCE_ANSWERS)
            planned = trend.days_off.planned.get((*key, week), 0)
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
        for key in trend.keys(scope):
            for into, week in zip(summed, self.weeks_of(trend, key), strict=True):
                for name in keys:
                    into[name] += week[name]
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

    def cells(self, trend: TrendContext, key: Key) -> Sequence[Cell]:
        weeks = self.weeks_of(trend, key)
        answered = tuple(Tally(w["answered"], w["answered"] + w[NO_ANSWER]) for w in weeks)
        found = [Cell("briefing.answered", "Briefings answered", answered)]
        if key[1] == TEAM:
            attended = tuple(Tally(w["attended"], w["expected"]) for w in weeks)
            found.append(Cell("attendance.attended", "Briefing attendance", attended))
        return found


SET_APART = (
    (PRESENT_NOT_AWAY, PRESENT),
    (PLANNED_OFF_NOT_AWAY, PLANNED_OFF),
    (SAID_NOT_AWAY, ABSENCE_REASONS),
)
"""What a week's row holds besides the counts per answer: the answers of each kind given
on days not booked away."""


async def load_trend(trend: TrendContext) -> TrendPart:
    """Two statements: the latest answer of each member's briefing days in the window,
    counted per member (or team) and week by answer; then the answers on the few days a
    member was booked away, set apart in Python (an answer still counts as itself; the day
    is neither expected nor, for a rest day or leave, a day off they said)."""
    weeks: dict[tuple[int, int, int], Week] = {}
    for team_id, officer_id, week, *sums in await weekly_rows(trend, _answers):
        found = dict.fromkeys(KEYS, 0) | dict(zip(ATTENDANCE_ANSWERS, sums, strict=True))
        weeks[(team_id, officer_id, week)] = found
    on_away = await _on_away(trend)
    for key, counts in weeks.items():
        for into, answers in SET_APART:
            counts[into] = sum(counts[a] for a in answers)
        if away := on_away.get(key):  # a few weeks: the answers on days booked away
            counts[ON_AWAY] = sum(away.values())
            for into, answers in SET_APART:
                counts[into] -= sum(away.get(a, 0) for a in answers)
    return BriefingTrend(weeks)


def _answers(shape: TrendShape) -> Select[Any]:
    """The latest answers of the briefing days in the window, per member (or team) and week,
    counted by answer."""
    answer = AttendanceAnswer
    latest = latest_per_day(shape, answer, (answer.attendance,), shape.briefing_day(answer))
    return shape.by_key(latest, *(counted(latest.c.attendance == a) for a in ATTENDANCE_ANSWERS))


def _answers_on_away(shape: TrendShape) -> Any:
    answer = AttendanceAnswer
    columns = (answer.id, answer.team_id, answer.officer_id, answer.day, answer.attendance)
    return shape.on_away(answer, *columns)


async def _on_away(trend: TrendContext) -> dict[tuple[int, int, int], Counter[str]]:
    """(team id, officer id or 0, week) → the latest answers on days booked away, by
    answer: a few rows, read on the (officer_id, day) index."""
    if not trend.away:
        return {}
    rows = await trend.rows(_answers_on_away)
    latest: dict[tuple[int, int, date], tuple[int, str]] = {}
    for row_id, team_id, officer_id, day, attendance in rows:
        if row_id > latest.get((team_id, officer_id, day), (0, ""))[0]:
            latest[(team_id, officer_id, day)] = (row_id, attendance)
    found: dict[tuple[int, int, int], Counter[str]] = {}
    for (team_id, officer_id, day), (_, attendance) in latest.items():
        if trend.is_member(team_id, officer_id) and day in trend.away[officer_id]:
            key = (*trend.key(team_id, officer_id), trend.weeks.index(day))
            found.setdefault(key, Counter())[attendance] += 1
    return found


def _counts(weeks: Sequence[Mapping[str, int]], key: str) -> tuple[Tally, ...]:
    return tuple(Tally(week[key]) for week in weeks)
