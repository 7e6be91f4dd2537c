"""`pcso-bot`: the one console command for operators (SPEC.md, "Operating it")."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import ipaddress
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import ValidationError

from bot.cli_export import add_export
from bot.cli_jobs import add_jobs
from bot.cli_teams import add_teams
from bot.settings import Settings

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


class CommandError(Exception):
    """An operator mistake: printed as one line, exit status 2."""


def _settings() -> Settings:
    return Settings()


def operator() -> str:
    """Who ran the command, for the audit log (the login behind sudo, if any)."""
    return f"cli:{os.environ.get('SUDO_USER') or getpass.getuser()}"


# --- serve -------------------------------------------------------------------------------


def _add_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the bot service (scheduler included)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3978)
    p.set_defaults(func=_serve)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot.app import UNAUTHENTICATED_WARNING, create_app

    settings = _settings()
    if not settings.authenticated and not _is_loopback(args.host):
        raise CommandError(
            f"refusing to listen on {args.host}: with no MicrosoftAppId set the bot is "
            "unauthenticated and may only listen on loopback (127.0.0.1)"
        )
    asyncio.run(_require_migrated(settings))
    log = logging.getLogger("pcso-bot")
    if not settings.authenticated:
        log.warning(UNAUTHENTICATED_WARNING)
    log.info("serving on http://%s:%d (database: %s)", args.host, args.port, _safe_url(settings))
    web.run_app(create_app(settings), host=args.host, port=args.port, print=None)
    return 0


async def _require_migrated(settings: Settings) -> None:
    from storage.db import create_engine
    from storage.migrate import current_heads, expected_heads

    engine = create_engine(settings.database_url)
    try:
        heads = await current_heads(engine)
    except Exception as error:
        raise CommandError(f"cannot open the database ({_safe_url(settings)}): {error}") from error
    finally:
        await engine.dispose()
    if heads != expected_heads():
        raise CommandError("the database is not up to date: run `pcso-bot db upgrade` first")


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


# --- db ----------------------------------------------------------------------------------


def _add_db(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="database maintenance")
    dsub = p.add_subparsers(dest="db_command", required=True)
    up = dsub.add_parser("upgrade", help="create or migrate the database (Alembic)")
    up.set_defaults(func=_db_upgrade)


def _db_upgrade(_args: argparse.Namespace) -> int:
    from storage.db import create_engine
    from storage.migrate import upgrade

    settings = _settings()

    async def run() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    print(f"database is up to date ({_safe_url(settings)})")
    return 0


# --- roster ------------------------------------------------------------------------------


def _add_roster(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("roster", help="import or export officers, teams and supervision")
    rsub = p.add_subparsers(dest="roster_command", required=True)
    imp = rsub.add_parser("import", help="idempotent upsert from a roster CSV")
    imp.add_argument("file", type=Path)
    imp.add_argument(
        "--deactivate-missing",
        action="store_true",
        help="mark officers who are not in the file as inactive (leavers)",
    )
    imp.set_defaults(func=_roster_import)
    exp = rsub.add_parser("export", help="print the roster as CSV")
    exp.set_defaults(func=_roster_export)


def _read_csv(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise CommandError(f"{path}: no such file") from error
    except UnicodeDecodeError as error:
        raise CommandError(f"{path}: not UTF-8 text") from error


def _roster_import(args: argparse.Namespace) -> int:
    from bot.clock import system_clock
    from storage import audit, roster

    text = _read_csv(args.file)
    try:
        rows = roster.parse(text)
    except roster.RosterError as error:
        for line in error.errors:
            print(f"{args.file}: {line}", file=sys.stderr)
        print(f"{args.file}: nothing imported ({len(error.errors)} problem(s))", file=sys.stderr)
        return 1

    async def apply(session):  # type: ignore[no-untyped-def]
        summary = await roster.apply(session, rows, deactivate_missing=args.deactivate_missing)
        await audit.record(
            session,
            "roster.import",
            at=system_clock(),
            actor=operator(),
            file=str(args.file),
            rows=len(rows),
        )
        return summary

    summary = asyncio.run(_in_transaction(apply))
    print(f"{args.file}: {summary.describe()}")
    return 0


def _roster_export(_args: argparse.Namespace) -> int:
    from storage import roster

    sys.stdout.write(asyncio.run(_in_transaction(roster.export)))
    return 0


async def _in_transaction(work):  # type: ignore[no-untyped-def]
    """Run `work(session)` in one transaction on the configured database."""
    from storage.db import create_engine, create_sessionmaker

    engine = create_engine(_settings().database_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


# --- manifest ----------------------------------------------------------------------------


def _add_manifest(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("manifest", help="the Teams app package")
    msub = p.add_subparsers(dest="manifest_command", required=True)
    build = msub.add_parser("build", help="build the Teams app package (zip) from manifest/")
    build.add_argument("--source", type=Path, default=Path("manifest"))
    build.add_argument("--out", type=Path, default=Path("build/pcso-bot-teams.zip"))
    build.set_defaults(func=_manifest_build)


def _manifest_build(args: argparse.Namespace) -> int:
    from bot.manifest import ManifestError, build_package

    settings = _settings()
    try:
        out = build_package(args.source, args.out, app_id=settings.app_id)
    except ManifestError as error:
        raise CommandError(str(error)) from error
    print(f"Teams app package written to {out}")
    return 0


# --- chat --------------------------------------------------------------------------------


def _add_chat(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "chat", help="talk to a running local bot as an officer, cards shown as text"
    )
    p.add_argument(
        "--as", dest="collar", required=True, metavar="COLLAR", help="the officer's collar number"
    )
    p.add_argument(
        "--bot-url", default=None, help="the running bot (default: http://127.0.0.1:3978)"
    )
    p.set_defaults(func=_chat)


def _chat(args: argparse.Namespace) -> int:
    from bot.chat import run

    return run(args.collar, args.bot_url, _settings())


# --- entry point -------------------------------------------------------------------------

REGISTRARS: tuple[Registrar, ...] = (
    _add_serve,
    _add_db,
    _add_roster,
    _add_manifest,
    _add_chat,
    add_teams,
    add_export,
    add_jobs,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pcso-bot", description="The PCSO daily-workflow bot for Microsoft Teams and Slack."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for register in REGISTRARS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines are noise here
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}"
            for e in error.errors()
        )
        print(f"pcso-bot: bad configuration: {problems}", file=sys.stderr)
        return 2
    except CommandError as error:
        print(f"pcso-bot: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    # `python -m bot.cli` runs this file as `__main__`: run the module `bot.cli` itself, so that
    # the CommandError the command modules import from it is the one `main` catches.
    from bot.cli import main as cli_main

    sys.exit(cli_main())
