"""Conversation and dialog state on the database.

`DatabaseStorage` is a botbuilder `Storage` for SDK state objects (`ConversationState`,
`UserState`, dialog stacks) with eTag optimistic concurrency, so a conversation survives a
restart and works across instances. The workflows themselves keep no conversation state:
every card and command carries what it needs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import jsonpickle
from botbuilder.core import Storage
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.models import StateItem, utcnow

ETAG_ANY = "*"
MAX_KEY_LENGTH = 255
_OVERWRITE_ATTEMPTS = 5


def new_etag() -> str:
    return uuid.uuid4().hex


class EtagConflictError(KeyError):
    """A conditional write lost: the stored item changed since the caller read it."""


class DatabaseStorage(Storage):
    """botbuilder `Storage` on the `bot_state` table.

    Semantics follow `MemoryStorage`: an item without an eTag, or with `"*"`, is written
    unconditionally; an item with any other eTag is written only if the stored row still has
    that eTag (or does not exist), else `EtagConflictError`. Every write stores a fresh eTag,
    and `read` returns it as the item's `e_tag`. Values are stored as jsonpickle text, as
    botbuilder's BlobStorage does, so `StoreItem`s and dialog state round-trip; decoding
    instantiates the classes named in the data, so the database must be trusted.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def read(self, keys: Iterable[str]) -> dict[str, object]:
        if keys is None:
            raise TypeError("Keys are required when reading")
        wanted = _checked_keys(keys)
        if not wanted:
            return {}
        statement = select(StateItem.key, StateItem.etag, StateItem.data).where(
            StateItem.key.in_(wanted)
        )
        async with self._sessions() as session:
            rows = (await session.execute(statement)).all()
        items: dict[str, object] = {}
        for key, etag, data in rows:
            value = jsonpickle.decode(data, safe=True)
            _set_etag(value, etag)
            items[key] = value
        return items

    async def write(self, changes: Mapping[str, object]) -> None:
        """Write all changes in one transaction: one conflict and nothing is written.

        Items that carried a concrete eTag get the new one set on them afterwards, so a
        second save of the same state object in the same turn does not conflict with itself.
        """
        if changes is None:
            raise TypeError("Changes are required when writing")
        if not changes:
            return
        if not isinstance(changes, Mapping):
            raise TypeError("Changes must be a mapping of keys to items")
        _checked_keys(changes.keys())
        planned = [
            (key, item, _etag_of(item), jsonpickle.encode(item, unpicklable=True), new_etag())
            for key, item in changes.items()
        ]
        now = utcnow()
        async with self._sessions() as session, session.begin():
            for key, _item, expected, data, etag in planned:
                if expected is None or expected == ETAG_ANY:
                    await _overwrite(session, key, etag, data, now)
                else:
                    await _replace(session, key, expected, etag, data, now)
        for _key, item, expected, _data, etag in planned:
            if expected is not None and expected != ETAG_ANY:
                _set_etag(item, etag)

    async def delete(self, keys: Iterable[str]) -> None:
        if keys is None:
            raise TypeError("Keys are required when deleting")
        wanted = _checked_keys(keys)
        if not wanted:
            return
        async with self._sessions() as session, session.begin():
            await session.execute(delete(StateItem).where(StateItem.key.in_(wanted)))


def _checked_keys(keys: Iterable[str]) -> list[str]:
    if isinstance(keys, str | bytes):
        raise TypeError("Keys must be a collection of strings, not a single string")
    unique = list(dict.fromkeys(keys))
    for key in unique:
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
            raise ValueError(
                f"Storage keys must be non-empty strings of at most {MAX_KEY_LENGTH} "
                f"characters, got {key!r:.80}"
            )
    return unique


def _etag_of(item: object) -> str | None:
    etag = item.get("e_tag") if isinstance(item, dict) else getattr(item, "e_tag", None)
    if etag is None:
        return None
    if not isinstance(etag, str):
        raise TypeError(f"e_tag must be a string, got {type(etag).__name__}")
    if not etag:
        raise ValueError("e_tag is empty; use None or '*' for an unconditional write")
    return etag


def _set_etag(item: object, etag: str) -> None:
    """Put the eTag on a dict or object; values that cannot carry one are left as they are."""
    if isinstance(item, dict):
        item["e_tag"] = etag
        return
    try:
        setattr(item, "e_tag", etag)  # noqa: B010
    except (AttributeError, TypeError):
        return


def _values(key: str, etag: str, data: str, now: datetime) -> dict[str, Any]:
    return {"key": key, "etag": etag, "data": data, "updated_at": now}


async def _update(
    session: AsyncSession, key: str, expected: str | None, values: dict[str, Any]
) -> bool:
    statement = update(StateItem).where(StateItem.key == key)
    if expected is not None:
        statement = statement.where(StateItem.etag == expected)
    changed = {name: value for name, value in values.items() if name != "key"}
    result = await session.execute(
        statement.values(changed).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def _insert(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert in a savepoint; False if the key exists (maybe inserted by a concurrent writer)."""
    try:
        async with session.begin_nested():
            await session.execute(insert(StateItem).values(values))
    except IntegrityError:
        return False
    return True


async def _overwrite(session: AsyncSession, key: str, etag: str, data: str, now: datetime) -> None:
    values = _values(key, etag, data, now)
    for _ in range(_OVERWRITE_ATTEMPTS):
        if await _update(session, key, None, values) or await _insert(session, values):
            return
    raise RuntimeError(f"Could not write state {key!r}: it kept appearing and disappearing")


async def _replace(
    session: AsyncSession, key: str, expected: str, etag: str, data: str, now: datetime
) -> None:
    """Conditional write: update only the row still holding `expected`, or create it if absent."""
    values = _values(key, etag, data, now)
    if await _update(session, key, expected, values) or await _insert(session, values):
        return
    raise EtagConflictError(
        f"Etag conflict on {key!r}: the stored item changed since it was read (sent {expected!r})"
    )
