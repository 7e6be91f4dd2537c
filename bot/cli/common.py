"""What the `pcso-bot` commands share: settings, the operator's name, input and output files,
and the database, checked before anything uses it.

Only `pcso-bot db upgrade` may create a database. Every other command opens it through
`database` (directly, or through `in_transaction` or `require_migrated`), which checks in
order, each failure a `CommandError` (exit status 2) naming the fix: DATABASE_URL is set, is
a URL, names SQLite or PostgreSQL; an SQLite file is there (SQLite would create it on
connect); the server answers; the database is at this code's migrations.
"""

from __future__ import annotations

import getpass
import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

from bot.cli.errors import describe
from bot.errors import CommandError, OperationFailed
from bot.settings import Settings
from storage.db import DRIVERS, shown_url

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

__all__ = [
    "CommandError",
    "OperationFailed",
    "OutputFile",
    "database",
    "database_url",
    "in_transaction",
    "load_settings",
    "operator",
    "read_csv",
    "rejected",
    "require_migrated",
    "safe_url",
    "shown_url",
]

T = TypeVar("T")

EXAMPLES = "sqlite:////var/lib/pcso-bot/pcso.db or postgresql://user@host/db"  # 4 slashes: absolute
# The async drivers `Settings` picks for the URLs operators write, and those URLs' schemes.
UPGRADE = "run `pcso-bot db upgrade` first"


def load_settings() -> Settings:
    return Settings()


def operator() -> str:
    """Who ran the command, for the audit log (the login behind sudo, if any)."""
    return f"cli:{os.environ.get('SUDO_USER') or getpass.getuser()}"


# Files


def read_csv(path: Path) -> str:
    """The text of an input file the operator named: a path that cannot be read is theirs to
    fix (exit 2); a file that is not text is a bad file (exit 1, nothing imported)."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise CommandError(f"{path}: no such file") from error
    except IsADirectoryError as error:
        raise CommandError(f"{path}: is a directory, not a CSV file") from error
    except PermissionError as error:
        raise CommandError(f"{path}: cannot read it (permission denied)") from error
    except UnicodeDecodeError as error:
        raise OperationFailed(
            f"{path}: not UTF-8 text (save it as CSV UTF-8); nothing imported"
        ) from error


def rejected(path: Path, problems: Sequence[str]) -> OperationFailed:
    """A file with bad rows: each problem on its own line, then what happened (nothing)."""
    return OperationFailed(
        f"{path}: nothing imported ({len(problems)} problem(s))",
        details=[f"{path}: {problem}" for problem in problems],
    )


class OutputFile:
    """A file written beside its target under a temporary name and renamed into place only
    once complete, so a failed command leaves nothing (or the old file) behind.

    Opening it tests the path before any work is done: a directory that does not exist or
    cannot be written is a `CommandError` (exit 2); failing to write later (a full disk) is an
    `OperationFailed` (exit 1).
    """

    def __init__(self, target: Path, *, option: str = "--out") -> None:
        self.target = target
        if target.is_dir():
            raise CommandError(f"{option} {target} is a directory: name a file in it")
        folder = target.parent
        try:
            handle, temporary = tempfile.mkstemp(
                dir=folder, prefix=f".{target.name}.", suffix=".partial"
            )
        except (FileNotFoundError, NotADirectoryError) as error:
            raise CommandError(
                f"{option} {target}: no such directory {folder}: create it or choose another "
                f"{option}"
            ) from error
        except OSError as error:
            raise CommandError(
                f"{option} {target}: cannot write in {folder} ({error.strerror}): "
                f"choose another {option}"
            ) from error
        self._temporary = Path(temporary)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(handle, 0o666 & ~mask)  # as an ordinary new file, not mkstemp's 0600
        self._file = os.fdopen(handle, "w", encoding="utf-8", newline="")

    def write(self, text: str) -> None:
        try:
            self._file.write(text)
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as error:
            raise OperationFailed(f"cannot write {self.target}: {error.strerror}") from error

    def commit(self) -> None:
        """Put the written file in place of the target."""
        self._file.close()
        try:
            os.replace(self._temporary, self.target)
        except OSError as error:
            raise OperationFailed(f"cannot write {self.target}: {error.strerror}") from error

    def discard(self) -> None:
        self._file.close()
        self._temporary.unlink(missing_ok=True)

    def __enter__(self) -> OutputFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is not None:
            self.discard()


# The database


def safe_url(settings: Settings) -> str:
    """The configured database URL without its password."""
    return shown_url(settings.database_url)


def database_url(settings: Settings, *, create: bool = False) -> str:
    """The configured URL once it is known to be usable; with `create` (db upgrade only) an
    SQLite file may be missing if its directory is there, otherwise it must exist."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from storage.db import sqlite_file

    url = settings.database_url.strip()
    if not url:
        raise CommandError(
            "DATABASE_URL is not set: set it in the environment or in .env, e.g. "
            f"DATABASE_URL={EXAMPLES.replace(' or ', ' or DATABASE_URL=')}"
        )
    try:
        drivername = make_url(url).drivername
    except (ArgumentError, ValueError) as error:
        raise CommandError(
            f"DATABASE_URL {shown_url(url)!r} is not a database URL: use e.g. {EXAMPLES}"
        ) from error
    if drivername not in DRIVERS:
        raise CommandError(
            f"DATABASE_URL {shown_url(url)} is not a database pcso-bot can use: "
            f"use SQLite or PostgreSQL, e.g. {EXAMPLES}"
        )
    path = sqlite_file(url)
    if path is not None and not path.exists():
        if not create:
            raise CommandError(f"no database at {path} (DATABASE_URL={shown_url(url)}): {UPGRADE}")
        if not path.parent.is_dir():
            raise CommandError(
                f"cannot create the database {path}: no such directory {path.parent} "
                "(create it, or fix DATABASE_URL)"
            )
        if not os.access(path.parent, os.W_OK):
            raise CommandError(
                f"cannot create the database {path}: the directory {path.parent} is not "
                "writable (fix its permissions, or DATABASE_URL)"
            )
    return url


def _label(url: str) -> str:
    """The database in a message: an SQLite file by its absolute path."""
    from storage.db import sqlite_file

    path = sqlite_file(url)
    return f"at {path} (DATABASE_URL={shown_url(url)})" if path else shown_url(url)


@asynccontextmanager
async def database(settings: Settings, *, migrating: bool = False) -> AsyncIterator[AsyncEngine]:
    """An engine on the configured database once it is known to be there, reachable and at
    this code's migrations (with `migrating`, for db upgrade: not at a newer one)."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import create_engine
    from storage.migrate import current_heads, expected_heads, known_revisions

    url = database_url(settings, create=migrating)
    engine = create_engine(url)
    try:
        try:
            heads = await current_heads(engine)
        except (SQLAlchemyError, OSError) as error:
            raise CommandError(
                f"cannot connect to the database {_label(url)}: {describe(error)} "
                "— check DATABASE_URL"
            ) from error
        unknown = heads - known_revisions()
        if unknown:
            raise CommandError(
                f"the database {_label(url)} was migrated by a newer pcso-bot (revision "
                f"{', '.join(sorted(unknown))}): run that version, or upgrade this one"
            )
        if not migrating and heads != expected_heads():
            state = "it has no tables" if not heads else "it is at an older revision"
            raise CommandError(f"the database {_label(url)} is not migrated ({state}): {UPGRADE}")
        yield engine
    finally:
        await engine.dispose()


async def require_migrated(settings: Settings) -> None:
    """The checks of `database`, for a command that opens the database itself."""
    async with database(settings):
        pass


async def in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work(session)` in one transaction on the configured database."""
    from storage.db import create_sessionmaker

    async with (
        database(load_settings()) as engine,
        create_sessionmaker(engine)() as session,
        session.begin(),
    ):
        return await work(session)
