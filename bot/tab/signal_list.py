"""Signals on the tab's pages: each with its evidence, never a verdict (`dialogs.signals`);
the open ones first, then those marked discussed, with who marked them, when and the note."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from markupsafe import Markup

from bot.tab.html import el, link
from dialogs.signals import Signal
from dialogs.signals.kinds import TITLES
from dialogs.wording import local_hhmm, short_day

SHOWN_DISCUSSED = 25
"""The most discussed signals a page lists (newest first); it says how many more there are."""


def open_signals(signals: Sequence[Signal], *, heading: str = "Open signals") -> Markup:
    found = [s for s in signals if s.open]
    intro = (
        "Patterns to raise with the officer, each with what was recorded; for discussion, "
        "never a finding. Mark one discussed in the chat: discussed KEY note."
    )
    return el(
        "section",
        {"class": "signals open-signals", "data-count": len(found)},
        el("h3", None, f"{heading} ({len(found)})"),
        el("p", {"class": "note"}, intro),
        [_signal(s, None) for s in found] if found else el("p", None, "None open."),
    )


def discussed(signals: Sequence[Signal], zone: ZoneInfo, *, heading: str) -> Markup:
    """The signals marked discussed, newest first, as they were when marked."""
    marked = [s for s in signals if s.discussion is not None]
    more = len(marked) - SHOWN_DISCUSSED
    return el(
        "section",
        {"class": "signals discussed-signals", "data-count": len(marked)},
        el("h3", None, f"{heading} ({len(marked)})"),
        [_signal(s, zone) for s in marked[:SHOWN_DISCUSSED]]
        if marked
        else el("p", None, "None marked discussed."),
        el("p", {"class": "note"}, f"And {more} more.") if more > 0 else None,
    )


def _signal(signal: Signal, zone: ZoneInfo | None) -> Markup:
    who = signal.officer
    evidence = el(
        "ul",
        {"class": "evidence"},
        [
            el("li", {"data-day": e.day.isoformat()}, f"{short_day(e.day)}: {e.text}")
            for e in signal.evidence
        ],
    )
    said = None
    if signal.discussion is not None and zone is not None:
        at = signal.discussion.at.astimezone(zone)
        when = f"{short_day(at.date())} at {local_hhmm(at, zone)}"
        said = el(
            "p",
            {"class": "discussion"},
            f"Discussed — marked by {signal.discussion.by}, {when}: {signal.discussion.note}",
        )
    return el(
        "article",
        {
            "class": "signal" if signal.open else "signal discussed",
            "data-key": signal.key,
            "data-kind": signal.kind,
            "data-collar": who.collar,
        },
        el(
            "h4",
            None,
            link(f"#officer?collar={who.collar}", who.label),
            f" — {TITLES.get(signal.kind, signal.kind)}",
        ),
        el("p", None, signal.summary),
        evidence,
        said,
        el("p", {"class": "key"}, f"Key: {signal.key}"),
    )
