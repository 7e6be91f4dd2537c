"""The five daily counts (whole numbers 0–999) and the notes field, shared by every return.

Used by PCSO daily returns and team-leader returns alike: `parse_counts` takes the submitted
data and gives back validated ints, or raises `UserError` naming every bad field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from dialogs.core import Field, UserError

COUNT_FIELDS = (
    "cads_attended",
    "themis_updated",
    "intel_submitted",
    "engagements",
    "vulnerable_engagements",
)
"""The column names of the five counts, in every table that stores a return."""
MAX_COUNT = 999
NOTES_LIMIT = 1000
COUNT_LABELS = {
    "cads_attended": "CADs attended",
    "themis_updated": "Themis cases updated",
    "intel_submitted": "Intelligence reports submitted",
    "engagements": "Community engagements",
    "vulnerable_engagements": "Engagements with vulnerable people",
}
NOTES_HINT = (
    "References only (CAD, case or OSARA plan numbers); never names of members of the public."
)
_WHOLE = re.compile(r"^[+-]?\d+$")


def parse_counts(data: Mapping[str, Any]) -> dict[str, int]:
    """Each of COUNT_FIELDS as an int 0–999; one `UserError` naming every bad field."""
    counts: dict[str, int] = {}
    problems: list[str] = []
    for name in COUNT_FIELDS:
        value, problem = _count(COUNT_LABELS[name], data.get(name))
        if problem:
            problems.append(problem)
        else:
            counts[name] = value
    if problems:
        raise UserError("Nothing saved. " + " ".join(problems))
    return counts


def counts_from_words(words: Sequence[str]) -> dict[str, int]:
    """Typed counts, in the card's order: five numbers separated by spaces."""
    if len(words) != len(COUNT_FIELDS):
        order = ", ".join(COUNT_LABELS[n].lower() for n in COUNT_FIELDS)
        raise UserError(f"Nothing saved. Type five whole numbers, in this order: {order}.")
    return parse_counts(dict(zip(COUNT_FIELDS, words, strict=True)))


def too_long(text: str, limit: int, label: str | None = None) -> str | None:
    """The problem with free text longer than `limit` characters, or None: the one wording
    for every length-limited field (`label` names it; notes by default)."""
    if len(text) <= limit:
        return None
    if label is None:
        return f"Notes are limited to {limit} characters; yours has {len(text)}."
    return f"{label} is limited to {limit} characters; it has {len(text)}."


def parse_notes(
    data: Mapping[str, Any],
    name: str = "notes",
    limit: int = NOTES_LIMIT,
    label: str | None = None,
) -> str | None:
    """Optional free text `data[name]`, trimmed; None when empty; `UserError` beyond `limit`
    characters (see `too_long`)."""
    raw = data.get(name)
    if raw is None:
        return None
    text = str(raw).strip()
    problem = too_long(text, limit, label)
    if problem:
        raise UserError(f"Nothing saved. {problem}")
    return text or None


def count_facts(counts: Mapping[str, int]) -> tuple[tuple[str, str], ...]:
    """(label, value) for each of the five counts, in their usual order."""
    return tuple((COUNT_LABELS[name], str(counts[name])) for name in COUNT_FIELDS)


def count_values(row: object) -> dict[str, int]:
    """The five counts of a stored return (a PCSO return row)."""
    return {name: int(getattr(row, name)) for name in COUNT_FIELDS}


def count_fields(values: Mapping[str, int] | None = None) -> tuple[Field, ...]:
    """Number inputs for the five counts, pre-filled with `values` (or 0)."""
    return tuple(
        Field(
            id=name,
            label=COUNT_LABELS[name],
            kind="number",
            minimum=0,
            maximum=MAX_COUNT,
            value=str((values or {}).get(name, 0)),
            required=True,
        )
        for name in COUNT_FIELDS
    )


def notes_field(value: str | None = None, limit: int = NOTES_LIMIT) -> Field:
    return Field(
        id="notes",
        label=f"Notes (optional, up to {limit} characters)",
        multiline=True,
        max_length=limit,
        placeholder=NOTES_HINT,
        value=value,
    )


def _count(label: str, raw: Any) -> tuple[int, str | None]:
    if isinstance(raw, bool):
        return 0, f"{label} must be a whole number from 0 to {MAX_COUNT}."
    if isinstance(raw, int):
        text = str(raw)
    elif isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    else:
        text = "" if raw is None else str(raw).strip()
    if not text:
        return 0, f"{label} is missing: enter a whole number from 0 to {MAX_COUNT}."
    if not _WHOLE.match(text):
        return 0, f"{label} must be a whole number from 0 to {MAX_COUNT}, not '{text[:20]}'."
    value = int(text)
    if value < 0:
        return 0, f"{label} cannot be negative."
    if value > MAX_COUNT:
        return 0, f"{label} cannot be more than {MAX_COUNT}."
    return value, None
