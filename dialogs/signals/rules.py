"""The four rules, each over one officer's days in the team's rolling window ending `today`
(thresholds from the team's settings). Each gives the evidence of a signal, or nothing.

The rules look only at the officer's rows that can raise a signal (`History.of_officer`:
vulnerable contacts, need_help, vulnerable engagements) and at the team's briefing days,
worked out once per team (`Window`), so that a force of hundreds of PCSOs costs a few
rows each.

A pattern (repeated vulnerable contact, silence, repeated need_help) once discussed is not
raised again from the same days: only days after the discussion's last day (`after`) count
towards a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from dialogs.calendar import briefing_days_between
from dialogs.signals.history import History, OfficerHistory
from dialogs.signals.kinds import Evidence
from storage.models import Team

Found = tuple[Evidence, ...]


@dataclass(frozen=True)
class Window:
    """A team's windows ending `today`: `signal_window_days` for most rules, and
    `vulnerable_window_days` for repeated vulnerable contact."""

    team: Team
    today: date

    @cached_property
    def signal_first(self) -> date:
        return self.today - timedelta(days=self.team.signal_window_days - 1)

    @cached_property
    def vulnerable_first(self) -> date:
        return self.today - timedelta(days=self.team.vulnerable_window_days - 1)

    @cached_property
    def first(self) -> date:
        return min(self.signal_first, self.vulnerable_first)

    @cached_property
    def briefing_days(self) -> tuple[date, ...]:
        """The team's briefing days of the signal window, latest first (once per team)."""
        return tuple(reversed(briefing_days_between(self.team, self.signal_first, self.today)))


def _after(day: date, after: date | None) -> bool:
    return after is None or day > after


def vulnerable_no_vpc(days: OfficerHistory, window: Window) -> list[Found]:
    """Each day the officer said they engaged with a vulnerable person and the day's BWV
    answer is `no_footage` or missing. Today is left out: its answers are still open
    until the next morning's review."""
    found: list[Found] = []
    for day, (status, vulnerable) in sorted(days.bwv.items()):
        if not window.signal_first <= day < window.today:
            continue
        if vulnerable == "yes" and status in (None, "no_footage"):
            footage = "no footage" if status == "no_footage" else "no category answer"
            found.append((Evidence(day, f"vulnerable contact: yes; BWV: {footage}"),))
    return found


def vulnerable_repeated(
    officer_id: int, days: OfficerHistory, window: Window, history: History, after: date | None
) -> Found | None:
    """Vulnerable contact (BWV yes, or a PCSO return's vulnerable engagements) on at least
    `vulnerable_days` days of `vulnerable_window_days`, counting only days no task with a
    reference assigned to the officer covered."""
    evidence = []
    said_days = {
        *(d for d, (_, vulnerable) in days.bwv.items() if vulnerable == "yes"),
        *days.vulnerable_returns,
    }
    for day in sorted(said_days):
        if not window.vulnerable_first <= day <= window.today or not _after(day, after):
            continue
        if (officer_id, day) in history.referenced:
            continue
        said = []
        if days.bwv.get(day, (None, None))[1] == "yes":
            said.append("vulnerable contact: yes (BWV)")
        engagements = days.vulnerable_returns.get(day, 0)
        if engagements:
            plural = "s" if engagements > 1 else ""
            said.append(f"PCSO return: {engagements} engagement{plural} with vulnerable people")
        evidence.append(Evidence(day, "; ".join([*said, "no tasking reference"])))
    return tuple(evidence) if len(evidence) >= window.team.vulnerable_days else None


def silent(
    officer_id: int, window: Window, history: History, after: date | None, since: date
) -> Found | None:
    """No briefing answer on the last `silent_days` briefing days or more, running up to
    today, on none of them away (the run as far back as the window, the officer's joining
    the roster or the last discussion of it goes)."""
    run: list[date] = []
    first = max(window.signal_first, since)
    answered = history.last_answered.get(officer_id)
    for day in window.briefing_days:
        if day < first:
            break
        if not _after(day, after) or day == answered or (officer_id, day) in history.away:
            break
        run.append(day)
    if len(run) < window.team.silent_days:
        return None
    return tuple(Evidence(day, "no briefing answer") for day in reversed(run))


def bwv_help_repeated(days: OfficerHistory, window: Window, after: date | None) -> Found | None:
    """BWV `need_help` on at least `need_help_days` days of the window."""
    evidence = tuple(
        Evidence(day, "BWV: need help")
        for day, (status, _) in sorted(days.bwv.items())
        if window.signal_first <= day <= window.today
        and _after(day, after)
        and status == "need_help"
    )
    return evidence if len(evidence) >= window.team.need_help_days else None
