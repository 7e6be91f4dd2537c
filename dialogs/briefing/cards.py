"""The briefing card: the prompt and, once answered, what was recorded and when."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from dialogs.briefing.models import ATTENDANCE_ANSWERS, AttendanceAnswer
from dialogs.core import Action, Card, Field, Section
from dialogs.officer_day import ABSENCE_REASONS
from dialogs.wording import hhmm, local_hhmm, short_day, spoken
from storage.models import Team

VERB = "briefing.attend"
SHOW = "briefing.show"  # read-only: the card as it now stands (a card's refresh)
NOT_ATTENDING = "not_attending"
NOTE_LIMIT = 500
ANSWER_TITLES = {answer: spoken(answer).capitalize() for answer in ATTENDANCE_ANSWERS}
UNANSWERED = Section(lines=("Tap how you are attending, or Not attending to give a reason.",))


def briefing_card(
    team: Team,
    day: date,
    lead: str,
    current: AttendanceAnswer | None,
    zone: ZoneInfo,
    *,
    said: str | None = None,
) -> Card:
    """The prompt; once answered, it also shows what was recorded and when (and `said`,
    e.g. that the same answer sent again was already recorded)."""
    facts = (("When", f"{short_day(day)}, {hhmm(team.briefing_time)}"), ("Led by", lead))
    status = _recorded(current, team, zone, said) if current else (UNANSWERED,)
    absence = current.attendance if current and current.attendance in ABSENCE_REASONS else None
    reason = (
        Field(
            id="attendance",
            label="Reason",
            kind="choice",
            choices=tuple((reason, ANSWER_TITLES[reason]) for reason in ABSENCE_REASONS),
            value=absence,
            required=True,
            error="Choose why you are not attending.",
        ),
        Field(
            id="note",
            label=f"Note (optional, up to {NOTE_LIMIT} characters)",
            max_length=NOTE_LIMIT,
            placeholder="No names of members of the public",
            value=current.note if current and current.note else None,
        ),
    )
    answer = {"verb": VERB, "day": day.isoformat()}
    actions = (
        Action("In person", {**answer, "attendance": "in_person"}, style="positive"),
        Action("Remote", {**answer, "attendance": "remote"}),
        Action("Not attending", answer, fields=reason, submit="Send"),
    )
    links = (("Join on Teams", team.remote_link),) if team.remote_link else ()
    at = hhmm(team.briefing_time)
    return Card(
        title=f"Briefing: {team.name}",
        sections=(Section(facts=facts), *status),
        actions=actions,
        links=links,
        summary=f"Briefing {at} – tap to answer" if current is None else f"Briefing {at}",
        refresh={"verb": SHOW, "day": day.isoformat()},
    )


def _recorded(
    answer: AttendanceAnswer, team: Team, zone: ZoneInfo, said: str | None
) -> tuple[Section, ...]:
    review = hhmm(team.review_time)
    facts = [("Your answer", ANSWER_TITLES[answer.attendance])]
    if answer.note:
        facts.append(("Note", answer.note))
    facts.append(("Recorded at", local_hhmm(answer.answered_at, zone)))
    if answer.late:
        heading = f"Recorded late (after the {review} review)"
        line = "You can still change it; changes now are marked late too."
    else:
        heading = "Recorded"
        line = f"You can change it until the {review} review: tap another answer."
    lines = (said, line) if said else (line,)
    return Section(heading=heading, facts=tuple(facts)), Section(lines=lines)
