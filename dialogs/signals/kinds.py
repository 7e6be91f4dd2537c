"""What a signal is, and how each kind reads: neutral words, never a verdict.

A signal is about one PCSO (or team leader), shows its evidence (the days and what was
recorded on each) and ends "(for discussion)": it is something for the sergeant to raise,
not a finding. Its `key` is short enough to type (`discussed KEY note`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dialogs.people import Person
from dialogs.sections import NEED_HELP, SILENT, VULNERABLE
from dialogs.wording import short_day
from storage.models import Team

VULNERABLE_NO_VPC = "vulnerable_no_vpc"
VULNERABLE_REPEATED = "vulnerable_repeated"
SILENT_KIND = "silent"
BWV_HELP_REPEATED = "bwv_help_repeated"
KINDS = (VULNERABLE_NO_VPC, VULNERABLE_REPEATED, SILENT_KIND, BWV_HELP_REPEATED)

TITLES = {
    VULNERABLE_NO_VPC: "Vulnerable contact without VPC-categorised footage",
    VULNERABLE_REPEATED: "Vulnerable-person contact on several days",
    SILENT_KIND: "No briefing answers",
    BWV_HELP_REPEATED: "BWV help asked on several days",
}
PREFIXES = {
    VULNERABLE_NO_VPC: "vpc",
    VULNERABLE_REPEATED: "vul",
    SILENT_KIND: "sil",
    BWV_HELP_REPEATED: "help",
}
URGENCY = {
    SILENT_KIND: SILENT,
    BWV_HELP_REPEATED: NEED_HELP,
    VULNERABLE_NO_VPC: VULNERABLE,
    VULNERABLE_REPEATED: VULNERABLE,
}
"""Where each kind sits in the review's "Needs your attention" (`dialogs.sections`)."""
FOR_DISCUSSION = "(for discussion)"


@dataclass(frozen=True)
class Evidence:
    day: date
    text: str  # one neutral phrase, e.g. "vulnerable contact: yes; BWV: no footage"


@dataclass(frozen=True)
class Discussion:
    by: str  # "Name (collar)" of whoever marked it
    at: datetime  # aware UTC
    note: str


@dataclass(frozen=True)
class Signal:
    key: str
    kind: str
    officer: Person
    team: Team
    first_day: date
    last_day: date
    evidence: tuple[Evidence, ...]
    summary: str
    discussion: Discussion | None

    @property
    def open(self) -> bool:
        return self.discussion is None

    @property
    def urgency(self) -> int:
        return URGENCY[self.kind]


def signal_key(kind: str, collar: str, last_day: date) -> str:
    """`vpc-p301-2026-11-30`: the kind, the officer and the last day of the evidence."""
    return f"{PREFIXES[kind]}-{collar.strip().lower()}-{last_day.isoformat()}"


def day_span(first: date, last: date) -> str:
    """'Mon 30 Nov 2026', or 'Fri 27 Nov–Tue 1 Dec 2026'."""
    if first == last:
        return short_day(first)
    start = f"{first:%a} {first.day} {first:%b}"
    if first.year != last.year:
        start += f" {first.year}"
    return f"{start}–{short_day(last)}"


def summary(kind: str, who: Person, evidence: Sequence[Evidence], team: Team) -> str:
    """The signal in one neutral line, ending "(for discussion)"."""
    first, last, count = evidence[0].day, evidence[-1].day, len(evidence)
    span = day_span(first, last)
    if kind == VULNERABLE_NO_VPC:
        said = f"{short_day(last)} — {evidence[-1].text}"
    elif kind == VULNERABLE_REPEATED:
        said = (
            f"{count} days in {team.vulnerable_window_days} ({span}), "
            "none covered by a tasking reference"
        )
    elif kind == SILENT_KIND:
        said = f"{count} briefing days running ({span})"
    else:
        said = f"{count} days in {team.signal_window_days} ({span})"
    return f"{TITLES[kind]}: {who.label}, {said} {FOR_DISCUSSION}"


def evidence_json(evidence: Sequence[Evidence]) -> list[dict[str, str]]:
    """The evidence as stored with a discussion (`signal_discussions.evidence`)."""
    return [{"day": e.day.isoformat(), "text": e.text} for e in evidence]


def evidence_from_json(raw: Any) -> tuple[Evidence, ...]:
    return tuple(Evidence(date.fromisoformat(str(e["day"])), str(e["text"])) for e in raw or ())
