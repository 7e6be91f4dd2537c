"""Render a neutral `Card` as an Adaptive Card (schema 1.5, what Teams renders)."""

from __future__ import annotations

from typing import Any

from dialogs.core import Card, Field, Section

ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def to_adaptive(card: Card) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": card.title,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    for section in card.sections:
        body.extend(_section(section))
    body.extend(_field(f) for f in card.fields)
    actions: list[dict[str, Any]] = [
        {"type": "Action.Submit", "title": a.title, "data": dict(a.data)}
        | ({"style": a.style} if a.style != "default" else {})
        for a in card.actions
    ]
    actions.extend({"type": "Action.OpenUrl", "title": t, "url": u} for t, u in card.links)
    adaptive: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": "1.5",
        "body": body,
    }
    if actions:
        adaptive["actions"] = actions
    return adaptive


def attachment(card: Card) -> dict[str, Any]:
    return {"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "content": to_adaptive(card)}


def _section(section: Section) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if section.heading:
        items.append(
            {
                "type": "TextBlock",
                "text": section.heading,
                "weight": "Bolder",
                "wrap": True,
                "spacing": "Medium",
            }
        )
    items.extend({"type": "TextBlock", "text": line, "wrap": True} for line in section.lines)
    if section.facts:
        items.append(
            {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in section.facts]}
        )
    return items


def _field(field: Field) -> dict[str, Any]:
    base: dict[str, Any] = {"id": field.id, "label": field.label, "isRequired": field.required}
    if field.kind == "choice":
        item = base | {
            "type": "Input.ChoiceSet",
            "style": "compact",
            "choices": [{"title": t, "value": v} for v, t in field.choices],
        }
    elif field.kind == "number":
        item = base | {"type": "Input.Number"}
        if field.minimum is not None:
            item["min"] = field.minimum
        if field.maximum is not None:
            item["max"] = field.maximum
    elif field.kind == "toggle":
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
    if field.value is not None:
        item["value"] = field.value
    return item
