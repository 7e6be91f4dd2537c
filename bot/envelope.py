"""What the edge checks before anything reaches a turn or the store.

`parse_json` reads a request body that may be hostile (not UTF-8, not JSON, nested deeper
than any real payload); `unsafe` finds characters no id may hold; and `clean_text` and
`clean_tree` make what a user typed safe to store on SQLite and PostgreSQL alike (no lone
surrogates, no NUL or other control characters, no bidi overrides). All of it is linear in
the size of the input; every channel's transport uses it.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32
# Control characters but tab and newline; bidi embeddings/overrides/isolates; lone surrogates.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


class BadBody(ValueError):
    """The body cannot be read as the JSON it should be: answered 400."""


def parse_json(raw: bytes) -> Any:
    """A request body that should be JSON."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadBody("body is not UTF-8") from error
    return loads(text)


def loads(text: str) -> Any:
    """JSON no deeper than `MAX_DEPTH` (the decoder's own recursion limit is far deeper)."""
    try:
        body = json.loads(text)
    except RecursionError as error:
        raise BadBody(f"body is nested deeper than {MAX_DEPTH} levels") from error
    except json.JSONDecodeError as error:
        raise BadBody("body is not JSON") from error
    if too_deep(body):
        raise BadBody(f"body is nested deeper than {MAX_DEPTH} levels")
    return body


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Deeper than `limit` levels of objects and arrays (iterative: no recursion to exhaust)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return False


def unsafe(text: str) -> bool:
    """True if `text` holds a character that no id or stored name may hold."""
    return _UNSAFE.search(text) is not None


def clean_text(text: str) -> str:
    """What a user typed, safe to store: unsafe characters removed (tab, newline kept)."""
    return _UNSAFE.sub("", text)


def clean_tree(value: Any) -> Any:
    """`clean_text` on every string (keys included) of a JSON value."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(key)): clean_tree(child) for key, child in value.items()}
    if isinstance(value, list):
        return [clean_tree(child) for child in value]
    return value
