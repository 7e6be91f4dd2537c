"""What the `pcso-bot` commands share: settings, the operator's name, the database."""

from __future__ import annotations

import getpass
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.errors import CommandError
from bot.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

__all__ = [
    "CommandError",
    "in_transaction",
    "load_settings",
    "operator",
    "read_csv",
    "require_migrated",
    "safe_url",
]

T = TypeVar("T")


def load_settings() -> Settings:
    return Settings()


def operator() -> str:
    """Who ran the command, for the audit log (the login behind sudo, if any)."""
    return f"cli:{os.environ.get('SUDO_USER') or getpass.getuser()}"


def read_csv(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise CommandError(f"{path}: no such file") from error
    except UnicodeDecodeError as error:
        raise CommandError(f"{path}: not UTF-8 text") from error


async def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work(session)` in one transaction on the configured database."""
    from storage.db import create_engine, create_sessionmaker

    engine = create_engine(load_settings().database_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


async def require_migrated(settings: Settings) -> None:
    from storage.db import create_engine
    from storage.migrate import current_heads, expected_heads

    engine = create_engine(settings.database_url)
    try:
        heads = await current_heads(engine)
    except Exception as error:
        raise CommandError(f"cannot open the database ({safe_url(settings)}): {error}") from error
    finally:
        await engine.dispose()
    if heads != expected_heads():
        raise CommandError("the database is not up to date: run `pcso-bot db upgrade` first")


def safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)
