"""Briefing's parts of the other shared views: figures over a period, `my week`, the export
and the team settings it owns."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from dialogs.answers import latest_answers
from dialogs.briefing.cards import ANSWER_TITLES
from dialogs.briefing.models import PLANNED_OFF, PRESENT, AttendanceAnswer
from dialogs.briefing.queries import Answers, absences, day_answers
from dialogs.calendar import format_days, parse_days
from dialogs.presence import Presence
from dialogs.records import ExportContext, Row, dated_rows, minutes, officer_answers
from dialogs.sections import MyWeekContext, MyWeekPart, PeriodContext, PeriodPart
from dialogs.wording import local_hhmm, rate
from storage.models import Officer


@dataclass(frozen=True)
class BriefingPeriod(PeriodPart):
    """A briefing is expected unless the officer was away, had not yet joined, or answered
    rest day or annual leave; attended means in person or remote."""

    answers: Answers

    def presence(self) -> Presence:
        return Presence(said=absences(self.answers))

    def figures(self, member: Officer, period: PeriodContext) -> tuple[int, int]:
        """(attended, expected) for the member."""
        attended = expected = 0
        for day in period.days_of(member):
            answer = self.answers.get((member.id, day))
            if period.presence.away(member.id, day) is None and (
                answer is None or answer.attendance not in PLANNED_OFF
            ):
                expected += 1
                attended += answer is not None and answer.attendance in PRESENT
        return attended, expected

    def officer(self, member: Officer, period: PeriodContext) -> str:
        return f"briefings {rate(*self.figures(member, period))}"

    def team(self, period: PeriodContext) -> Sequence[tuple[str, str]]:
        each = [self.figures(m, period) for m in period.members]
        attended, expected = sum(a for a, _ in each), sum(e for _, e in each)
        return (("Briefing attendance", rate(attended, expected)),)


async def load_period(period: PeriodContext) -> PeriodPart:
    return BriefingPeriod(await day_answers(period.session, period.team.id, period.days))


@dataclass(frozen=True)
class BriefingWeek(MyWeekPart):
    answers: Answers
    officer_id: int
    zone: ZoneInfo

    def describe(self, day: date) -> Sequence[str]:
        briefing = self.answers.get((self.officer_id, day))
        if briefing is None:
            return ()
        late = ", late" if briefing.late else ""
        return (
            f"briefing {ANSWER_TITLES[briefing.attendance].lower()} "
            f"({local_hhmm(briefing.answered_at, self.zone)}{late})",
        )


async def load_week(week: MyWeekContext) -> MyWeekPart:
    answers = await latest_answers(
        week.session, AttendanceAnswer, week.first, week.last, officer_id=week.officer_id
    )
    return BriefingWeek(answers, week.officer_id, week.zone)


async def export_rows(export: ExportContext) -> list[Row]:
    rows: list[AttendanceAnswer] = await dated_rows(export, AttendanceAnswer)
    return [
        common
        | {
            "value": row.attendance,
            "note": row.note,
            "late": row.late,
            "recorded_at": row.answered_at,
        }
        for common, row in officer_answers("attendance", rows, export.names)
    ]


MAX_NUDGE_MINUTES = 120


def parse_briefing_days(text: str) -> str:
    """'mon,wed' or 'mon-fri' (full names too) → the stored form, e.g. 'mon,tue,wed'."""
    return format_days(parse_days(text))


def parse_link(text: str) -> str:
    if not re.fullmatch(r"https://\S+", text) or len(text) > 500:
        raise ValueError("must be an https:// link of at most 500 characters")
    return text


def parse_lead(text: str) -> str:
    if len(text) > 120:
        raise ValueError("longer than 120 characters")
    return text


def follows_briefing(settings: Mapping[str, Any]) -> list[str]:
    """Answers may change until the review, so the review (and the nudge) follow briefing."""
    briefing = minutes(settings["briefing_time"])
    review = minutes(settings["review_time"])
    if review <= briefing:
        return ["review_time must be after briefing_time"]
    if settings["nudge_minutes"] and briefing + settings["nudge_minutes"] >= review:
        return ["the nudge (briefing_time + nudge_minutes) must come before review_time"]
    return []
