"""Working days and local times. Dates that mean "the working day" are in the team's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from dialogs.core import UserError
from storage.models import Team

# The dates anyone may give the bot: nothing before the force used it, nothing absurd after
# (date arithmetic on year 1 or 9999 overflows; the bank-holiday calendar has no such years).
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def sane(day: date, what: str = "date") -> date:
    """`day` if it lies in 2000–2100; otherwise the user is told, and nothing is saved."""
    if not EARLIEST <= day <= LATEST:
        raise UserError(
            f"The {what} {day.isoformat()} is not between 2000 and 2100. Nothing saved."
        )
    return day


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    # England and Wales share their bank holidays; the `holidays` package calls this GB/ENG.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


@lru_cache(maxsize=256)
def parse_days(text: str) -> frozenset[int]:
    """'mon,wed', 'mon-fri' or full names ('monday-friday') → weekday numbers (Monday 0);
    raises ValueError naming a bad day or a backwards range. Cached: every briefing-day
    question about a team parses its setting again."""
    days: set[int] = set()
    for part in text.replace(" ", "").lower().split(","):
        if not part:
            continue
        first, _, last = part.partition("-")
        start, end = _day(first), _day(last or first)
        if end < start:
            raise ValueError(f"{part!r}: a range must run forwards (e.g. mon-fri)")
        days.update(range(start, end + 1))
    if not days:
        raise ValueError("no briefing days given")
    return frozenset(days)


def format_days(days: frozenset[int]) -> str:
    """Weekday numbers → the stored form, e.g. 'mon,tue,wed'."""
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def _day(word: str) -> int:
    if word in DAY_NAMES:
        return DAY_NAMES.index(word)
    if word in FULL_DAY_NAMES:
        return FULL_DAY_NAMES.index(word)
    raise ValueError(f"{word!r} is not a day (use mon, tue, wed, thu, fri, sat, sun)")


def is_briefing_day(team: Team, day: date) -> bool:
    if day.weekday() not in parse_days(team.briefing_days):
        return False
    return team.briefing_on_bank_holidays or not is_bank_holiday(day)


def previous_briefing_day(team: Team, day: date) -> date | None:
    """The last briefing day strictly before `day` (within three weeks)."""
    for back in range(1, 22):
        candidate = day - timedelta(days=back)
        if is_briefing_day(team, candidate):
            return candidate
    return None


def next_briefing_day(team: Team, day: date) -> date | None:
    """The first briefing day strictly after `day` (within three weeks)."""
    for ahead in range(1, 22):
        candidate = day + timedelta(days=ahead)
        if is_briefing_day(team, candidate):
            return candidate
    return None


def briefing_days_between(team: Team, first: date, last: date) -> list[date]:
    """The team's briefing days from `first` to `last`, both included, oldest first."""
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [d for d in days if is_briefing_day(team, d)]


def briefing_days_back(team: Team, day: date, count: int) -> list[date]:
    """`count` briefing days ending with `day` (if it is one), newest first."""
    found: list[date] = []
    candidate = day
    for _ in range(count * 7 + 21):
        if is_briefing_day(team, candidate):
            found.append(candidate)
            if len(found) == count:
                break
        candidate -= timedelta(days=1)
    return found


def first_briefing_day_of_month(team: Team, year: int, month: int) -> date | None:
    day = date(year, month, 1)
    while day.month == month:
        if is_briefing_day(team, day):
            return day
        day += timedelta(days=1)
    return None


def at_local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The aware UTC instant of a local wall-clock time on a local date.

    Clock changes (PEP 495, fold=0): a time that does not exist (spring forward) is taken
    with the offset before the change, i.e. an hour later on the new wall clock; an
    ambiguous one (autumn) is its first occurrence.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def local_day(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()
