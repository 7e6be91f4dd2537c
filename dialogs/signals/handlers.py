"""A sergeant marks a signal "discussed": the review card's button (`signal.discussed`, the
signal's `key` and a `note`) or typed `discussed KEY NOTE`.

Only a sergeant, inspector or admin who can see the signal's team may; the discussion is
stored with the evidence as it stood (`signal_discussions`) and audited. The same key
again is answered as already recorded and stores nothing. From the review card, the card
is answered with the review as it now stands (the signal gone from its exceptions).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date

from sqlalchemy import select

from dialogs.answers import add, already_recorded, hold
from dialogs.core import Card, Reply, Section, Turn, UserError
from dialogs.counts import too_long
from dialogs.people import person
from dialogs.router import Router
from dialogs.signals.kinds import PREFIXES, Signal, evidence_json
from dialogs.signals.models import SignalDiscussion
from dialogs.signals.queries import find_signals, signal_from_discussion
from dialogs.signals.views import NOTE_MAX
from dialogs.supervision import parse_date
from dialogs.wording import local_hhmm
from storage import audit, officers
from storage.models import Officer, Team

KEY = re.compile(r"^(" + "|".join(PREFIXES.values()) + r")-(.+)-(\d{4}-\d{2}-\d{2})$")
TYPED = "discussed KEY NOTE"
EXAMPLE = (
    "e.g. discussed vpc-p301-2026-11-30 Spoke with Alex; footage from the visit re-categorised"
)
REFRESH = "review.show"


class Handlers:
    """The handlers; the router answers the review card with the review as it now stands."""

    def __init__(self, router: Router) -> None:
        self._router = router

    async def discussed(self, turn: Turn) -> list[Reply]:
        """`signal.discussed` from the review card (data `key`, `team`, `date`; field `note`)."""
        data = turn.data or {}
        day = turn.today
        if data.get("date"):
            day = min(parse_date(data["date"], "review's date"), turn.today)
        signal, said, stored = await _record(
            turn, str(data.get("key") or ""), data.get("note"), day
        )
        if not data.get("team"):
            return [Reply(card=_recorded_card(signal, said, stored, turn), replace=True)]
        review = {"verb": REFRESH, "team": signal.team.name, "date": day.isoformat()}
        updated = await self._router.dispatch(dataclasses.replace(turn, data=review))
        return [*updated, Reply(text=f"{said} {signal.summary}")]

    async def typed(self, turn: Turn) -> list[Reply]:
        """`discussed KEY NOTE`."""
        key, _, note = turn.text.strip().partition(" ")
        if not key:
            raise UserError(f"Type {TYPED}, {EXAMPLE}. Nothing saved.")
        signal, said, stored = await _record(turn, key, note, turn.today)
        return [Reply(card=_recorded_card(signal, said, stored, turn))]


Recorded = tuple[Signal, str, SignalDiscussion]
"""The signal, what to tell the sergeant, and the discussion stored (now or before)."""


async def _record(turn: Turn, raw_key: str, raw_note: object, day: date) -> Recorded:
    """The open signal `raw_key` names, recorded as discussed with the note (or, the same
    key again, the one recorded already); what to tell the sergeant."""
    key = raw_key.strip().lower()
    found = KEY.match(key)
    if found is None:
        raise UserError(
            f"'{raw_key[:40]}' is not a signal's key: the review shows each one in [brackets], "
            f"{EXAMPLE}. Nothing saved."
        )
    note = _note(raw_note)
    pcso, team = await _officer_in_sight(turn, found[2], raw_key)
    await hold(turn.session, Officer.id, pcso.id)
    stored = await turn.session.scalar(select(SignalDiscussion).where(SignalDiscussion.key == key))
    if stored is not None:
        by = await turn.session.get(Officer, stored.discussed_by_id or 0)
        talked = signal_from_discussion(stored, by, person(pcso), team)
        return talked, already_recorded(stored.discussed_at, turn.now, turn.zone), stored
    signals = await find_signals(turn.session, [team], today=day, zone=turn.zone)
    if day != turn.today:
        signals += await find_signals(turn.session, [team], today=turn.today, zone=turn.zone)
    signal = next((s for s in signals if s.key == key), None)
    if signal is None or not signal.open:
        raise UserError(
            f"There is no open signal '{key[:40]}' for {team.name}: it may have changed since "
            "(see the latest review). Nothing saved."
        )
    stored = await add(
        turn.session,
        SignalDiscussion(
            key=key,
            kind=signal.kind,
            team_id=team.id,
            officer_id=pcso.id,
            first_day=signal.first_day,
            through_day=signal.last_day,
            evidence=evidence_json(signal.evidence),
            note=note,
            discussed_by_id=turn.officer.id,
            discussed_at=turn.now,
        ),
    )
    await audit.record(
        turn.session,
        "signal.discussed",
        at=turn.now,
        officer=turn.officer,
        key=key,
        kind=signal.kind,
        team=team.name,
        collar=pcso.collar_number,
    )
    return signal, "Recorded as discussed.", stored


def _note(raw: object) -> str:
    note = str(raw or "").strip()
    if not note:
        raise UserError(
            f"Add a note of the discussion (up to {NOTE_MAX} characters). Nothing saved."
        )
    problem = too_long(note, NOTE_MAX, "The note")
    if problem:
        raise UserError(f"{problem} Nothing saved.")
    return note


async def _officer_in_sight(turn: Turn, collar: str, raw_key: str) -> tuple[Officer, Team]:
    """The officer the key names, in a team this supervisor may see; nothing said otherwise."""
    found = await officers.by_collar(turn.session, collar)
    team = await officers.team(turn.session, found.team_id) if found else None
    if (
        found is None
        or team is None
        or not await officers.can_see_team(turn.session, turn.officer, team)
    ):
        raise UserError(f"'{raw_key[:40]}' is not a signal in a team you supervise. Nothing saved.")
    return found, team


def _recorded_card(signal: Signal, said: str, stored: SignalDiscussion, turn: Turn) -> Card:
    facts = (("Note", stored.note), ("Recorded at", local_hhmm(stored.discussed_at, turn.zone)))
    return Card(
        title=f"Signal discussed: {signal.officer.label}",
        sections=(Section(lines=(said, signal.summary)), Section(facts=facts)),
    )
