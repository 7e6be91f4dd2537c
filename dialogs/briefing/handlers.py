"""Briefing answers, by card or typed: each change is a new row (changes are kept, the
latest counts); one given at or after the team's review time is recorded as late. The same
answer (attendance and note) as the latest sent again is not stored: it is answered as
already recorded, and an answer given on time stays on time. A card answer carries the day
its prompt was for, so tapping yesterday's card never books an answer for today.
"""

from __future__ import annotations

from datetime import date

from dialogs.answers import already_recorded, latest, record
from dialogs.briefing.cards import NOT_ATTENDING, NOTE_LIMIT, briefing_card
from dialogs.briefing.models import ATTENDANCE_ANSWERS, AttendanceAnswer
from dialogs.briefing.queries import lead_of
from dialogs.calendar import at_local, is_briefing_day
from dialogs.core import Reply, Turn, UserError
from dialogs.counts import parse_notes
from dialogs.officer_day import answer_day, home_team
from dialogs.router import Handler, normalise
from dialogs.wording import short_day, spoken
from storage.models import Team

ACCEPTED = "in person, remote, rest day, annual leave, sick, training, other duty or court"
TYPED = {spoken(answer): answer for answer in ATTENDANCE_ANSWERS}


async def briefing(turn: Turn) -> list[Reply]:
    """`briefing` shows today's card; `briefing remote` (any answer) records it."""
    team = await home_team(turn)
    said = normalise(turn.text).replace("_", " ")
    if said:
        answer = TYPED.get(said)
        if answer is None:
            raise UserError(
                f"Sorry, '{said[:40]}' is not a briefing answer. Type one of: {ACCEPTED}."
            )
        return await _record(turn, team, turn.today, answer, None, source="text")
    if not is_briefing_day(team, turn.today):
        return [Reply(text=_no_briefing(team, turn.today))]
    current = await latest(turn.session, AttendanceAnswer, turn.officer.id, turn.today)
    lead = await lead_of(turn.session, team)
    return [Reply(card=briefing_card(team, turn.today, lead, current, turn.zone))]


def typed(answer: str) -> Handler:
    """The handler of one answer typed on its own, e.g. `rest day`."""

    async def record_typed(turn: Turn) -> list[Reply]:
        if turn.text.strip():
            raise UserError(f"To answer today's briefing, type just one of: {ACCEPTED}.")
        team = await home_team(turn)
        return await _record(turn, team, turn.today, answer, None, source="text")

    return record_typed


async def attend(turn: Turn) -> list[Reply]:
    """`briefing.attend` from the card (Action.Submit or Action.Execute)."""
    data = turn.data or {}
    team = await home_team(turn)
    attendance = _chosen(data)
    note = _note(data)
    return await _record(
        turn, team, answer_day(turn), attendance, note, source="card", replace=True
    )


async def show(turn: Turn) -> list[Reply]:
    """`briefing.show`, a card's refresh: the card for its day as it now stands, for this
    officer. It records nothing."""
    team = await home_team(turn)
    day = answer_day(turn)
    current = await latest(turn.session, AttendanceAnswer, turn.officer.id, day)
    lead = await lead_of(turn.session, team)
    return [Reply(card=briefing_card(team, day, lead, current, turn.zone), replace=True)]


def _chosen(data: dict[str, object]) -> str:
    value = str(data.get("attendance") or "").strip().lower()
    if value == NOT_ATTENDING:  # a card from before the reason became the answer itself
        value = str(data.get("reason") or "").strip().lower()
    if not value:
        raise UserError("Choose a reason for not attending first. Nothing saved.")
    if value not in ATTENDANCE_ANSWERS:
        raise UserError(
            f"'{value[:30]}' is not a briefing answer. Choose one of: {ACCEPTED}. Nothing saved."
        )
    return value


def _note(data: dict[str, object]) -> str | None:
    return parse_notes(data, "note", NOTE_LIMIT)


async def _record(
    turn: Turn,
    team: Team,
    day: date,
    attendance: str,
    note: str | None,
    *,
    source: str,
    replace: bool = False,
) -> list[Reply]:
    _check_day(turn, team, day)
    recorded = await record(
        turn.session,
        AttendanceAnswer(
            officer_id=turn.officer.id,
            team_id=team.id,
            day=day,
            attendance=attendance,
            note=note,
            answered_at=turn.now,
            late=turn.now >= at_local(day, team.review_time, turn.zone),
            source=source,
        ),
    )
    answer = recorded.row
    said = None if recorded.new else already_recorded(answer.answered_at, turn.now, turn.zone)
    lead = await lead_of(turn.session, team)
    card = briefing_card(team, day, lead, answer, turn.zone, said=said)
    return [Reply(card=card, replace=replace)]


def _check_day(turn: Turn, team: Team, day: date) -> None:
    """Answers are for today's briefing only; an old card is refused, not booked as today."""
    if day > turn.today:
        raise UserError(f"That card is for {short_day(day)}, which has not started yet.")
    if day < turn.today:
        raise UserError(
            f"That card was for {short_day(day)}; answers for that day have closed. "
            "Type briefing for today's card. Nothing saved."
        )
    if not is_briefing_day(team, day):
        raise UserError(_no_briefing(team, day) + " Nothing saved.")


def _no_briefing(team: Team, day: date) -> str:
    return f"There is no {team.name} briefing today ({short_day(day)})."
