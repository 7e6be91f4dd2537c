"""`my week`: the officer's own answers for the last seven days (nobody else's)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from dialogs import away as away_
from dialogs import bwv
from dialogs.core import Card, Reply, Section, Turn
from dialogs.officer_day import ANSWER_TITLES, local_hhmm, short_day
from dialogs.router import Router
from storage import officer_day
from storage.models import MEMBER_ROLES, AttendanceAnswer, AwayPeriod, BwvAnswer, PcsoReturn

DAYS = 7


def register(router: Router) -> None:
    router.command(
        "my week", my_week, summary="your own answers for the last seven days", roles=MEMBER_ROLES
    )


async def my_week(turn: Turn) -> list[Reply]:
    last = turn.today
    first = last - timedelta(days=DAYS - 1)
    me = turn.officer.id
    briefings = await officer_day.latest_answers(
        turn.session, AttendanceAnswer, first, last, officer_id=me
    )
    footage = await officer_day.latest_answers(turn.session, BwvAnswer, first, last, officer_id=me)
    returns = await officer_day.latest_answers(turn.session, PcsoReturn, first, last, officer_id=me)
    periods = await officer_day.away_between(turn.session, me, first, last)
    facts: list[tuple[str, str]] = []
    for back in range(DAYS):
        day = last - timedelta(days=back)
        key = (me, day)
        parts = _day(briefings.get(key), footage.get(key), returns.get(key), turn.zone)
        parts.extend(_away(day, periods))
        facts.append((short_day(day), "; ".join(parts) or "nothing recorded"))
    card = Card(
        title="Your last seven days",
        sections=(
            Section(facts=tuple(facts)),
            Section(lines=("Only you can see this. Type briefing to answer today.",)),
        ),
    )
    return [Reply(card=card)]


def _day(
    briefing: AttendanceAnswer | None,
    footage: BwvAnswer | None,
    daily_return: PcsoReturn | None,
    zone: ZoneInfo,
) -> list[str]:
    parts: list[str] = []
    if briefing is not None:
        late = ", late" if briefing.late else ""
        parts.append(
            f"briefing {ANSWER_TITLES[briefing.attendance].lower()} "
            f"({local_hhmm(briefing.answered_at, zone)}{late})"
        )
    if footage is not None:
        parts.append(f"BWV {bwv.TITLES[footage.bwv_status].lower()}")
    if daily_return is not None:
        parts.append(f"return sent ({local_hhmm(daily_return.submitted_at, zone)})")
    return parts


def _away(day: date, periods: Sequence[AwayPeriod]) -> list[str]:
    return [f"away ({away_.label(p.reason)})" for p in periods if p.first_day <= day <= p.last_day][
        -1:
    ]
