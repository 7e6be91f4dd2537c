"""PCSO daily returns, by card or typed: `my return 3 1 0 12 2 [notes]`. Every changed
submission is a new row (a correction; the latest counts); the same counts and notes as the
latest sent again are not stored, and are answered as already recorded."""

from __future__ import annotations

from datetime import date

from dialogs.answers import already_recorded, latest, record
from dialogs.core import Reply, Turn, UserError
from dialogs.counts import COUNT_FIELDS, counts_from_words, parse_counts, parse_notes
from dialogs.officer_day import answer_day, check_end_of_shift_day, home_team
from dialogs.pcso_returns.cards import return_card
from dialogs.pcso_returns.models import PcsoReturn
from storage.models import Team

USAGE = "my return CADS THEMIS INTEL ENGAGEMENTS VULNERABLE [notes]"


async def my_return(turn: Turn) -> list[Reply]:
    """No arguments: today's card. Five numbers (and optional notes): record them."""
    team = await _returns_team(turn)
    words = turn.text.split()
    if not words:
        current = await latest(turn.session, PcsoReturn, turn.officer.id, turn.today)
        return [Reply(card=return_card(turn.today, current, turn.zone))]
    if len(words) < len(COUNT_FIELDS):
        raise UserError(f"Nothing saved. Type {USAGE}, for example: my return 3 1 0 12 2.")
    counts = counts_from_words(words[: len(COUNT_FIELDS)])
    notes = parse_notes({"notes": " ".join(words[len(COUNT_FIELDS) :])})
    return await _record(turn, team, turn.today, counts, notes, replace=False)


async def submit(turn: Turn) -> list[Reply]:
    """`pcso_return.submit` from the card."""
    data = turn.data or {}
    team = await _returns_team(turn)
    counts = parse_counts(data)
    notes = parse_notes(data)
    return await _record(turn, team, answer_day(turn), counts, notes, replace=True)


async def _returns_team(turn: Turn) -> Team:
    team = await home_team(turn)
    if not team.pcso_returns:
        raise UserError(
            f"{team.name} does not use PCSO daily returns, so there is nothing to send."
        )
    return team


async def _record(
    turn: Turn,
    team: Team,
    day: date,
    counts: dict[str, int],
    notes: str | None,
    *,
    replace: bool,
) -> list[Reply]:
    check_end_of_shift_day(turn, team, day, "return")
    recorded = await record(
        turn.session,
        PcsoReturn(
            officer_id=turn.officer.id,
            team_id=team.id,
            day=day,
            notes=notes,
            submitted_at=turn.now,
            **counts,
        ),
    )
    row = recorded.row
    said = None if recorded.new else already_recorded(row.submitted_at, turn.now, turn.zone)
    return [Reply(card=return_card(day, row, turn.zone, said=said), replace=replace)]
