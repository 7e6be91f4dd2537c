"""BWV answers, by card or typed: each change is a new row, the latest counts; the same
answer as the latest sent again is not stored and is answered as already recorded. A row
holds both answers of the day (the category, and whether they engaged with a vulnerable
person): a tap on one carries the other over from the officer's latest row.
`need_help` shows the guidance and records a message to each of the team's supervising
sergeants in the same transaction, so it is sent only if the answer is committed (and once
per officer and day, however often they ask).
"""

from __future__ import annotations

import re
from datetime import date

from dialogs.answers import already_recorded, hold, latest, record
from dialogs.bwv.cards import guidance_sections, reminder_card
from dialogs.bwv.models import BWV_STATUSES, VULNERABLE_CONTACT, BwvAnswer
from dialogs.core import Card, Reply, Turn, UserError
from dialogs.officer_day import answer_day, check_end_of_shift_day, home_team
from dialogs.router import Handler, normalise
from dialogs.wording import short_day
from storage import officers, outbox
from storage.models import Officer, Team

NEED_HELP = "bwv-need-help"
ACCEPTED = "categorised, no footage or need help"
VULNERABLE_TYPED = re.compile(r"^vulnerable(?: contact)?:? (yes|no)$")
TYPED_FORMS = (
    f"one of {ACCEPTED}, optionally followed by ', vulnerable yes' or ', vulnerable no' "
    "(e.g. categorised, vulnerable yes); or vulnerable yes / vulnerable no on its own"
)


async def guidance(turn: Turn) -> list[Reply]:
    card = Card(title="Body-worn video: categorising footage", sections=guidance_sections())
    return [Reply(card=card)]


def _typed_vulnerable(rest: str) -> str | None:
    """`vulnerable yes` / `vulnerable no` after a typed category answer, or nothing."""
    words = normalise(rest.strip().strip(","))
    if not words:
        return None
    found = VULNERABLE_TYPED.match(words)
    if found is None:
        raise UserError(f"To answer today's BWV reminder, type {TYPED_FORMS}. Nothing saved.")
    return found[1]


def typed(status: str) -> Handler:
    """The handler of one answer typed on its own or with the vulnerable-contact answer,
    e.g. `no footage` or `no footage, vulnerable no`."""

    async def record_typed(turn: Turn) -> list[Reply]:
        vulnerable = _typed_vulnerable(turn.text)
        return await _record(turn, turn.today, status, vulnerable, replace=False)

    return record_typed


def typed_vulnerable(said: str) -> Handler:
    """`vulnerable yes` / `vulnerable no` on its own: the second question, typed."""

    async def record_vulnerable(turn: Turn) -> list[Reply]:
        if turn.text.strip():
            raise UserError(f"To answer today's BWV reminder, type {TYPED_FORMS}. Nothing saved.")
        return await _record(turn, turn.today, None, said, replace=False)

    return record_vulnerable


async def confirm(turn: Turn) -> list[Reply]:
    """`bwv.confirm` from the reminder card: `bwv_status`, `vulnerable_contact` or both."""
    data = turn.data or {}
    status = _given(data, "bwv_status")
    vulnerable = _given(data, "vulnerable_contact")
    if status is None and vulnerable is None:
        raise UserError(f"That was not a BWV answer. Choose {ACCEPTED}. Nothing saved.")
    if status is not None and status not in BWV_STATUSES:
        raise UserError(f"'{status[:30]}' is not a BWV answer. Choose {ACCEPTED}. Nothing saved.")
    if vulnerable is not None and vulnerable not in VULNERABLE_CONTACT:
        raise UserError(
            f"'{vulnerable[:30]}' is not an answer to whether you engaged with a vulnerable "
            "person: choose yes or no. Nothing saved."
        )
    return await _record(turn, answer_day(turn), status, vulnerable, replace=True)


def _given(data: dict[str, object], key: str) -> str | None:
    """A field's value, lower-cased; None when the action did not carry it."""
    if key not in data or data[key] is None:
        return None
    return str(data[key]).strip().lower()


async def show(turn: Turn) -> list[Reply]:
    """`bwv.show`, a card's refresh: the reminder for its day as it now stands, for this
    officer. It records nothing."""
    day = answer_day(turn)
    current = await latest(turn.session, BwvAnswer, turn.officer.id, day)
    return [Reply(card=reminder_card(day, current, turn.zone), replace=True)]


async def _record(
    turn: Turn, day: date, status: str | None, vulnerable: str | None, *, replace: bool
) -> list[Reply]:
    """A new row with what was given, the other answer carried over from the officer's
    latest row for the day (one tap answers one question without undoing the other)."""
    team = await home_team(turn)
    check_end_of_shift_day(turn, team, day, "reminder")
    await hold(turn.session, Officer.id, turn.officer.id)
    current = await latest(turn.session, BwvAnswer, turn.officer.id, day)
    recorded = await record(
        turn.session,
        BwvAnswer(
            officer_id=turn.officer.id,
            team_id=team.id,
            day=day,
            bwv_status=status if status is not None else _carried(current, "bwv_status"),
            vulnerable_contact=vulnerable
            if vulnerable is not None
            else _carried(current, "vulnerable_contact"),
            answered_at=turn.now,
        ),
    )
    answer = recorded.row
    told = await _tell_sergeants(turn, team, answer) if status == "need_help" else None
    said = None if recorded.new else already_recorded(answer.answered_at, turn.now, turn.zone)
    card = reminder_card(day, answer, turn.zone, told, said=said)
    return [Reply(card=card, replace=replace)]


def _carried(current: BwvAnswer | None, column: str) -> str | None:
    return None if current is None else getattr(current, column)


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
