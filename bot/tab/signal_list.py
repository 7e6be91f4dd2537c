"""Signals on the tab's pages: each a compact card with its evidence, never a verdict
(`dialogs.signals`); the open ones first, then those marked discussed, with who marked
them, when and the note.

A card says who (a link to their page), the neutral summary, the span in one phrase ("20
briefing days, Wed 4 Nov – Tue 1 Dec"), the evidence folded under a `<details>` (days in a
row with the same entry shown as one line), and how to mark it discussed in the chat.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup

from bot.tab.html import el, link
from dialogs.calendar import is_briefing_day
from dialogs.signals import Evidence, Signal
from dialogs.signals.kinds import (
    BWV_HELP_REPEATED,
    SILENT_KIND,
    TITLES,
    VULNERABLE_NO_VPC,
    VULNERABLE_REPEATED,
)
from dialogs.wording import local_hhmm, short_day
from storage.models import Team

SHOWN_DISCUSSED = 25
"""The most discussed signals a page lists (newest first); it says how many more there are."""
OPEN_EVIDENCE = 3
"""Evidence of up to this many lines is shown unfolded; longer evidence is folded."""
SHORT = {
    SILENT_KIND: "No briefing answers",
    BWV_HELP_REPEATED: "BWV help asked",
    VULNERABLE_REPEATED: "Vulnerable contacts, several days",
    VULNERABLE_NO_VPC: "Vulnerable contact, no VPC footage",
}
"""Each kind in a few words, for the line counting the open signals."""


def open_signals(signals: Sequence[Signal], *, heading: str = "Open signals") -> Markup:
    """The open signals, most urgent first, under a line that counts them by kind."""
    found = [s for s in signals if s.open]
    return el(
        "section",
        {"class": "signals open-signals", "data-count": len(found), "aria-label": heading},
        el("h3", None, f"{heading} ({len(found)})"),
        glance(found),
        el("div", {"class": "signal-list"}, [_signal(s, None) for s in found]) if found else None,
    )


def glance(found: Sequence[Signal]) -> Markup:
    """How many are open, of each kind, and what they are (never a finding)."""
    if not found:
        return el("p", {"class": "glance", "data-open": 0}, "None open.")
    kinds = Counter(s.kind for s in found)
    return el(
        "div",
        {"class": "glance", "data-open": len(found)},
        el(
            "ul",
            {"class": "kinds"},
            [
                el(
                    "li",
                    {"data-kind": kind, "title": TITLES.get(kind, kind)},
                    SHORT.get(kind, kind),
                    " ",
                    el("b", None, n),
                )
                for kind, n in kinds.items()
            ],
        ),
        el(
            "p",
            {"class": "note"},
            "Each is something to raise with the officer, with what was recorded: "
            "for discussion, never a finding.",
        ),
    )


def discussed(signals: Sequence[Signal], zone: ZoneInfo, *, heading: str) -> Markup:
    """The signals marked discussed, newest first, as they were when marked."""
    marked = [s for s in signals if s.discussion is not None]
    more = len(marked) - SHOWN_DISCUSSED
    return el(
        "section",
        {"class": "signals discussed-signals", "data-count": len(marked), "aria-label": heading},
        el("h3", None, f"{heading} ({len(marked)})"),
        el("div", {"class": "signal-list"}, [_signal(s, zone) for s in marked[:SHOWN_DISCUSSED]])
        if marked
        else el("p", {"class": "glance"}, "None marked discussed."),
        el("p", {"class": "note"}, f"And {more} more.") if more > 0 else None,
    )


def _signal(signal: Signal, zone: ZoneInfo | None) -> Markup:
    who = signal.officer
    return el(
        "article",
        {
            "class": "signal" if signal.open else "signal discussed",
            "data-key": signal.key,
            "data-kind": signal.kind,
            "data-collar": who.collar,
        },
        el(
            "header",
            {"class": "signal-head"},
            el("h4", None, link(f"#officer?collar={who.collar}", who.label)),
            el("p", {"class": "signal-kind"}, TITLES.get(signal.kind, signal.kind)),
        ),
        el("p", {"class": "signal-summary"}, signal.summary),
        _evidence(signal),
        _discussion(signal, zone) if zone is not None else None,
        _how_to_mark(signal) if signal.open else _key(signal),
    )


# --- the span and the evidence -----------------------------------------------------------


def span(signal: Signal) -> str:
    """'20 briefing days, Wed 4 Nov – Tue 1 Dec', or the one day: 'Fri 27 Nov'."""
    count = len(_days(signal))
    when = day_range(signal.first_day, signal.last_day)
    if count <= 1:
        return when
    return f"{count} {_noun(signal, count)}, {when}"


def _noun(signal: Signal, count: int) -> str:
    noun = "briefing day" if signal.kind == SILENT_KIND else "day"
    return noun if count == 1 else f"{noun}s"


def _days(signal: Signal) -> set[date]:
    return {e.day for e in signal.evidence} or {signal.first_day, signal.last_day}


def day_range(first: date, last: date) -> str:
    """'Wed 4 Nov – Tue 1 Dec' (the year only where the span crosses one)."""
    if first == last:
        return _day(first, first.year)
    year = first.year if first.year == last.year else None
    return f"{_day(first, year)} – {_day(last, year)}"


def _day(day: date, year: int | None) -> str:
    return f"{day:%a} {day.day} {day:%b}" if year == day.year else short_day(day)


@dataclass(frozen=True)
class Run:
    """Evidence on days in a row (no briefing day between them) that says the same."""

    first: date
    last: date
    days: int
    text: str


def runs(evidence: Sequence[Evidence], team: Team) -> list[Run]:
    """The evidence, days in a row with the same entry made one line."""
    found: list[Run] = []
    for item in sorted(evidence, key=lambda e: e.day):
        last = found[-1] if found else None
        if last and last.text == item.text and _in_a_row(last.last, item.day, team):
            found[-1] = Run(last.first, item.day, last.days + 1, item.text)
        else:
            found.append(Run(item.day, item.day, 1, item.text))
    return found


def _in_a_row(earlier: date, later: date, team: Team) -> bool:
    """No briefing day of the team falls between the two days."""
    if later <= earlier:
        return later == earlier
    between = (earlier + timedelta(days=n) for n in range(1, (later - earlier).days))
    return not any(is_briefing_day(team, day) for day in between)


def _evidence(signal: Signal) -> Markup:
    """The evidence under the span ('20 briefing days, Wed 4 Nov – Tue 1 Dec'), folded
    when it is long."""
    lines = runs(signal.evidence, signal.team)
    items = [
        el(
            "li",
            {
                "data-first": r.first.isoformat(),
                "data-last": r.last.isoformat(),
                "data-days": r.days,
            },
            el("span", {"class": "when"}, _run_when(r, signal)),
            " ",
            r.text,
        )
        for r in lines
    ]
    when = el(
        "span",
        {
            "class": "signal-span",
            "data-first": signal.first_day.isoformat(),
            "data-last": signal.last_day.isoformat(),
            "data-days": len(_days(signal)),
        },
        span(signal),
    )
    return el(
        "details",
        {"class": "evidence", "open": len(lines) <= OPEN_EVIDENCE, "data-lines": len(lines)},
        el("summary", None, "What was recorded: ", when),
        el("ul", None, items),
    )


def _run_when(run: Run, signal: Signal) -> str:
    if run.days == 1:
        return f"{short_day(run.first)}:"
    return f"{day_range(run.first, run.last)} ({run.days} {_noun(signal, run.days)}):"


# --- discussing it -----------------------------------------------------------------------


def _how_to_mark(signal: Signal) -> Markup:
    return el(
        "p",
        {"class": "signal-act"},
        "To mark it discussed, in the chat: ",
        el("code", {"class": "command"}, f"discussed {signal.key} your note"),
    )


def _key(signal: Signal) -> Markup:
    return el("p", {"class": "signal-act"}, "Key ", el("code", None, signal.key))


def _discussion(signal: Signal, zone: ZoneInfo) -> Markup | None:
    said = signal.discussion
    if said is None:
        return None
    at = said.at.astimezone(zone)
    when = f"{short_day(at.date())} at {local_hhmm(at, zone)}"
    return el(
        "div",
        {"class": "discussion"},
        el("p", {"class": "discussion-who"}, f"Discussed — marked by {said.by}, {when}:"),
        el("blockquote", {"class": "discussion-note"}, said.note),
    )
