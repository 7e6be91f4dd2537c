"""BWV in the shared views: the review's previous day, figures over a period, `my week` and
the export."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from dialogs.answers import latest_answers
from dialogs.bwv.cards import TITLES
from dialogs.bwv.models import BWV_STATUSES, BwvAnswer
from dialogs.core import Section
from dialogs.people import Person, labels, names, person
from dialogs.records import ExportContext, Row, dated_rows, officer_answers
from dialogs.sections import (
    NEED_HELP,
    NOT_ANSWERED,
    SIGNALLED_NEED_HELP,
    MyWeekContext,
    MyWeekPart,
    PeriodContext,
    PeriodPart,
    ReviewContext,
    ReviewPart,
)
from dialogs.wording import rate, short_day
from storage.models import Officer

Answers = Mapping[tuple[int, date], BwvAnswer]
COLUMNS = ("vulnerable_contact",)
"""The export's column only BWV rows fill: `yes`/`no`, blank when not answered."""


@dataclass(frozen=True)
class BwvReview(ReviewPart):
    """The previous briefing day's answers, and who on duty gave none."""

    answers: Answers

    def _groups(self, review: ReviewContext) -> tuple[dict[str, list[Person]], list[Person]]:
        by_status: dict[str, list[Person]] = {}
        no_answer: list[Person] = []
        prev = review.days.previous
        if prev is None:
            return by_status, no_answer
        for member in review.members:
            answer = self.answers.get((member.id, prev))
            if answer is not None and answer.bwv_status is not None:
                by_status.setdefault(answer.bwv_status, []).append(person(member))
            elif answer is not None or review.presence.on_duty(member.id, prev):
                # a row with only the vulnerable-contact answer is not a category answer
                no_answer.append(person(member))
        return by_status, no_answer

    def _vulnerable(self, review: ReviewContext) -> list[Person]:
        """Who said they engaged with a vulnerable person on the previous briefing day."""
        prev = review.days.previous
        if prev is None:
            return []
        said = {key for key, answer in self.answers.items() if answer.vulnerable_contact == "yes"}
        return [person(m) for m in review.members if (m.id, prev) in said]

    def flags(self, review: ReviewContext) -> Sequence[tuple[int, str]]:
        prev = review.days.previous
        if prev is None:
            return ()
        by_status, no_answer = self._groups(review)
        found = []
        signalled = review.signalled.get(SIGNALLED_NEED_HELP, frozenset())
        need_help = [p for p in by_status.get("need_help", ()) if p.id not in signalled]
        if need_help:
            found.append(
                (NEED_HELP, f"Asked for help with BWV on {short_day(prev)}: {labels(need_help)}")
            )
        if no_answer:
            line = f"No BWV answer for {short_day(prev)}: {names(no_answer)}"
            found.append((NOT_ANSWERED, line))
        return found

    def tally(self, review: ReviewContext) -> str | None:
        if review.days.previous is None:
            return None
        by_status, no_answer = self._groups(review)
        answered = sum(len(p) for p in by_status.values())
        return f"BWV {answered} of {answered + len(no_answer)} answered"

    def reports(self, review: ReviewContext) -> bool:
        by_status, no_answer = self._groups(review)
        return bool(by_status or no_answer or self._vulnerable(review))

    def sections(self, review: ReviewContext) -> Sequence[Section]:
        prev = review.days.previous
        if prev is None:
            return (Section(heading="BWV", lines=("No previous briefing day.",)),)
        by_status, no_answer = self._groups(review)
        facts = [
            (TITLES[status], names(by_status[status]))
            for status in BWV_STATUSES
            if status in by_status
        ]
        facts.append(("No answer", names(no_answer) or "none"))
        vulnerable = self._vulnerable(review)
        if vulnerable:
            facts.append(("Vulnerable contact", names(vulnerable)))
        return (Section(heading=f"BWV, {short_day(prev)}", facts=tuple(facts)),)


async def load_review(review: ReviewContext) -> ReviewPart:
    prev = review.days.previous
    if prev is None:
        return BwvReview({})
    team_id = review.team.id
    return BwvReview(await latest_answers(review.session, BwvAnswer, prev, prev, team_id=team_id))


@dataclass(frozen=True)
class BwvPeriod(PeriodPart):
    """BWV is due on days on duty (as for the reminder), answered when a category answer was
    given (a row with only the vulnerable-contact answer is not one)."""

    answers: Answers

    def figures(self, member: Officer, period: PeriodContext) -> tuple[int, int, int]:
        """(due, answered, categorised) for the member."""
        due = answered = categorised = 0
        for day in period.days_of(member):
            if period.presence.on_duty(member.id, day):
                due += 1
                status = (
                    answer.bwv_status if (answer := self.answers.get((member.id, day))) else None
                )
                answered += status is not None
                categorised += status == "categorised"
        return due, answered, categorised

    def officer(self, member: Officer, period: PeriodContext) -> str:
        due, answered, _ = self.figures(member, period)
        return f"BWV answered {rate(answered, due)}"

    def team(self, period: PeriodContext) -> Sequence[tuple[str, str]]:
        each = [self.figures(m, period) for m in period.members]
        due, answered, categorised = (sum(f[i] for f in each) for i in range(3))
        return (
            ("BWV answered", rate(answered, due)),
            ("BWV categorised", rate(categorised, answered, "answers")),
        )


async def load_period(period: PeriodContext) -> PeriodPart:
    if not period.days:
        return BwvPeriod({})
    found = await latest_answers(
        period.session, BwvAnswer, period.first, period.last, team_id=period.team.id
    )
    return BwvPeriod(found)


@dataclass(frozen=True)
class BwvWeek(MyWeekPart):
    answers: Answers
    officer_id: int

    def describe(self, day: date) -> Sequence[str]:
        footage = self.answers.get((self.officer_id, day))
        if footage is None:
            return ()
        said = [f"BWV {TITLES[footage.bwv_status].lower()}"] if footage.bwv_status else []
        if footage.vulnerable_contact is not None:
            said.append(f"vulnerable contact {footage.vulnerable_contact}")
        return said


async def load_week(week: MyWeekContext) -> MyWeekPart:
    answers = await latest_answers(
        week.session, BwvAnswer, week.first, week.last, officer_id=week.officer_id
    )
    return BwvWeek(answers, week.officer_id)


async def export_rows(export: ExportContext) -> list[Row]:
    rows: list[BwvAnswer] = await dated_rows(export, BwvAnswer)
    return [
        common
        | {
            "value": row.bwv_status or "",
            "vulnerable_contact": row.vulnerable_contact or "",
            "recorded_at": row.answered_at,
        }
        for common, row in officer_answers("bwv", rows, export.names)
    ]
