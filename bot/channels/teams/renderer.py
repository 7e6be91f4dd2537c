"""Render a neutral `Card` as an Adaptive Card (schema 1.5, what Teams renders).

Buttons are `Action.Execute` (Teams' Universal Actions: the invoke is answered with the
updated card) with an `Action.Submit` fallback for clients without them; both carry the
same data, with its `verb`. At most three buttons share a row, so a phone shows them whole.
Folded content (`Card.more`, `Card.details`) is a hidden container that a
`Action.ToggleVisibility` button shows. Text that would read as a Markdown list ("1. ",
"- ") is escaped, so it shows as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from dialogs.core import Action, Card, Field, Fold, Section, Table

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
BUTTONS_PER_ROW = 3
_NUMBERED = re.compile(r"^(\s*)(\d+)([.)])(?=\s|$)", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)([-+*])(?=\s|$)", re.MULTILINE)


def to_adaptive(card: Card, *, user_id: str | None = None) -> dict[str, Any]:
    """The card; with `user_id` (whoever it is sent to) a `refresh` the card asks for."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": plain(card.title),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
            "style": "heading",
        }
    ]
    for section in card.sections:
        body.extend(_section(section))
    body.extend(_field(f) for f in card.fields)
    for n, fold in enumerate(card.more):
        body.extend(_fold(fold, f"more-{n}"))
    if card.links:
        body.append(_links(card.links))
    actions = [_action(a) for a in card.actions]
    inline = card.details or len(actions) > BUTTONS_PER_ROW
    if inline:
        body.extend(_rows(actions))
    for n, fold in enumerate(card.details):
        body.extend(_fold(fold, f"details-{n}"))
    adaptive: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
    }
    if actions and not inline:
        adaptive["actions"] = actions
    if card.wide or _has_table(card):
        adaptive["msteams"] = {"width": "Full"}
    if card.refresh and user_id:
        data = dict(card.refresh)
        adaptive["refresh"] = {
            "action": {"type": "Action.Execute", "verb": str(data["verb"]), "data": data},
            "userIds": [user_id],
        }
    return adaptive


def attachment(card: Card, *, user_id: str | None = None) -> dict[str, Any]:
    return {
        "contentType": ADAPTIVE_CARD_CONTENT_TYPE,
        "content": to_adaptive(card, user_id=user_id),
    }


def plain(text: str) -> str:
    """Text shown as written: a line starting "1. " or "- " is not made a Markdown list."""
    return _BULLET.sub(r"\1\\\2", _NUMBERED.sub(r"\1\2\\\3", text))


def _has_table(card: Card) -> bool:
    sections = [*card.sections, *(s for f in (*card.more, *card.details) for s in f.sections)]
    return any(s.table is not None for s in sections)


def _section(section: Section) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if section.heading:
        items.append(
            {
                "type": "TextBlock",
                "text": plain(section.heading),
                "weight": "Bolder",
                "wrap": True,
                "spacing": "Medium",
            }
        )
    items.extend({"type": "TextBlock", "text": plain(line), "wrap": True} for line in section.lines)
    if section.facts:
        items.append(
            {
                "type": "FactSet",
                "facts": [{"title": plain(k), "value": plain(v)} for k, v in section.facts],
            }
        )
    if section.table is not None:
        items.append(_table(section.table))
    if section.links:
        items.append(_links(section.links))
    items.extend(_rows([_action(a) for a in section.actions]))
    return items


def _table(table: Table) -> dict[str, Any]:
    def row(cells: Iterable[str], *, header: bool = False) -> dict[str, Any]:
        text: dict[str, Any] = {"type": "TextBlock", "wrap": True}
        if header:
            text["weight"] = "Bolder"
        return {
            "type": "TableRow",
            "cells": [
                {"type": "TableCell", "items": [text | {"text": plain(cell)}]} for cell in cells
            ],
        }

    widths = [2, *([1] * (len(table.columns) - 1))]
    return {
        "type": "Table",
        "columns": [{"width": w} for w in widths],
        "firstRowAsHeader": True,
        "showGridLines": True,
        "gridStyle": "default",
        "rows": [row(table.columns, header=True), *(row(r) for r in table.rows)],
    }


def _fold(fold: Fold, element_id: str) -> list[dict[str, Any]]:
    """A button that shows (or hides again) a hidden container of the fold's content."""
    items: list[dict[str, Any]] = [i for s in fold.sections for i in _section(s)]
    items.extend(_field(f) for f in fold.fields)
    toggle = {
        "type": "Action.ToggleVisibility",
        "title": fold.title,
        "targetElements": [element_id],
    }
    return [
        {"type": "ActionSet", "actions": [toggle]},
        {"type": "Container", "id": element_id, "isVisible": False, "items": items},
    ]


def _links(links: Iterable[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "ActionSet",
        "actions": [{"type": "Action.OpenUrl", "title": t, "url": u} for t, u in links],
    }


def _rows(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Buttons in rows of at most three, so a phone shows each title whole."""
    return [
        {"type": "ActionSet", "actions": actions[start : start + BUTTONS_PER_ROW]}
        for start in range(0, len(actions), BUTTONS_PER_ROW)
    ]


def _action(action: Action) -> dict[str, Any]:
    style: dict[str, str] = {"style": action.style} if action.style != "default" else {}
    if action.fields:
        form = {
            "type": "AdaptiveCard",
            "body": [_field(f) for f in action.fields],
            "actions": [_execute(action.submit, action, {"style": "positive"})],
        }
        return {"type": "Action.ShowCard", "title": action.title, "card": form} | style
    return _execute(action.title, action, style)


def _execute(title: str, action: Action, style: dict[str, str]) -> dict[str, Any]:
    """Action.Execute, and for clients without Universal Actions the same as a Submit."""
    data = dict(action.data)
    submit = {"type": "Action.Submit", "title": title, "data": data} | style
    return {
        "type": "Action.Execute",
        "title": title,
        "verb": action.verb,
        "data": data,
        "fallback": submit,
    } | style


def _field(field: Field) -> dict[str, Any]:
    base: dict[str, Any] = {"id": field.id, "label": field.label, "isRequired": field.required}
    if field.required:
        base["errorMessage"] = field.error or _error(field)
    value: Any = field.value
    if field.kind == "choice":
        # Three choices or fewer show as one-tap radio buttons; more as a drop-down.
        short = len(field.choices) <= BUTTONS_PER_ROW and not field.several
        item = base | {
            "type": "Input.ChoiceSet",
            "style": "expanded" if short else "compact",
            "choices": [{"title": t, "value": v} for v, t in field.choices],
        }
        if field.several:
            item["isMultiSelect"] = True
        if field.placeholder:
            item["placeholder"] = field.placeholder
    elif field.kind == "number":
        item = base | {"type": "Input.Number"}
        if field.minimum is not None:
            item["min"] = field.minimum
        if field.maximum is not None:
            item["max"] = field.maximum
        value = field.number
    elif field.kind == "toggle":
        # The title sits beside the switch; a label as well would say it twice.
        del base["label"]
        item = base | {
            "type": "Input.Toggle",
            "title": field.label,
            "valueOn": "true",
            "valueOff": "false",
        }
    elif field.kind == "date":
        item = base | {"type": "Input.Date"}
    else:
        item = base | {"type": "Input.Text", "isMultiline": field.multiline}
        if field.max_length:
            item["maxLength"] = field.max_length
    if field.placeholder and field.kind in ("text", "number"):
        item["placeholder"] = field.placeholder
    if value is not None:
        item["value"] = value
    return item


def _error(field: Field) -> str:
    """What a required input says when it is left empty (or, for a number, out of range)."""
    name = field.label.split("(")[0].strip().rstrip(":") or "This"
    if field.kind == "number":
        low = 0 if field.minimum is None else field.minimum
        high = "" if field.maximum is None else f" to {field.maximum}"
        return f"{name}: enter a whole number from {low}{high}."
    if field.kind == "choice":
        return f"{name}: choose one."
    if field.kind == "date":
        return f"{name}: choose a date."
    return f"{name}: fill this in."
