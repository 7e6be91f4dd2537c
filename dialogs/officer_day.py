"""What the officer's-day workflows share: whose team, which day an answer is for, and the
reasons an officer is not on duty (a briefing answer of sick and an away period alike).

A card's answer carries the day its prompt was for (`day`), so an answer to an old card is
never booked against today. Typed answers are for today in the force's zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dialogs.calendar import at_local, next_briefing_day, sane
from dialogs.core import Turn, UserError
from dialogs.wording import short_day, spoken
from storage import officers
from storage.models import Team

ABSENCE_REASONS = ("rest_day", "annual_leave", "sick", "training", "other_duty", "court")
UNSPECIFIED = "unspecified"
"""An away period booked without a reason."""
BWV_CATEGORY = "Vulnerable person concern – no offence disclosed"
"""The body-worn video category the IOPC recommendation is about."""


def absence_label(reason: str) -> str:
    """How an absence reason reads in replies and reviews: 'annual leave'."""
    return "no reason given" if reason == UNSPECIFIED else spoken(reason)


async def home_team(turn: Turn) -> Team:
    """The team the officer answers for; a clear message if the roster gives them none."""
    team = await officers.team(turn.session, turn.officer.team_id)
    if team is None:
        raise UserError(
            "You are not in a team on the roster, so there is nothing to answer. "
            "Ask your sergeant to check the roster."
        )
    return team


def answer_day(turn: Turn) -> date:
    """The day a card answer is for (`day` in its data), or today for typed answers."""
    raw = (turn.data or {}).get("day")
    if raw in (None, ""):
        return turn.today
    try:
        day = date.fromisoformat(str(raw))
    except ValueError as error:
        raise UserError("That card is damaged (bad day). Nothing saved.") from error
    return sane(day, "card's day")


def reported_at(team: Team, day: date, zone: ZoneInfo) -> datetime:
    """When the sergeant's review reports the day's end-of-shift answers: review time on the
    next briefing day. Until then an answer for that day is still taken."""
    following = next_briefing_day(team, day) or day + timedelta(days=1)
    return at_local(following, team.review_time, zone)


def check_end_of_shift_day(turn: Turn, team: Team, day: date, what: str) -> None:
    """BWV answers and daily returns: today, or an earlier day not yet reported."""
    if day > turn.today:
        raise UserError(f"That {what} is for {short_day(day)}, which has not started yet.")
    if day < turn.today and turn.now >= reported_at(team, day, turn.zone):
        raise UserError(
            f"That {what} was for {short_day(day)} and has already gone to your sergeant's "
            "review, so it can no longer be changed. Nothing saved."
        )
