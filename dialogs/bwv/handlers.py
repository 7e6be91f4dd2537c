"""BWV answers, by card or typed: each change is a new row, the latest counts; the same
answer as the latest sent again is not stored and is answered as already recorded.
`need_help` shows the guidance and records a message to each of the team's supervising
sergeants in the same transaction, so it is sent only if the answer is committed (and once
per officer and day, however often they ask).
"""

from __future__ import annotations

from datetime import date

from dialogs.answers import already_recorded, latest, record
from dialogs.bwv.cards import guidance_sections, reminder_card
from dialogs.bwv.models import BWV_STATUSES, BwvAnswer
from dialogs.core import Card, Reply, Turn, UserError
from dialogs.officer_day import answer_day, check_end_of_shift_day, home_team
from dialogs.router import Handler
from dialogs.wording import short_day
from storage import officers, outbox
from storage.models import Team

NEED_HELP = "bwv-need-help"
ACCEPTED = "categorised, no footage or need help"


async def guidance(turn: Turn) -> list[Reply]:
    card = Card(title="Body-worn video: categorising footage", sections=guidance_sections())
    return [Reply(card=card)]


def typed(status: str) -> Handler:
    """The handler of one answer typed on its own, e.g. `no footage`."""

    async def record_typed(turn: Turn) -> list[Reply]:
        if turn.text.strip():
            raise UserError(f"To answer today's BWV reminder, type just one of: {ACCEPTED}.")
        return await _record(turn, turn.today, status, replace=False)

    return record_typed


async def confirm(turn: Turn) -> list[Reply]:
    """`bwv.confirm` from the reminder card."""
    status = str((turn.data or {}).get("bwv_status") or "").strip().lower()
    if status not in BWV_STATUSES:
        raise UserError(f"'{status[:30]}' is not a BWV answer. Choose {ACCEPTED}. Nothing saved.")
    return await _record(turn, answer_day(turn), status, replace=True)


async def show(turn: Turn) -> list[Reply]:
    """`bwv.show`, a card's refresh: the reminder for its day as it now stands, for this
    officer. It records nothing."""
    day = answer_day(turn)
    current = await latest(turn.session, BwvAnswer, turn.officer.id, day)
    return [Reply(card=reminder_card(day, current, turn.zone), replace=True)]


async def _record(turn: Turn, day: date, status: str, *, replace: bool) -> list[Reply]:
    team = await home_team(turn)
    check_end_of_shift_day(turn, team, day, "reminder")
    recorded = await record(
        turn.session,
        BwvAnswer(
            officer_id=turn.officer.id,
            team_id=team.id,
            day=day,
            bwv_status=status,
            answered_at=turn.now,
        ),
    )
    answer = recorded.row
    told = await _tell_sergeants(turn, team, answer) if status == "need_help" else None
    said = None if recorded.new else already_recorded(answer.answered_at, turn.now, turn.zone)
    card = reminder_card(day, answer, turn.zone, told, said=said)
    return [Reply(card=card, replace=replace)]


async def _tell_sergeants(turn: Turn, team: Team, answer: BwvAnswer) -> str:
    """Record a message to each supervising sergeant, once per officer and day however often
    they tap Need help (the delivery key names the officer); what to tell the officer."""
    sergeants = await officers.sergeants_of(turn.session, team.id)
    me = turn.officer
    text = (
        f"BWV help requested: {me.name} ({me.collar_number}), {team.name}, asked for help "
        f"categorising body-worn video footage for {short_day(answer.day)}. "
        "Please get in touch with them."
    )
    for sergeant in sergeants:
        await outbox.enqueue(
            turn.session,
            job=NEED_HELP,
            officer_id=sergeant.id,
            team_id=team.id,
            day=answer.day,
            payload=Reply(text=text).to_dict(),
            now=turn.now,
            suffix=f"officer{me.id}",
        )
    if not sergeants:
        return "Your team has no supervising sergeant on the roster: please ask your team leader."
    names = ", ".join(s.name for s in sergeants)
    return f"Your sergeant ({names}) has been told you asked for help."
