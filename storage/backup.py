"""A consistent copy of the store while the service runs (`pcso-bot db backup`).

SQLite: the database is in WAL mode, so the `.db` file alone is not the database while the
service runs (recent commits may still be in `-wal`). SQLite's online backup API copies a
consistent snapshot, WAL included, into one self-contained file; the copy is then checked
(`PRAGMA integrity_check`) and switched out of WAL mode so it is complete on its own.

PostgreSQL: `pg_dump --format=custom`, the server's own consistent dump, restored with
`pg_restore`. It must be installed on the machine that runs the command (Debian:
`postgresql-client`), at least the server's major version.

Either way the copy is written beside the target under a temporary name and renamed into
place only once it is complete, so a failed backup never leaves a truncated file behind.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

__all__ = ["Backup", "BackupError", "backup"]


class BackupError(Exception):
    """The backup could not be made: one line saying why; nothing was written."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int
    kind: str  # "sqlite" or "pg_dump"


def backup(database_url: str, out: Path, *, overwrite: bool = False) -> Backup:
    """Copy the database at `database_url` to `out`."""
    out = out.expanduser().absolute()
    if out.exists() and not overwrite:
        raise BackupError(f"{out} already exists: choose another --out or add --overwrite")
    if not out.parent.is_dir():
        raise BackupError(f"{out.parent}: no such directory")
    url = make_url(database_url)
    partial = out.with_name(f".{out.name}.partial")
    try:
        if url.get_backend_name() == "sqlite":
            kind = "sqlite"
            _sqlite(url.database or "", partial)
        elif url.get_backend_name() == "postgresql":
            kind = "pg_dump"
            _pg_dump(_libpq(url), partial)
        else:
            raise BackupError(f"cannot back up a {url.get_backend_name()} database")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(path=out, size=out.stat().st_size, kind=kind)


def _sqlite(database: str, partial: Path) -> None:
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL names no SQLite file to back up")
    source_path = Path(database)
    if not source_path.is_file():
        raise BackupError(f"no database at {source_path.absolute()}")
    partial.unlink(missing_ok=True)
    try:
        # Read-only URI: a backup must never create or change the database it copies.
        source = sqlite3.connect(f"{source_path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(partial)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")
                (verdict,) = target.execute("PRAGMA integrity_check").fetchone()
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as error:
        raise BackupError(f"SQLite backup of {source_path} failed: {error}") from error
    if verdict != "ok":
        raise BackupError(f"the copy of {source_path} failed its integrity check: {verdict}")


def _libpq(url: URL) -> URL:
    """The URL as libpq (pg_dump) reads it: asyncpg's `ssl=` is libpq's `sslmode=`."""
    plain = url.set(drivername="postgresql")
    if "ssl" in plain.query:
        mode = plain.query["ssl"]
        plain = plain.difference_update_query(["ssl"]).update_query_dict({"sslmode": mode})
    return plain


def _pg_dump(url: URL, partial: Path) -> None:
    """The password goes to pg_dump in its environment, never on its command line (which
    any user of the machine can read)."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError(
            "pg_dump is not installed: install the PostgreSQL client (Debian: postgresql-client)"
        )
    try:
        done = subprocess.run(
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                f"--file={partial}",
                f"--dbname={url.set(password=None).render_as_string(hide_password=False)}",
            ],
            env={**os.environ, **({"PGPASSWORD": url.password} if url.password else {})},
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as error:
        raise BackupError(f"could not run pg_dump: {error}") from error
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"pg_dump failed: {reason}")
