"""Render a neutral `Card` or `Reply` as Slack Block Kit.

Each field becomes an `input` block whose `block_id` and element `action_id` are the field's
id, so the `state.values` Slack sends with a button press map back to the store's field
names. A button's `value` is the JSON of its action data (with `verb`); pressing it gives
that data with the inputs merged in, as an Adaptive Card's Action.Submit does in Teams.
Every message also carries a plain-text `text` for notifications and screen readers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from dialogs.core import Action, Card, Field, Fold, Reply, Section, Table

# Block Kit's limits (https://docs.slack.dev/reference/block-kit).
BLOCKS_MAX = 50
HEADER_MAX = 150
SECTION_TEXT_MAX = 3000
SECTION_FIELD_MAX = 2000
FIELDS_PER_SECTION = 10
LABEL_MAX = 2000
HINT_MAX = 2000
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTIONS_MAX = 100
PLACEHOLDER_MAX = 150
INPUT_LENGTH_MAX = 3000
ELEMENTS_PER_ACTIONS = 25
FALLBACK_MAX = 3000

TOGGLE_ON = "true"
TOGGLE_OFF = "false"
BUTTON_STYLES = {"positive": "primary", "destructive": "danger"}


def message(reply: Reply) -> dict[str, Any]:
    """`text` and `blocks` for chat.postMessage / chat.update."""
    if reply.card is None:
        return {"text": escape(reply.text or "")}
    blocks = to_blocks(reply.card)
    if reply.text:
        blocks.insert(0, _mrkdwn_section(escape(reply.text)))
    _check_count(blocks, reply.card)
    # The notification shows the start of `text`: the card's summary comes first.
    parts = (reply.card.summary, reply.text, fallback_text(reply.card))
    fallback = "\n".join(t for t in parts if t)
    return {"text": escape(_clip(fallback, FALLBACK_MAX)), "blocks": blocks}


def to_blocks(card: Card) -> list[dict[str, Any]]:
    """Title, sections, inputs, folded inputs, buttons, then folded details after a
    divider (Slack has nothing to fold with: the details are simply shown last)."""
    ids = _Ids()
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(card.title, HEADER_MAX)},
    ]
    for section in card.sections:
        blocks.extend(_section(section, ids))
    blocks.extend(_input(field) for field in card.fields)
    for fold in card.more:
        blocks.extend(_fold(fold, ids))
    blocks.extend(_actions(card, ids))
    for fold in card.details:
        blocks.extend(_fold(fold, ids))
    _check_count(blocks, card)
    return blocks


class _Ids:
    """Unique block ids for the buttons of one message."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return f"actions-{self.count - 1}"


def _fold(fold: Fold, ids: _Ids) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "divider"}, _mrkdwn_section(f"*{escape(fold.title)}*")]
    for section in fold.sections:
        blocks.extend(_section(section, ids))
    blocks.extend(_input(field) for field in fold.fields)
    return blocks


def _check_count(blocks: list[dict[str, Any]], card: Card) -> None:
    if len(blocks) > BLOCKS_MAX:
        raise ValueError(
            f"card {card.title!r} needs {len(blocks)} blocks; Slack allows {BLOCKS_MAX}"
        )


def fallback_text(card: Card) -> str:
    """The card as plain lines: title, headings, lines and facts."""
    lines = [card.title]
    sections = [*card.sections, *(s for fold in card.details for s in fold.sections)]
    for section in sections:
        if section.heading:
            lines.append(section.heading)
        lines.extend(section.lines)
        lines.extend(f"{name}: {value}" for name, value in section.facts)
        if section.table is not None:
            lines.extend(_table_lines(section.table))
    return "\n".join(lines)


def escape(text: str) -> str:
    """The three characters Slack's mrkdwn reserves for links and mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# --- sections ----------------------------------------------------------------------------


def _section(section: Section, ids: _Ids) -> list[dict[str, Any]]:
    parts = [f"*{escape(section.heading)}*"] if section.heading else []
    parts.extend(escape(line) for line in section.lines)
    blocks = [_mrkdwn_section(chunk) for chunk in _chunks("\n".join(parts), SECTION_TEXT_MAX)]
    facts = [
        {"type": "mrkdwn", "text": _clip(f"*{escape(k)}*\n{escape(v)}", SECTION_FIELD_MAX)}
        for k, v in section.facts
    ]
    for start in range(0, len(facts), FIELDS_PER_SECTION):
        blocks.append({"type": "section", "fields": facts[start : start + FIELDS_PER_SECTION]})
    if section.table is not None:
        table = "\n".join(_table_lines(section.table))
        blocks.extend(_mrkdwn_section(f"```{escape(c)}```") for c in _chunks(table, 2990))
    elements = [_button(action) for action in section.actions]
    elements.extend(_link(title, url) for title, url in section.links)
    if len(elements) == 1 and blocks and "text" in blocks[-1] and not section.facts:
        # One button beside its text (a section's accessory): one block, not two.
        blocks[-1]["accessory"] = elements[0] | {"action_id": f"action-{ids.next()}"}
    else:
        blocks.extend(_action_blocks(elements, ids))
    return blocks


def _table_lines(table: Table) -> list[str]:
    """The table as aligned plain-text columns (Slack has no tables)."""
    rows = [table.columns, *table.rows]
    widths = [max(len(row[i]) if i < len(row) else 0 for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip()
        for row in rows
    ]


def _mrkdwn_section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, SECTION_TEXT_MAX)}}


def _chunks(text: str, size: int) -> Iterator[str]:
    """Text split at line breaks into pieces of at most `size` characters."""
    piece = ""
    for line in text.splitlines():
        if piece and len(piece) + 1 + len(line) > size:
            yield piece
            piece = ""
        piece = f"{piece}\n{line}" if piece else _clip(line, size)
    if piece.strip():
        yield piece


# --- inputs ------------------------------------------------------------------------------


def _input(field: Field) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.id,
        "label": _plain(field.label, LABEL_MAX),
        "element": _element(field),
        "optional": not field.required,
    }
    hint = _hint(field)
    if hint:
        block["hint"] = _plain(hint, HINT_MAX)
    return block


def _element(field: Field) -> dict[str, Any]:
    if field.kind == "choice":
        return _select(field)
    if field.kind == "number":
        return _number(field)
    if field.kind == "toggle":
        return _checkbox(field)
    if field.kind == "date":
        return _datepicker(field)
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": field.id,
        "multiline": field.multiline,
    }
    if field.max_length:
        element["max_length"] = min(field.max_length, INPUT_LENGTH_MAX)
    if field.value:
        element["initial_value"] = field.value
    if field.placeholder:
        element["placeholder"] = _plain(field.placeholder, PLACEHOLDER_MAX)
    return element


def _select(field: Field) -> dict[str, Any]:
    """A choice; one of several choices (`several`) keeps its value comma-separated, as
    Teams sends it."""
    options = [_option(value, title) for value, title in field.choices[:OPTIONS_MAX]]
    element: dict[str, Any] = {
        "type": "multi_static_select" if field.several else "static_select",
        "action_id": field.id,
        "placeholder": _plain(field.placeholder or "Choose", PLACEHOLDER_MAX),
        "options": options,
    }
    chosen = {v.strip() for v in (field.value or "").split(",")} if field.several else {field.value}
    initial = [o for o in options if o["value"] in chosen]
    if initial and field.several:
        element["initial_options"] = initial
    elif initial:
        element["initial_option"] = initial[0]
    return element


def _number(field: Field) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "number_input",
        "action_id": field.id,
        "is_decimal_allowed": False,
    }
    if field.number is not None:
        element["initial_value"] = str(field.number)
    if field.minimum is not None:
        element["min_value"] = str(field.minimum)
    if field.maximum is not None:
        element["max_value"] = str(field.maximum)
    if field.placeholder:
        element["placeholder"] = _plain(field.placeholder, PLACEHOLDER_MAX)
    return element


def _checkbox(field: Field) -> dict[str, Any]:
    option = _option(TOGGLE_ON, field.label)
    element: dict[str, Any] = {"type": "checkboxes", "action_id": field.id, "options": [option]}
    if field.value == TOGGLE_ON:
        element["initial_options"] = [option]
    return element


def _datepicker(field: Field) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "datepicker",
        "action_id": field.id,
        "placeholder": _plain(field.placeholder or "Choose a date", PLACEHOLDER_MAX),
    }
    if field.value and _is_date(field.value):
        element["initial_date"] = field.value
    return element


def _option(value: str, title: str) -> dict[str, Any]:
    if len(value) > OPTION_VALUE_MAX:
        raise ValueError(f"choice value {value[:20]!r}… is longer than Slack allows")
    return {"text": _plain(title, OPTION_TEXT_MAX), "value": value}


def _hint(field: Field) -> str:
    """Adaptive Cards enforce a number's range; Slack has only text, so say the range."""
    if field.kind != "number":
        return ""
    if field.minimum is not None and field.maximum is not None:
        return f"A whole number from {field.minimum} to {field.maximum}."
    return "A whole number."


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


# --- buttons -----------------------------------------------------------------------------


def _actions(card: Card, ids: _Ids) -> list[dict[str, Any]]:
    """The card's buttons and links; then each button with its own form, below a divider
    with the form's inputs above it (Slack has no form that opens under a button)."""
    elements = [_button(action) for action in card.actions if not action.fields]
    elements.extend(_link(title, url) for title, url in card.links)
    blocks = _action_blocks(elements, ids)
    for action in card.actions:
        if action.fields:
            blocks.append({"type": "divider"})
            blocks.extend(_input(field) for field in action.fields)
            blocks.extend(_action_blocks([_button(action)], ids))
    return blocks


def _link(title: str, url: str) -> dict[str, Any]:
    return {"type": "button", "text": _plain(title, BUTTON_TEXT_MAX), "url": url}


def _action_blocks(elements: list[dict[str, Any]], ids: _Ids) -> list[dict[str, Any]]:
    """Buttons in `actions` blocks of at most 25, each button's action id unique."""
    blocks = []
    for start in range(0, len(elements), ELEMENTS_PER_ACTIONS):
        block_id = ids.next()
        chunk = [
            e | {"action_id": f"{'link' if 'url' in e else 'action'}-{block_id[8:]}-{n}"}
            for n, e in enumerate(elements[start : start + ELEMENTS_PER_ACTIONS])
        ]
        blocks.append({"type": "actions", "block_id": block_id, "elements": chunk})
    return blocks


def _button(action: Action, *, title: str | None = None) -> dict[str, Any]:
    value = json.dumps(dict(action.data), separators=(",", ":"), ensure_ascii=False)
    if len(value) > BUTTON_VALUE_MAX:
        raise ValueError(
            f"button {action.title!r} carries {len(value)} characters of data; "
            f"Slack allows {BUTTON_VALUE_MAX}"
        )
    button: dict[str, Any] = {
        "type": "button",
        "text": _plain(title or action.title, BUTTON_TEXT_MAX),
        "value": value,
    }
    if action.style in BUTTON_STYLES:
        button["style"] = BUTTON_STYLES[action.style]
    return button


# --- text objects ------------------------------------------------------------------------


def _plain(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": _clip(text, limit) or " ", "emoji": True}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
