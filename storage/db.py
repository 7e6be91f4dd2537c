"""Engine and session factory. One engine per process, one session per turn or job."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# The async drivers the store runs on, and the plain names operators write for them.
DRIVERS = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql"}


def shown_url(url: str) -> str:
    """The database URL as an operator writes it (`sqlite:///…`, `postgresql://…`), without
    its password; even a URL that does not parse keeps its password hidden."""
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # e.g. a port that is not a number
        return re.sub(r"(//[^/@:]*:)[^/@]*@", r"\1***@", url)
    plain = DRIVERS.get(parsed.drivername, parsed.drivername)
    return parsed.set(drivername=plain).render_as_string(hide_password=True)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str) -> Path | None:
    """The file an SQLite URL names, made absolute against the working directory; None for
    another backend, an in-memory database or a `file:` URI.

    SQLite creates a missing file when it connects: callers that must not create one check
    this path first.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).absolute()


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, a busy timeout, foreign keys and real transactions."""
    # A failed statement's error quotes its parameters (what an officer typed, names) unless
    # told not to, and errors are logged: they never are (bot/logs.py).
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Take transaction control away from the sqlite3 driver (SQLAlchemy's documented recipe).

    Left to itself the driver opens a transaction only at the first write, so a SAVEPOINT
    issued before it becomes the outer transaction and its RELEASE commits on the spot: a
    failed turn would leave its "processed" marker behind.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front, so concurrent writers queue on the busy
    # timeout instead of failing when a read transaction later tries to write (WAL).
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
