"""`pcso-bot db upgrade`: create or migrate the database (Alembic); `pcso-bot db backup
--out FILE`: a consistent copy of it while the service runs (`storage.backup`).

`db upgrade` is the one command that may create a database: an SQLite file is created if its
directory is there; a PostgreSQL database must have been created on the server.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.common import CommandError, database, load_settings, require_migrated, safe_url


def add_db(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="database maintenance")
    dsub = p.add_subparsers(dest="db_command", required=True)
    up = dsub.add_parser("upgrade", help="create or migrate the database (Alembic)")
    up.set_defaults(func=_db_upgrade)
    backup = dsub.add_parser(
        "backup",
        help="a consistent copy while the service runs (SQLite: one file; PostgreSQL: pg_dump)",
    )
    backup.add_argument("--out", type=Path, required=True, metavar="FILE")
    backup.add_argument("--overwrite", action="store_true", help="replace FILE if it exists")
    backup.set_defaults(func=_db_backup)


def _db_upgrade(_args: argparse.Namespace) -> int:
    from storage.migrate import upgrade

    settings = load_settings()

    async def run() -> None:
        async with database(settings, migrating=True) as engine:
            await upgrade(engine)

    asyncio.run(run())
    print(f"database is up to date ({safe_url(settings)})")
    return 0


def _db_backup(args: argparse.Namespace) -> int:
    from storage.backup import BackupError, backup

    settings = load_settings()
    asyncio.run(require_migrated(settings))  # a database, reachable, and this version's
    try:
        made = backup(settings.database_url, args.out, overwrite=args.overwrite)
    except BackupError as error:
        raise CommandError(str(error)) from error
    print(f"{made.kind} backup of {safe_url(settings)} written to {made.path} ({made.size} bytes)")
    return 0
