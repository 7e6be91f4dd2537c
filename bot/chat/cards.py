"""Adaptive Cards as text: title, text, facts, inputs and numbered buttons.

A button remembers the inputs the card sends with it and what pressing it posts back
(an Action.Submit's data, an imBack's or messageBack's text), as Teams would.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
FOLDED = "  > "
_ESCAPED = re.compile(r"^(\s*)(?:(\d+)\\([.)])|\\([-+*]))", re.MULTILINE)


def unescape(text: str) -> str:
    """A line escaped so Markdown would not make it a list ("1\\. ") as written ("1. ")."""
    return _ESCAPED.sub(
        lambda m: m.group(1) + (m.group(2) or "") + (m.group(3) or m.group(4)), text
    )


@dataclass(frozen=True)
class CardInput:
    """One input of a card, as the terminal asks for it."""

    id: str
    kind: str  # the Adaptive Card type, e.g. "Input.ChoiceSet"
    label: str
    choices: tuple[tuple[str, str], ...] = ()  # (title, value)
    multi: bool = False
    value: str | None = None
    required: bool = False
    value_on: str = "true"
    value_off: str = "false"
    hint: str = ""

    def describe(self) -> str:
        """One line for the card rendering, e.g. `[field: attendance] Reason: sick | court`."""
        text = f"[field: {self.id}] {self.label.rstrip(':')}"
        if self.choices:
            text += ": " + " | ".join(value for _, value in self.choices)
        elif self.hint:
            text += f" ({self.hint})"
        if self.multi:
            text += " (choose several)"
        if self.value not in (None, ""):
            text += f" [now: {self.value}]"
        if self.required:
            text += " (required)"
        return text


@dataclass(frozen=True)
class Button:
    """An Action.Submit or Action.Execute, numbered from 1 in the order the card shows them."""

    number: int
    title: str
    data: Any = None
    verb: str | None = None  # Action.Execute's verb, sent in the data
    inputs: tuple[CardInput, ...] = ()  # what the card sends with it

    def label(self) -> str:
        return f"[{self.number}] {self.title}"

    def submission(self, values: dict[str, str]) -> tuple[str | None, dict[str, Any] | None]:
        """The message activity's `text` and `value` when the button is pressed."""
        data = self.data
        if isinstance(data, str):
            return data, dict(values) or None
        data = dict(data) if isinstance(data, dict) else {}
        found = data.get("msteams")
        teams: dict[str, Any] = found if isinstance(found, dict) else {}
        if teams.get("type") == "imBack":
            return str(teams.get("value") or ""), None
        if teams.get("type") == "messageBack":
            back = teams.get("value")
            return teams.get("text"), back if isinstance(back, dict) else None
        value = {**data, **values}
        if self.verb:
            value["verb"] = self.verb
        return None, value


def render_card(card: dict[str, Any]) -> tuple[str, list[Button]]:
    """An Adaptive Card as readable text (title, text, facts, inputs, numbered buttons)."""
    renderer = _CardRenderer()
    renderer.card(card, scope=())
    return "\n".join(renderer.lines), renderer.buttons


@dataclass
class _CardRenderer:
    lines: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    _titled: bool = False
    _folds: dict[str, str] = field(default_factory=dict)  # hidden element id -> its button

    def card(self, card: dict[str, Any], *, scope: tuple[CardInput, ...], prefix: str = "") -> None:
        inputs = scope + tuple(_inputs_in(card.get("body") or []))
        self.elements(card.get("body") or [], inputs, prefix)
        self.actions(card.get("actions") or [], inputs, prefix)

    def elements(self, elements: Iterable[Any], inputs: tuple[CardInput, ...], prefix: str) -> None:
        for element in elements:
            if not isinstance(element, dict):
                continue
            if element.get("isVisible", True) is not False:
                self.element(element, inputs, prefix)
            elif str(element.get("id")) in self._folds:
                # A terminal cannot fold: what the button would show is shown under it.
                self.element(element, inputs, prefix + FOLDED)

    def element(self, element: dict[str, Any], inputs: tuple[CardInput, ...], prefix: str) -> None:
        kind = element.get("type", "")
        if kind == "TextBlock":
            self.text(str(element.get("text") or ""), element, prefix)
        elif kind == "RichTextBlock":
            self.text("".join(_inline_text(i) for i in element.get("inlines") or []), {}, prefix)
        elif kind == "FactSet":
            for fact in element.get("facts") or []:
                title, value = unescape(str(fact.get("title", ""))), fact.get("value", "")
                self.line(prefix, f"{title}: {unescape(str(value))}")
        elif kind.startswith("Input."):
            self.line(prefix, _card_input(element).describe())
        elif kind == "ActionSet":
            self.actions(element.get("actions") or [], inputs, prefix)
        elif kind == "ColumnSet":
            for column in element.get("columns") or []:
                self.elements(column.get("items") or [], inputs, prefix)
        elif kind == "Table":
            self.table(element, prefix)
        elif kind in ("Image", "Media") and element.get("altText"):
            self.line(prefix, f"[image: {element['altText']}]")
        else:
            self.elements(element.get("items") or [], inputs, prefix)

    def text(self, text: str, element: dict[str, Any], prefix: str) -> None:
        text = unescape(text)
        if not text.strip():
            return
        if not self._titled:
            self._titled = True
            self.line(prefix, f"== {text.strip()} ==")
        elif element.get("weight", "").lower() == "bolder" or element.get("style") == "heading":
            self.line(prefix, f"-- {text.strip()} --")
        else:
            for line in text.splitlines():
                self.line(prefix, line)

    def table(self, table: dict[str, Any], prefix: str) -> None:
        for row in table.get("rows") or []:
            cells = [
                unescape(_plain_text(cell.get("items") or [])) for cell in row.get("cells") or []
            ]
            self.line(prefix, " | ".join(cells))

    def actions(self, actions: Iterable[Any], inputs: tuple[CardInput, ...], prefix: str) -> None:
        row: list[str] = []
        for action in actions:
            if not isinstance(action, dict):
                continue
            kind = action.get("type")
            title = str(action.get("title") or action.get("verb") or "(untitled)")
            if kind in ("Action.Submit", "Action.Execute"):
                button = self.button(action, title, inputs)
                row.append(button.label())
            elif kind == "Action.OpenUrl":
                self.flush(row, prefix)
                self.line(prefix, f"[link] {title}: {action.get('url', '')}")
            elif kind == "Action.ShowCard" and isinstance(action.get("card"), dict):
                self.flush(row, prefix)
                self.line(prefix, f"{title}:")
                self.card(action["card"], scope=inputs, prefix=prefix + FOLDED)
            elif kind == "Action.ToggleVisibility":
                self.flush(row, prefix)
                self.line(prefix, f"{title}:")
                for target in action.get("targetElements") or []:
                    key = target.get("elementId") if isinstance(target, dict) else target
                    self._folds[str(key)] = title
        self.flush(row, prefix)

    def button(self, action: dict[str, Any], title: str, inputs: tuple[CardInput, ...]) -> Button:
        associated = str(action.get("associatedInputs") or "auto").lower()
        button = Button(
            number=len(self.buttons) + 1,
            title=title,
            data=action.get("data"),
            verb=action.get("verb") if action.get("type") == "Action.Execute" else None,
            inputs=() if associated == "none" else inputs,
        )
        self.buttons.append(button)
        return button

    def flush(self, row: list[str], prefix: str) -> None:
        if row:
            self.line(prefix, "  ".join(row))
            row.clear()

    def line(self, prefix: str, text: str) -> None:
        self.lines.append(prefix + text)


def _inputs_in(elements: Iterable[Any]) -> Iterator[CardInput]:
    """Every input in a card body (not inside Action.ShowCard cards), in order."""
    for element in elements:
        if not isinstance(element, dict):
            continue
        if str(element.get("type", "")).startswith("Input.") and element.get("id"):
            yield _card_input(element)
        yield from _inputs_in(element.get("items") or [])
        for column in element.get("columns") or []:
            yield from _inputs_in(column.get("items") or [])


def _card_input(element: dict[str, Any]) -> CardInput:
    kind = str(element.get("type"))
    label = str(element.get("label") or element.get("title") or element.get("placeholder") or "")
    value = element.get("value")
    common: dict[str, Any] = {
        "id": str(element.get("id") or "?"),
        "kind": kind,
        "label": label or str(element.get("id") or "input"),
        "value": None if value is None else str(value),
        "required": bool(element.get("isRequired")),
    }
    if kind == "Input.ChoiceSet":
        choices = tuple(
            (str(c.get("title") or c.get("value")), str(c.get("value")))
            for c in element.get("choices") or []
            if isinstance(c, dict)
        )
        return CardInput(**common, choices=choices, multi=bool(element.get("isMultiSelect")))
    if kind == "Input.Toggle":
        return CardInput(
            **common,
            value_on=str(element.get("valueOn", "true")),
            value_off=str(element.get("valueOff", "false")),
            hint="yes/no",
        )
    return CardInput(**common, hint=_input_hint(kind, element))


def _input_hint(kind: str, element: dict[str, Any]) -> str:
    if kind == "Input.Number":
        low, high = element.get("min"), element.get("max")
        if low is not None and high is not None:
            return f"number, {low}-{high}"
        return "number"
    if kind == "Input.Date":
        return "date, YYYY-MM-DD"
    if kind == "Input.Time":
        return "time, HH:MM"
    if element.get("maxLength"):
        return f"text, up to {element['maxLength']} characters"
    return "text"


def _inline_text(inline: Any) -> str:
    if isinstance(inline, str):
        return inline
    return str(inline.get("text") or "") if isinstance(inline, dict) else ""


def _plain_text(elements: Iterable[Any]) -> str:
    texts = []
    for element in elements:
        if isinstance(element, dict) and element.get("type") == "TextBlock":
            texts.append(str(element.get("text") or ""))
    return " ".join(texts)


def adaptive_cards(activity: dict[str, Any]) -> list[dict[str, Any]]:
    """The Adaptive Cards attached to an activity."""
    return [
        a["content"]
        for a in activity.get("attachments") or []
        if isinstance(a, dict) and a.get("contentType") == ADAPTIVE_CARD
        if isinstance(a.get("content"), dict)
    ]
