"""Contract tests for `DatabaseStorage`, the botbuilder `Storage` on the database.

Every test runs on SQLite and PostgreSQL through the `sessions` fixture.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import jsonpickle
import pytest
from botbuilder.core import ConversationState, StoreItem, TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import (
    Dialog,
    DialogInstance,
    DialogSet,
    DialogState,
    DialogTurnStatus,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.dialogs.dialog_turn_result import DialogTurnResult
from botframework.connector import Channels
from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.db import create_engine, create_sessionmaker
from storage.models import StateItem, utcnow
from storage.state import MAX_KEY_LENGTH, DatabaseStorage, EtagConflictError

WRITERS = 10


class Counter(StoreItem):
    """A StoreItem-style object; module level so jsonpickle can import it back."""

    def __init__(self, count: int = 0, e_tag: str | None = None) -> None:
        super().__init__()
        self.count = count
        self.e_tag = e_tag


@pytest.fixture
def storage(sessions: async_sessionmaker[AsyncSession]) -> DatabaseStorage:
    return DatabaseStorage(sessions)


async def stored_row(sessions: async_sessionmaker[AsyncSession], key: str) -> StateItem | None:
    async with sessions() as session:
        return await session.scalar(select(StateItem).where(StateItem.key == key))


async def read_one(storage: DatabaseStorage, key: str) -> Any:
    items = await storage.read([key])
    assert key in items, f"{key!r} was not stored"
    return items[key]


async def test_read_of_missing_keys_is_empty(storage: DatabaseStorage) -> None:
    assert await storage.read(["missing", "also-missing"]) == {}
    assert await storage.read([]) == {}


async def test_read_returns_only_existing_keys(storage: DatabaseStorage) -> None:
    await storage.write({"here": {"n": 1}})

    items: dict[str, Any] = await storage.read(["here", "missing", "here"])

    assert list(items) == ["here"]
    assert items["here"]["n"] == 1


async def test_dict_round_trips_with_stored_etag(
    storage: DatabaseStorage, sessions: async_sessionmaker[AsyncSession]
) -> None:
    value = {"count": 3, "names": ["Ava", "Bo"], "nested": {"on": True, "none": None}}
    await storage.write({"dict": value})

    loaded = await read_one(storage, "dict")

    row = await stored_row(sessions, "dict")
    assert row is not None
    assert loaded.pop("e_tag") == row.etag
    assert loaded == value


async def test_object_round_trips_with_stored_etag(
    storage: DatabaseStorage, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await storage.write({"object": Counter(count=7)})

    loaded = await read_one(storage, "object")

    row = await stored_row(sessions, "object")
    assert row is not None
    assert isinstance(loaded, Counter)
    assert loaded.count == 7
    assert loaded.e_tag == row.etag


async def test_dialog_state_inside_a_dict_round_trips(storage: DatabaseStorage) -> None:
    stack = [DialogInstance(id="waterfall", state={"stepIndex": 1, "values": {"a": 2}})]
    await storage.write({"conversation": {"DialogState": DialogState(stack)}})

    loaded = await read_one(storage, "conversation")

    dialog_state = loaded["DialogState"]
    assert isinstance(dialog_state, DialogState)
    assert len(dialog_state.dialog_stack) == 1
    instance = dialog_state.dialog_stack[0]
    assert isinstance(instance, DialogInstance)
    assert instance.id == "waterfall"
    assert instance.state == {"stepIndex": 1, "values": {"a": 2}}


async def test_odd_keys_round_trip(storage: DatabaseStorage) -> None:
    odd = '!@#$%^&*()_+??><":QASD~`/é'
    longest = "k" * MAX_KEY_LENGTH
    await storage.write({odd: {"id": 1}, longest: {"id": 2}})

    items: dict[str, Any] = await storage.read([odd, longest])

    assert items[odd]["id"] == 1
    assert items[longest]["id"] == 2


async def test_every_write_assigns_a_new_etag(storage: DatabaseStorage) -> None:
    seen: set[str] = set()
    for count in range(3):
        await storage.write({"item": {"count": count}})
        loaded = await read_one(storage, "item")
        assert isinstance(loaded["e_tag"], str)
        assert loaded["e_tag"]
        seen.add(loaded["e_tag"])
    assert len(seen) == 3


async def test_write_with_current_etag_succeeds(storage: DatabaseStorage) -> None:
    await storage.write({"item": {"count": 1}})
    loaded = await read_one(storage, "item")
    first_etag = loaded["e_tag"]

    loaded["count"] = 2
    await storage.write({"item": loaded})

    reloaded = await read_one(storage, "item")
    assert reloaded["count"] == 2
    assert reloaded["e_tag"] != first_etag


async def test_write_with_current_etag_succeeds_for_objects(storage: DatabaseStorage) -> None:
    await storage.write({"item": Counter(count=1)})
    loaded = await read_one(storage, "item")

    loaded.count = 2
    await storage.write({"item": loaded})

    assert (await read_one(storage, "item")).count == 2


async def test_stale_etag_raises_and_keeps_the_stored_value(
    storage: DatabaseStorage, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await storage.write({"item": {"count": 1}})
    stale = await read_one(storage, "item")
    fresh = await read_one(storage, "item")
    fresh["count"] = 2
    await storage.write({"item": fresh})
    before = await stored_row(sessions, "item")

    stale["count"] = 99
    with pytest.raises(KeyError, match="Etag conflict"):
        await storage.write({"item": stale})

    after = await stored_row(sessions, "item")
    assert before is not None and after is not None
    assert (after.etag, after.data) == (before.etag, before.data)
    assert (await read_one(storage, "item"))["count"] == 2


async def test_stale_etag_raises_for_objects(storage: DatabaseStorage) -> None:
    await storage.write({"item": Counter(count=1)})
    stale = await read_one(storage, "item")
    fresh = await read_one(storage, "item")
    fresh.count = 2
    await storage.write({"item": fresh})

    stale.count = 99
    with pytest.raises(EtagConflictError):
        await storage.write({"item": stale})

    assert (await read_one(storage, "item")).count == 2


@pytest.mark.parametrize("etag", ["*", None, "absent"])
async def test_wildcard_or_missing_etag_overwrites(
    storage: DatabaseStorage, etag: str | None
) -> None:
    await storage.write({"item": {"count": 1}})
    current = await read_one(storage, "item")
    await storage.write({"item": {**current, "count": 2}})

    blind: dict[str, Any] = {"count": 3}
    if etag != "absent":
        blind["e_tag"] = etag
    await storage.write({"item": blind})

    assert (await read_one(storage, "item"))["count"] == 3


async def test_wildcard_etag_overwrites_objects(storage: DatabaseStorage) -> None:
    await storage.write({"item": Counter(count=1)})
    await storage.write({"item": Counter(count=2, e_tag="*")})

    assert (await read_one(storage, "item")).count == 2


async def test_etag_for_a_missing_key_creates_it(storage: DatabaseStorage) -> None:
    """As in MemoryStorage: an eTag only conflicts with a stored item that differs."""
    await storage.write({"item": {"count": 1, "e_tag": "from-a-deleted-row"}})

    assert (await read_one(storage, "item"))["count"] == 1


async def test_empty_etag_is_refused(storage: DatabaseStorage) -> None:
    await storage.write({"item": {"count": 1}})

    with pytest.raises(ValueError, match="e_tag"):
        await storage.write({"item": {"count": 2, "e_tag": ""}})

    assert (await read_one(storage, "item"))["count"] == 1


async def test_multi_key_write_is_all_or_nothing(
    storage: DatabaseStorage, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await storage.write({"kept": {"v": "old"}, "contested": {"v": "old"}})
    stale = await read_one(storage, "contested")
    fresh = await read_one(storage, "contested")
    await storage.write({"contested": {**fresh, "v": "theirs"}})
    kept_before = await stored_row(sessions, "kept")

    with pytest.raises(EtagConflictError):
        await storage.write(
            {
                "brand-new": {"v": "mine"},
                "kept": {"v": "mine"},
                "contested": {**stale, "v": "mine"},
            }
        )

    items: dict[str, Any] = await storage.read(["brand-new", "kept", "contested"])
    assert "brand-new" not in items
    assert items["kept"]["v"] == "old"
    assert items["contested"]["v"] == "theirs"
    kept_after = await stored_row(sessions, "kept")
    assert kept_before is not None and kept_after is not None
    assert kept_after.etag == kept_before.etag


async def test_multi_key_write_writes_every_item(storage: DatabaseStorage) -> None:
    await storage.write({"batch1": {"count": 10}, "batch2": {"count": 20}})
    current = await read_one(storage, "batch1")

    await storage.write({"batch1": {**current, "count": 11}, "batch3": Counter(count=30)})

    items: dict[str, Any] = await storage.read(["batch1", "batch2", "batch3"])
    assert items["batch1"]["count"] == 11
    assert items["batch2"]["count"] == 20
    assert items["batch3"].count == 30


async def test_written_item_carries_the_new_etag(storage: DatabaseStorage) -> None:
    """A state object saved twice in one turn must not conflict with its own first save."""
    await storage.write({"item": {"count": 1}})
    state = await read_one(storage, "item")

    state["count"] = 2
    await storage.write({"item": state})
    assert state["e_tag"] == (await read_one(storage, "item"))["e_tag"]
    state["count"] = 3
    await storage.write({"item": state})

    assert (await read_one(storage, "item"))["count"] == 3


async def test_unconditional_items_keep_their_etag(storage: DatabaseStorage) -> None:
    wildcard = {"count": 1, "e_tag": "*"}
    plain = {"count": 1}

    await storage.write({"wildcard": wildcard, "plain": plain})

    assert wildcard["e_tag"] == "*"
    assert "e_tag" not in plain


async def test_delete(storage: DatabaseStorage) -> None:
    await storage.write({"gone": {"id": 1}, "stays": {"id": 2}})

    await storage.delete(["gone", "never-existed"])

    items = await storage.read(["gone", "stays"])
    assert list(items) == ["stays"]
    await storage.delete([])
    await storage.delete({"stays"})
    assert await storage.read(["stays"]) == {}


async def test_write_after_delete_recreates(storage: DatabaseStorage) -> None:
    await storage.write({"item": {"count": 1}})
    old = await read_one(storage, "item")
    await storage.delete(["item"])

    await storage.write({"item": {"count": 5}})

    again = await read_one(storage, "item")
    assert again["count"] == 5
    assert again["e_tag"] != old["e_tag"]


async def test_empty_writes_do_nothing(
    storage: DatabaseStorage, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await storage.write({})
    await storage.write([])  # type: ignore[arg-type]

    async with sessions() as session:
        assert (await session.scalars(select(StateItem))).all() == []


async def test_none_arguments_raise_type_error(storage: DatabaseStorage) -> None:
    with pytest.raises(TypeError, match="Keys are required when reading"):
        await storage.read(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Changes are required when writing"):
        await storage.write(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Keys are required when deleting"):
        await storage.delete(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["", "k" * (MAX_KEY_LENGTH + 1), 42, None])
async def test_invalid_keys_raise_value_error(storage: DatabaseStorage, key: Any) -> None:
    with pytest.raises(ValueError, match="keys"):
        await storage.read([key])
    with pytest.raises(ValueError, match="keys"):
        await storage.write({key: {"id": 1}})
    with pytest.raises(ValueError, match="keys"):
        await storage.delete([key])


async def test_a_single_string_is_not_a_key_list(storage: DatabaseStorage) -> None:
    with pytest.raises(TypeError):
        await storage.read("item")
    with pytest.raises(TypeError):
        await storage.delete("item")


@asynccontextmanager
async def gate(engine: AsyncEngine, key: str, *, create: bool) -> AsyncIterator[None]:
    """Hold `key` in an open transaction so racing writers pile up on it, then commit.

    With `create`, the gate inserts the row (writers find no row, then collide on insert);
    otherwise it touches the existing row without changing its eTag. On PostgreSQL that
    is a row lock; on SQLite, the database write lock.
    """
    async with engine.connect() as connection:
        transaction = await connection.begin()
        if create:
            await connection.execute(
                insert(StateItem).values(
                    key=key,
                    etag="gate",
                    data=jsonpickle.encode({"winner": "gate"}),
                    updated_at=utcnow(),
                )
            )
        else:
            await connection.execute(
                update(StateItem).where(StateItem.key == key).values(updated_at=utcnow())
            )
        yield
        await transaction.commit()


async def wait_for_blocked_writers(engine: AsyncEngine, count: int) -> None:
    """Return once `count` sessions wait on a lock (PostgreSQL) or after a pause (SQLite)."""
    if engine.dialect.name != "postgresql":
        await asyncio.sleep(0.5)
        return
    waiting_sql = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(200):
        async with engine.connect() as connection:
            if await connection.scalar(waiting_sql) >= count:
                return
        await asyncio.sleep(0.05)
    pytest.fail(f"{count} writers never blocked on the gate")


async def race(
    engine: AsyncEngine, key: str, create: bool, writes: list[Coroutine[Any, Any, int]]
) -> list[int | BaseException]:
    """Run `writes` concurrently, all held at the database until every one is in flight."""
    async with gate(engine, key, create=create):
        racing = asyncio.gather(*writes, return_exceptions=True)
        await wait_for_blocked_writers(engine, len(writes))
    return list(await racing)


def writers(engine: AsyncEngine) -> list[DatabaseStorage]:
    """Independent storages, each with its own session factory, like separate processes."""
    return [DatabaseStorage(create_sessionmaker(engine)) for _ in range(WRITERS)]


async def write_and_report(storage: DatabaseStorage, key: str, item: Any, number: int) -> int:
    await storage.write({key: item})
    return number


async def test_concurrent_writers_with_the_same_etag_one_wins(
    engine: AsyncEngine, storage: DatabaseStorage
) -> None:
    await storage.write({"contested": {"winner": None}})
    racers = writers(engine)
    snapshots: list[dict[str, Any]] = await asyncio.gather(
        *(racer.read(["contested"]) for racer in racers)
    )
    etags = {snapshot["contested"]["e_tag"] for snapshot in snapshots}
    assert len(etags) == 1

    writes = []
    for number, (racer, snapshot) in enumerate(zip(racers, snapshots, strict=True)):
        item = {**snapshot["contested"], "winner": number}
        writes.append(write_and_report(racer, "contested", item, number))
    outcomes = await race(engine, "contested", False, writes)

    winners = [outcome for outcome in outcomes if isinstance(outcome, int)]
    losers = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert len(winners) == 1, outcomes
    assert len(losers) == WRITERS - 1
    assert all(isinstance(loser, EtagConflictError) for loser in losers), losers
    stored = await read_one(storage, "contested")
    assert stored["winner"] == winners[0]
    assert stored["e_tag"] not in etags


async def test_conditional_writer_losing_an_insert_race_gets_a_conflict(
    engine: AsyncEngine, storage: DatabaseStorage
) -> None:
    """Writers with an eTag find no row, then collide with a concurrent insert of the key."""
    writes = [
        write_and_report(racer, "fresh", {"winner": number, "e_tag": "seen-earlier"}, number)
        for number, racer in enumerate(writers(engine))
    ]

    outcomes = await race(engine, "fresh", True, writes)

    assert all(isinstance(outcome, EtagConflictError) for outcome in outcomes), outcomes
    assert (await read_one(storage, "fresh"))["winner"] == "gate"


async def test_blind_writer_losing_an_insert_race_overwrites(
    engine: AsyncEngine, storage: DatabaseStorage
) -> None:
    """Writers without an eTag collide with a concurrent insert and retry as an overwrite."""
    racers = writers(engine)
    writes = [
        write_and_report(racer, "shared", {"winner": number}, number)
        for number, racer in enumerate(racers)
    ]

    outcomes = await race(engine, "shared", True, writes)

    assert outcomes == list(range(WRITERS))
    stored = await read_one(storage, "shared")
    assert stored["winner"] in range(WRITERS)
    assert stored["e_tag"] != "gate"


async def counting_turns(storage: DatabaseStorage, messages: list[str]) -> list[str]:
    """Run one bot 'process' over `messages`; it replies with a per-conversation count.

    Each turn saves twice, as a turn that saves mid-way and again at the end does.
    """
    conversation_state = ConversationState(storage)
    counter = conversation_state.create_property("counter")
    last_seen = conversation_state.create_property("last_seen")

    async def logic(context: TurnContext) -> None:
        value = await counter.get(context, lambda: {"turns": 0})
        value["turns"] += 1
        await conversation_state.save_changes(context)
        await context.send_activity(f"{context.activity.text} #{value['turns']}")
        await last_seen.set(context, context.activity.text)
        await conversation_state.save_changes(context)

    adapter = TestAdapter(logic)
    for message in messages:
        await adapter.send(message)
    return [activity.text for activity in adapter.activity_buffer]


async def test_conversation_state_survives_a_restart(
    storage: DatabaseStorage, database_url: str
) -> None:
    assert await counting_turns(storage, ["a", "b"]) == ["a #1", "b #2"]

    restarted = create_engine(database_url)
    try:
        replies = await counting_turns(DatabaseStorage(create_sessionmaker(restarted)), ["c"])
    finally:
        await restarted.dispose()

    assert replies == ["c #3"]
    stored: dict[str, Any] = await storage.read([f"{Channels.test}/conversations/Convo1"])
    assert stored
    state = next(iter(stored.values()))
    assert state["counter"] == {"turns": 3}
    assert state["last_seen"] == "c"


async def waterfall_turn(storage: DatabaseStorage, message: str) -> list[str]:
    """One turn of a three-step waterfall, on a freshly built bot over `storage`."""
    conversation_state = ConversationState(storage)
    dialogs = DialogSet(conversation_state.create_property("DialogState"))

    async def step(step_context: WaterfallStepContext) -> DialogTurnResult:
        await step_context.context.send_activity(f"step {step_context.index + 1}")
        if step_context.index == 2:
            return await step_context.end_dialog()
        return Dialog.end_of_turn

    dialogs.add(WaterfallDialog("steps", [step, step, step]))

    async def logic(context: TurnContext) -> None:
        dialog_context = await dialogs.create_context(context)
        result = await dialog_context.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await dialog_context.begin_dialog("steps")
        await conversation_state.save_changes(context)

    adapter = TestAdapter(logic)
    await adapter.send(message)
    return [activity.text for activity in adapter.activity_buffer]


async def test_dialog_stack_survives_restarts(
    storage: DatabaseStorage, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert await waterfall_turn(storage, "hi") == ["step 1"]
    assert await waterfall_turn(DatabaseStorage(sessions), "next") == ["step 2"]
    assert await waterfall_turn(DatabaseStorage(sessions), "next") == ["step 3"]
    assert await waterfall_turn(DatabaseStorage(sessions), "again") == ["step 1"]
