"""What the officer types for a card's input: the question asked, and the answer read."""

from __future__ import annotations

from bot.chat.cards import CardInput


def question(card_input: CardInput) -> str:
    if card_input.choices:
        many = "numbers, comma-separated" if card_input.multi else "a number"
        return f"choose {many}, empty = leave blank"
    if card_input.kind == "Input.Toggle":
        return "y/n, empty = leave as it is"
    return f"{card_input.hint}, empty = leave blank"


def parse_answer(card_input: CardInput, raw: str) -> tuple[str, str | None]:
    """(value to send, problem); an empty answer keeps the card's own value."""
    if raw == "":
        if card_input.kind == "Input.Toggle":
            return card_input.value or card_input.value_off, None
        return card_input.value or "", None
    if card_input.kind == "Input.Toggle":
        word = raw.lower()
        if word in ("y", "yes", "true", "on", "1"):
            return card_input.value_on, None
        if word in ("n", "no", "false", "off", "0"):
            return card_input.value_off, None
        return "", "answer y or n"
    if not card_input.choices:
        return raw, None
    picked = (
        [_choice(card_input, part.strip()) for part in raw.split(",")]
        if card_input.multi
        else [_choice(card_input, raw)]
    )
    if any(p is None for p in picked):
        return "", f"not one of the choices 1-{len(card_input.choices)}"
    return ",".join(p for p in picked if p is not None), None


def _choice(card_input: CardInput, answer: str) -> str | None:
    """A choice by its number, value or title."""
    if answer.isdecimal() and 1 <= int(answer) <= len(card_input.choices):
        return card_input.choices[int(answer) - 1][1]
    for title, value in card_input.choices:
        if answer.lower() in (title.lower(), value.lower()):
            return value
    return None
