"""PCSO returns in the shared views: the review's previous day, figures over a period,
`my week` and the export."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from dialogs.answers import latest_answers
from dialogs.core import Section
from dialogs.counts import COUNT_FIELDS, count_facts, count_values
from dialogs.pcso_returns.models import PcsoReturn
from dialogs.people import Person, names, person
from dialogs.records import ExportContext, Row, dated_rows, officer_answers
from dialogs.sections import (
    RETURNS_MISSING,
    MyWeekContext,
    MyWeekPart,
    PeriodContext,
    PeriodPart,
    ReviewContext,
    ReviewPart,
)
from dialogs.wording import local_hhmm, short_day
from storage.models import Officer, Role

Returns = Mapping[tuple[int, date], PcsoReturn]


@dataclass(frozen=True)
class PcsoReview(ReviewPart):
    """The previous briefing day's returns, and which PCSOs on duty owe one."""

    returns: Returns

    def _rows(self, review: ReviewContext) -> tuple[list[tuple[Person, PcsoReturn]], list[Person]]:
        sent: list[tuple[Person, PcsoReturn]] = []
        missing: list[Person] = []
        prev = review.days.previous
        if prev is None:
            return sent, missing
        for member in review.members:
            row = self.returns.get((member.id, prev))
            if row is not None:
                sent.append((person(member), row))
            elif (
                review.presence.on_duty(member.id, prev)
                and review.team.pcso_returns
                and member.role == Role.PCSO.value
            ):
                missing.append(person(member))
        return sent, missing

    def reports(self, review: ReviewContext) -> bool:
        sent, missing = self._rows(review)
        return bool(sent or missing)

    def counts(self, review: ReviewContext) -> Sequence[tuple[str, Mapping[str, int]]]:
        return [(who.label, count_values(row)) for who, row in self._rows(review)[0]]

    def flags(self, review: ReviewContext) -> Sequence[tuple[int, str]]:
        prev = review.days.previous
        missing = self._rows(review)[1]
        if prev is None or not missing:
            return ()
        return ((RETURNS_MISSING, f"No PCSO return for {short_day(prev)}: {names(missing)}"),)

    def sections(self, review: ReviewContext) -> Sequence[Section]:
        prev = review.days.previous
        if not review.team.pcso_returns or prev is None:
            return ()
        sent, missing = self._rows(review)
        lines = [
            f"{p.name}: "
            + ", ".join(f"{label} {value}" for label, value in count_facts(count_values(row)))
            + (f". {row.notes}" if row.notes else "")
            for p, row in sent
        ]
        if missing:
            lines.append(f"No return: {names(missing)}")
        heading = f"PCSO returns, {short_day(prev)}"
        return (Section(heading=heading, lines=tuple(lines) or ("None.",)),)


async def load_review(review: ReviewContext) -> ReviewPart:
    prev = review.days.previous
    if prev is None:
        return PcsoReview({})
    team_id = review.team.id
    return PcsoReview(await latest_answers(review.session, PcsoReturn, prev, prev, team_id=team_id))


@dataclass(frozen=True)
class PcsoPeriod(PeriodPart):
    returns: Returns

    def officer(self, member: Officer, period: PeriodContext) -> str:
        engagements = sum(
            row.vulnerable_engagements
            for (officer_id, _day), row in self.returns.items()
            if officer_id == member.id
        )
        return f"vulnerable-person engagements {engagements}"


async def load_period(period: PeriodContext) -> PeriodPart:
    if not period.days:
        return PcsoPeriod({})
    found = await latest_answers(
        period.session, PcsoReturn, period.first, period.last, team_id=period.team.id
    )
    return PcsoPeriod(found)


@dataclass(frozen=True)
class PcsoWeek(MyWeekPart):
    returns: Returns
    officer_id: int
    zone: ZoneInfo

    def describe(self, day: date) -> Sequence[str]:
        row = self.returns.get((self.officer_id, day))
        if row is None:
            return ()
        return (f"return sent ({local_hhmm(row.submitted_at, self.zone)})",)


async def load_week(week: MyWeekContext) -> MyWeekPart:
    returns = await latest_answers(
        week.session, PcsoReturn, week.first, week.last, officer_id=week.officer_id
    )
    return PcsoWeek(returns, week.officer_id, week.zone)


async def export_rows(export: ExportContext) -> list[Row]:
    rows: list[PcsoReturn] = await dated_rows(export, PcsoReturn)
    return [
        common
        | {
            "note": row.notes,
            "recorded_at": row.submitted_at,
            **{name: getattr(row, name) for name in COUNT_FIELDS},
        }
        for common, row in officer_answers("pcso_return", rows, export.names)
    ]
