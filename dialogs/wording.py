"""How stored values, days, times and rates read in every card and reply."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo


def spoken(value: str) -> str:
    """A stored value as people type it: 'annual_leave' → 'annual leave'."""
    return value.replace("_", " ")


def short_day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def hhmm(at: time) -> str:
    return at.strftime("%H:%M")


def local_hhmm(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%H:%M")


def rate(part: int, whole: int, unit: str = "") -> str:
    """'90% (18 of 20 answers)', or '—' when nothing was due."""
    if whole == 0:
        return "—"
    of = f"{part} of {whole} {unit}".rstrip()
    return f"{round(100 * part / whole)}% ({of})"
