"""`pcso-bot`: the one console command for operators (docs/guide.md, "Commands").

Each command group registers itself from its own module; what they share is in `common`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from bot.cli.chat import add_chat
from bot.cli.common import CommandError
from bot.cli.db import add_db
from bot.cli.export import add_export
from bot.cli.jobs import add_jobs
from bot.cli.manifest import add_manifest
from bot.cli.roster import add_roster
from bot.cli.serve import add_serve
from bot.cli.teams import add_teams

__all__ = ["CommandError", "build_parser", "main"]

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

REGISTRARS: tuple[Registrar, ...] = (
    add_serve,
    add_db,
    add_roster,
    add_manifest,
    add_chat,
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
