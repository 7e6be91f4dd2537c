"""Briefing in the morning review: today's attendance (late answers marked, absences shown)
and who has not answered today. Who has not answered several briefing days running is a
signal (`dialogs.signals`, kind `silent`): one rule, listed first among the exceptions; those
it lists (`review.signalled`) are not listed again here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from dialogs.briefing.cards import ANSWER_TITLES
from dialogs.briefing.models import ATTENDANCE_ANSWERS
from dialogs.briefing.queries import Answers, absences, day_answers
from dialogs.core import Section
from dialogs.officer_day import absence_label
from dialogs.people import Person, names, person
from dialogs.presence import Presence
from dialogs.sections import NOT_ANSWERED, SIGNALLED_SILENT, ReviewContext, ReviewPart
from dialogs.wording import local_hhmm, short_day


@dataclass(frozen=True)
class BriefingReview(ReviewPart):
    """The team's answers on the review's days, and today's grouped by answer (late ones
    with their time): `review.attendance["sick"]` are those who answered sick today."""

    answers: Answers
    answered: dict[str, tuple[Person, ...]]
    late: dict[int, datetime]

    def __getitem__(self, answer: str) -> tuple[Person, ...]:
        return self.answered.get(answer, ())

    def presence(self) -> Presence:
        return Presence(said=absences(self.answers))

    def unanswered(
        self, review: ReviewContext
    ) -> tuple[dict[str, tuple[Person, ...]], list[Person]]:
        """Those without an answer today: away (by reason), and, on a briefing day, the rest."""
        away: dict[str, tuple[Person, ...]] = {}
        no_answer: list[Person] = []
        day = review.days.day
        for member in review.members:
            if (member.id, day) in self.answers:
                continue
            reason = review.presence.away(member.id, day)
            if reason is not None:
                _append(away, reason, person(member))
            elif review.days.briefing_today:
                no_answer.append(person(member))
        return away, no_answer

    def flags(self, review: ReviewContext) -> Sequence[tuple[int, str]]:
        _, no_answer = self.unanswered(review)
        quiet = review.signalled.get(SIGNALLED_SILENT, frozenset())
        today = [p for p in no_answer if p.id not in quiet]
        if today:
            return [(NOT_ANSWERED, f"No briefing answer today: {names(today)}")]
        return []

    def tally(self, review: ReviewContext) -> str | None:
        if not review.days.briefing_today:
            return None
        _away, no_answer = self.unanswered(review)
        answered = sum(len(p) for p in self.answered.values())
        return f"briefing {answered} of {answered + len(no_answer)} answered"

    def reports(self, review: ReviewContext) -> bool:
        away, no_answer = self.unanswered(review)
        return bool(self.answered or away or no_answer)

    def sections(self, review: ReviewContext) -> Sequence[Section]:
        heading = f"Briefing today, {short_day(review.days.day)}"
        if not review.days.briefing_today and not self.answered:
            return (Section(heading=heading, lines=("Not a briefing day.",)),)
        away, no_answer = self.unanswered(review)
        facts: list[tuple[str, str]] = []
        for answer in ATTENDANCE_ANSWERS:
            answered = ", ".join(self._named(p, review) for p in self[answer])
            shown_away = [f"{p.name} (away)" for p in away.get(answer, ())]
            shown = ", ".join(x for x in (answered, *shown_away) if x)
            if shown:
                facts.append((ANSWER_TITLES[answer], shown))
        facts.extend(
            (f"Away, {absence_label(reason)}", names(people))
            for reason, people in away.items()
            if reason not in ATTENDANCE_ANSWERS
        )
        facts.append(("No answer", names(no_answer) or "none"))
        return (Section(heading=heading, facts=tuple(facts)),)

    def _named(self, who: Person, review: ReviewContext) -> str:
        """A name, marked with the time when the answer came after the review time."""
        at = self.late.get(who.id)
        return who.name if at is None else f"{who.name} (late, {local_hhmm(at, review.zone)})"


def _append(groups: dict[str, tuple[Person, ...]], key: str, who: Person) -> None:
    groups[key] = (*groups.get(key, ()), who)


async def load(review: ReviewContext) -> ReviewPart:
    """The team's answers on every day the review looks at (one query)."""
    answers = await day_answers(review.session, review.team.id, [*review.days.wanted])
    answered: dict[str, tuple[Person, ...]] = {}
    late: dict[int, datetime] = {}
    for member in review.members:
        answer = answers.get((member.id, review.days.day))
        if answer is not None:
            _append(answered, answer.attendance, person(member))
            if answer.late:
                late[member.id] = answer.answered_at
    return BriefingReview(answers, answered, late)
