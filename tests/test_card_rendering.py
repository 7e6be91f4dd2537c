"""Every card the bot can send, seen before users see it (issue 12, "Cards officers like").

The gallery (tests/rig/cards.py) draws every card from the real endpoint and jobs: the
Maidstone district's three teams through a Monday and a Tuesday. Then:

- `test_every_card_is_covered_valid_and_fits_slack`: every command, verb and job produced
  a reply; each Adaptive Card is version 1.5, valid against the official 1.5 schema, under
  28 KB, its number inputs given numbers and its required inputs an error message; and its
  Block Kit counterpart (the Slack renderer applied to the same neutral card) keeps to
  Slack's limits (tests/rig/card_checks.py).
- `test_every_card_renders_whole_at_phone_and_desktop_widths`: each card rendered by
  Microsoft's renderer in headless Chromium with Teams' light host config at 375 px and
  560 px (tests/rig/browser.py): the renderer finds nothing wrong with it, nothing is cut
  off or wider than the card, and the sergeant's review of a team of ten fits the phone's
  screen until it is expanded. PNGs and a report go to build/cards/.

Each test reports every problem of every card in one assertion. Without Chromium, node/npm
or the npm packages the rendering test is skipped, saying why; with CI=true it fails.
The cards are the same on both databases, so they are drawn on SQLite only.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.slack import renderer as slack
from bot.settings import Settings
from dialogs.core import Reply
from tests.rig import browser, databases
from tests.rig.card_checks import (
    CARD_MAX_BYTES,
    SchemaUnavailable,
    card_problems,
    coverage_problems,
    slack_problems,
    validator,
)
from tests.rig.cards import (
    MONDAY,
    Gallery,
    at,
    neutral_cards,
    officer_day_in_maidstone,
    setup_district,
)
from tests.rig.connector import FakeConnector
from tests.rig.officer_day import Clock
from tests.rig.teams import TeamsUser

OUT = Path(__file__).parent.parent / "build" / "cards"
# The sergeant's morning review of a team of ten must fit a phone's screen (375 px wide)
# until its details are expanded.
REVIEW_CARD = "review-sergeant"
REVIEW_MAX_HEIGHT = 800
# The renderer's validation events that are advice, not faults.
ADVICE = {"Hint"}

# A card with every fault the rendering checks look for: if one is not reported, a check has
# gone blind (say, the renderer's markup changed) and the test says so.
CANARY = "canary"
CANARY_CARD = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [
        {"type": "TextBlock", "text": "A line that is far too long to fit " * 4, "wrap": False},
        {"type": "Input.Number", "id": "count", "label": "Count", "value": "3"},
        {"type": "Input.Text", "id": "what", "label": "What", "value": "word " * 40},
        {"type": "NoSuchElement", "text": "the renderer's own validation must name it"},
        {
            "type": "ColumnSet",
            "columns": [
                {"type": "Column", "width": "300px", "items": [{"type": "TextBlock", "text": t}]}
                for t in ("left", "right")
            ],
        },
        {
            "type": "Table",
            "columns": [{"width": 1}] * 7,
            "rows": [
                {
                    "type": "TableRow",
                    "cells": [
                        {
                            "type": "TableCell",
                            "items": [{"type": "TextBlock", "text": "Engagements", "wrap": True}],
                        }
                    ]
                    * 7,
                }
            ],
        },
    ],
    "actions": [
        {"type": "Action.Submit", "title": f"A long button title, number {n}", "data": {}}
        for n in range(1, 5)
    ],
}
CANARY_FINDS = {
    "a text cut off": "text ",
    "a button cut off": "button ",
    "an input's value cut off": "is cut off (needs",
    "a number input's value dropped": "is not shown (the renderer dropped it)",
    "a word broken across lines": "break a word across lines",
    "an element wider than the card": "is wider than the card",
}

_drawn: dict[str, Gallery] = {}


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """SQLite only: both databases give the same cards."""
    return databases.sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock(at(MONDAY, 7, 0))


@pytest.fixture
async def gallery(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    connector: FakeConnector,
    teams_user: Callable[..., TeamsUser],
    monkeypatch: pytest.MonkeyPatch,
) -> Gallery:
    """Every card and reply of the scenario, drawn once for both tests."""
    if "maidstone" not in _drawn:
        drawn = Gallery(connector, sessions, settings, clock)
        drawn.neutral = neutral_cards(monkeypatch)
        people = await setup_district(sessions, teams_user, connector)
        await officer_day_in_maidstone(drawn, people)
        _drawn["maidstone"] = drawn
    return _drawn["maidstone"]


def unavailable(reason: str) -> NoReturn:
    """Skip, saying why; on CI (CI=true) a missing tool is a failure instead."""
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(f"CI is set, so this cannot be skipped: {reason}", pytrace=False)
    pytest.skip(reason)


def report(title: str, problems: dict[str, list[str]]) -> str:
    lines = [title]
    for name, found in problems.items():
        lines.append(f"\n{name}:")
        lines.extend(f"  - {problem}" for problem in found)
    return "\n".join(lines)


async def test_every_card_is_covered_valid_and_fits_slack(gallery: Gallery) -> None:
    try:
        validator()
    except SchemaUnavailable as missing:
        unavailable(str(missing))
    problems: dict[str, list[str]] = {}
    coverage = coverage_problems(gallery.router, gallery.replied, gallery.jobs_run)
    if coverage:
        problems["coverage (tests/rig/cards.py must draw a reply from each)"] = coverage
    everything = gallery.everything()
    for captured in everything:
        found = [f"Teams: {p}" for p in card_problems(captured.card)]
        if captured.neutral is None:
            found.append("Slack: no neutral card was recorded for this Adaptive Card")
        else:
            try:
                blocks = slack.message(Reply(text=captured.text, card=captured.neutral))
            except ValueError as error:
                found.append(f"Slack: the renderer refused it: {error}")
            else:
                found.extend(f"Slack: {p}" for p in slack_problems(blocks))
        if found:
            problems[f"{captured.name} ({captured.how}, from {captured.origin})"] = found
    for said in gallery.texts:
        found = slack_problems(slack.message(Reply(text=said.text)))
        if found:
            problems[f"{said.name} (text, from {said.origin})"] = [f"Slack: {p}" for p in found]
    count = f"{len(everything)} cards and {len(gallery.texts)} text replies"
    assert not problems, report(f"Problems in {count}:", problems)


@pytest.fixture
def renderer() -> None:
    """Chromium, the font, node/npm and the renderer (installed now if missing), or skip
    (before the gallery is drawn for nothing)."""
    missing = browser.tools_missing()
    if missing:
        unavailable(f"cards not rendered: {missing}")


async def test_every_card_renders_whole_at_phone_and_desktop_widths(
    renderer: None, gallery: Gallery
) -> None:
    drawn = {c.name: c.card for c in gallery.rendered()}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "cards.json").write_text(json.dumps(drawn, indent=1, ensure_ascii=False))
    rendered = await browser.render(
        {**drawn, CANARY: CANARY_CARD}, OUT, unsaved=frozenset({CANARY})
    )
    problems: dict[str, list[str]] = {}
    canary = next(card for card in rendered if card.name == CANARY)
    rendered.remove(canary)
    blind = canary_missed(canary)
    if blind:
        problems["the checks themselves"] = blind
    heights: list[tuple[str, int | None, int | None]] = []
    for card in rendered:
        found = [f"could not render: {card.error}"] if card.error else []
        found += [
            f"renderer ({e['where']}): {e['event']}: {e['message']}"
            for e in card.events
            if e["event"] not in ADVICE
        ]
        for width in browser.WIDTHS:
            collapsed = card.frame(width)
            seen = set(collapsed.problems) if collapsed else set()
            found += [f"{width} px: {p}" for p in sorted(seen)]
            for frame in card.frames:
                if frame.width == width and frame.state != "collapsed":
                    found += [
                        f"{width} px, {frame.state}: {p}" for p in frame.problems if p not in seen
                    ]
        phone, desktop = card.frame(browser.PHONE), card.frame(browser.DESKTOP)
        heights.append(
            (card.name, phone.height if phone else None, desktop.height if desktop else None)
        )
        if card.name == REVIEW_CARD and phone and phone.height > REVIEW_MAX_HEIGHT:
            found.append(
                f"{browser.PHONE} px: {phone.height} px tall until expanded; the review of a "
                f"team of ten must fit {REVIEW_MAX_HEIGHT} px"
            )
        if found:
            problems[card.name] = found
    missing_review = REVIEW_CARD not in drawn
    if missing_review:
        problems[REVIEW_CARD] = ["not drawn: the review's height cannot be checked"]
    table = write_report(rendered, heights, problems)
    print(table)
    assert not problems, report(
        f"Problems rendering {len(drawn)} cards (PNGs and heights in {OUT}):", problems
    )


def canary_missed(canary: browser.Rendered) -> list[str]:
    frame = canary.frame(browser.PHONE)
    found = "\n".join(frame.problems if frame else [])
    missed = [
        f"the canary card's {what} was not reported at {browser.PHONE} px (found: {found!r})"
        for what, words in CANARY_FINDS.items()
        if words not in found
    ]
    if not any(e["event"] == "UnknownElementType" for e in canary.events):
        missed.append(
            f"the renderer's validation did not report an unknown element: {canary.events}"
        )
    return missed


def test_the_checks_catch_what_they_are_for() -> None:
    """The JSON and Slack checks report known faults (so a clean result means something)."""
    try:
        validator()
    except SchemaUnavailable as missing:
        unavailable(str(missing))
    card = {
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": "x" * CARD_MAX_BYTES, "wrapp": True},
            {"type": "Input.Number", "id": "n", "label": "N", "value": "3"},
            {"type": "Input.Text", "id": "t", "label": "T", "isRequired": True},
        ],
    }
    found = "\n".join(card_problems(card))
    for expected in (
        "schema version is '1.4'",
        "bytes of JSON; Teams takes under",
        "schema: body/0: Additional properties are not allowed ('wrapp' was unexpected)",
        "schema: body/1/value: '3' is not of type 'number'",
        "Input.Number 'N' (body/1): value '3' is not a number",
        "Input.Text 'T' (body/2): required but has no errorMessage",
    ):
        assert expected in found, found
    header = {"type": "header", "text": {"type": "mrkdwn", "text": "h" * 151}}
    button = {"type": "button", "action_id": "b", "text": {"type": "plain_text", "text": "t"}}
    payload = {"text": "", "blocks": [header, {"type": "actions", "elements": [button] * 26}]}
    found = "\n".join(slack_problems(payload))
    for expected in (
        "header.text has 151 characters (150 allowed)",
        "header.text must be plain_text, not mrkdwn",
        "elements: 26 (actions.elements allows at most 25)",
        "the message has blocks but no text",
    ):
        assert expected in found, found


def write_report(
    rendered: list[browser.Rendered],
    heights: list[tuple[str, int | None, int | None]],
    problems: dict[str, list[str]],
) -> str:
    """build/cards/report.txt (heights and problems) and index.html (the PNGs)."""
    rows = [f"{'card':<40} {'375 px':>8} {'560 px':>8}  problems"]
    for name, phone, desktop in heights:
        rows.append(
            f"{name:<40} {phone or '-':>8} {desktop or '-':>8}  {len(problems.get(name, []))}"
        )
    table = "Rendered height of each card (px):\n" + "\n".join(rows)
    (OUT / "report.txt").write_text(table + "\n\n" + report("Problems:", problems) + "\n")
    parts = ["<!doctype html><meta charset='utf-8'><title>Cards</title><body>"]
    for card in rendered:
        parts.append(f"<h2>{html.escape(card.name)}</h2>")
        parts.extend(f"<li>{html.escape(p)}</li>" for p in problems.get(card.name, []))
        parts.extend(
            f"<figure style='display:inline-block;vertical-align:top'>"
            f"<img src='{frame.png.name}'><figcaption>{frame.width} px {frame.state}, "
            f"{frame.height} px tall</figcaption></figure>"
            for frame in card.frames
        )
    (OUT / "index.html").write_text("\n".join(parts))
    return table
