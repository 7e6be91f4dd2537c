"""`pcso-bot db upgrade`: create or migrate the database (Alembic)."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import load_settings, safe_url


def add_db(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="database maintenance")
    dsub = p.add_subparsers(dest="db_command", required=True)
    up = dsub.add_parser("upgrade", help="create or migrate the database (Alembic)")
    up.set_defaults(func=_db_upgrade)


def _db_upgrade(_args: argparse.Namespace) -> int:
    from storage.db import create_engine
    from storage.migrate import upgrade

    settings = load_settings()

    async def run() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    print(f"database is up to date ({safe_url(settings)})")
    return 0
