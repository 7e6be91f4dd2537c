"""`away FROM to TO [reason]`, `away today sick`, `back`.

Dates are local working days; anything that does not parse is refused and nothing is saved.
The same period and reason booked again is answered as already recorded, not stored twice;
`back` changes nothing when the officer is not away.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

from dialogs.answers import already_recorded
from dialogs.away.models import AwayPeriod
from dialogs.away.queries import add_away, away_between, end_away
from dialogs.calendar import sane
from dialogs.core import Reply, Turn, UserError
from dialogs.officer_day import ABSENCE_REASONS, UNSPECIFIED, absence_label
from dialogs.router import normalise
from dialogs.wording import short_day, spoken

MAX_DAYS_AHEAD = 366
USAGE = "away FROM to TO [reason]"
EXAMPLES = "For example: away 2026-12-01 to 2026-12-14 annual leave, or away today sick."
REASONS = {spoken(reason): reason for reason in ABSENCE_REASONS}
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


async def away(turn: Turn) -> list[Reply]:
    words = normalise(turn.text).split()
    if not words:
        return [Reply(text=await _booked(turn))]
    if words[0] == "from":
        words = words[1:]
    first, last, rest = _dates(words, turn.today)
    reason = _reason(rest)
    _check_period(first, last, turn.today)
    booked = await add_away(
        turn.session,
        officer_id=turn.officer.id,
        first_day=first,
        last_day=last,
        reason=reason,
        created_at=turn.now,
    )
    days = "that day" if first == last else "those days"
    period = f"away {_span(first, last)} ({absence_label(reason)})"
    if not booked.new:
        said = already_recorded(booked.row.created_at, turn.now, turn.zone)
        return [Reply(text=f"{said} You are {period}. Type back if you return early.")]
    return [Reply(text=f"Recorded: {period}. No prompts on {days}. Type back if you return early.")]


async def back(turn: Turn) -> list[Reply]:
    ended = await end_away(turn.session, turn.officer.id, turn.today, turn.now)
    if not ended:
        return [Reply(text="You are not marked away today, so your prompts are already on.")]
    return [Reply(text="Welcome back: your prompts start again today.")]


def _dates(words: Sequence[str], today: date) -> tuple[date, date, list[str]]:
    if not words:
        raise UserError(f"Tell me when: {USAGE}. {EXAMPLES}")
    first = _date(words[0], today)
    rest = list(words[1:])
    if rest and rest[0] in ("to", "until", "-"):
        if len(rest) < 2:
            raise UserError(f"Say when you are back to work: {USAGE}. {EXAMPLES}")
        return first, _date(rest[1], today), rest[2:]
    return first, first, rest


def _date(word: str, today: date) -> date:
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    try:
        if _ISO.match(word):
            return sane(date.fromisoformat(word))
        uk = _UK.match(word)
        if uk:
            return sane(date(int(uk[3]), int(uk[2]), int(uk[1])))
    except ValueError:
        pass
    raise UserError(
        f"'{word[:20]}' is not a date I can read: use YYYY-MM-DD (for example 2026-12-01), "
        "today or tomorrow. Nothing saved."
    )


def _reason(words: Sequence[str]) -> str:
    if not words:
        return UNSPECIFIED
    said = " ".join(words).replace("_", " ")
    reason = REASONS.get(said)
    if reason is None:
        choices = ", ".join(REASONS)
        raise UserError(
            f"'{said[:30]}' is not a reason I know. Use one of: {choices} (or leave it out). "
            "Nothing saved."
        )
    return reason


def _check_period(first: date, last: date, today: date) -> None:
    if last < first:
        raise UserError(
            f"The end ({short_day(last)}) is before the start ({short_day(first)}). Nothing saved."
        )
    if last < today:
        raise UserError(
            "That period has already ended, so there is nothing to stop. Nothing saved."
        )
    if (last - today).days > MAX_DAYS_AHEAD or (last - first).days > MAX_DAYS_AHEAD:
        raise UserError("Away periods can be booked up to a year at a time. Nothing saved.")


def _span(first: date, last: date) -> str:
    return f"on {short_day(first)}" if first == last else f"{short_day(first)} to {short_day(last)}"


async def _booked(turn: Turn) -> str:
    """The officer's current and upcoming away periods, and how to add one."""
    horizon = turn.today + timedelta(days=MAX_DAYS_AHEAD)
    periods: Sequence[AwayPeriod] = await away_between(
        turn.session, turn.officer.id, turn.today, horizon
    )
    usage = f"To add one: {USAGE}. {EXAMPLES} Type back when you return early."
    if not periods:
        return f"You have no away periods booked. {usage}"
    booked = "; ".join(
        f"{_span(p.first_day, p.last_day)} ({absence_label(p.reason)})" for p in periods
    )
    return f"Away: {booked}. {usage}"
