"""`pcso-bot`: the one console command for operators (docs/guide.md, "Commands").

Each command group registers itself from its own module; what they share is in `common`.
A command raises what went wrong; `main` is the one place it becomes one line on stderr and
an exit status (`bot.cli.errors`: 2 usage or configuration, 1 an operation that failed).
`pcso-bot --debug …` adds the traceback and logs at DEBUG.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn, cast

from bot import logs
from bot.cli import errors
from bot.cli.chat import add_chat
from bot.cli.common import CommandError
from bot.cli.dashboard import add_dashboard
from bot.cli.db import add_db
from bot.cli.demo import add_demo
from bot.cli.export import add_export
from bot.cli.jobs import add_jobs
from bot.cli.manifest import add_manifest
from bot.cli.roster import add_roster
from bot.cli.serve import add_serve
from bot.cli.teams import add_teams
from bot.logs import LogSettings

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
    add_dashboard,
    add_demo,
)


class Parser(argparse.ArgumentParser):
    """argparse, with its usage errors as one line like every other error (status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(errors.USAGE, f"{errors.PREFIX}{message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="pcso-bot", description="The PCSO daily-workflow bot for Microsoft Teams and Slack."
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="log at DEBUG, and show the full traceback of an error",
    )
    # Its subparsers are `Parser`s too (argparse makes them of the parser's own class).
    sub = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(dest="command", required=True),
    )
    for register in REGISTRARS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        chosen = LogSettings()  # PCSO_LOG_LEVEL, PCSO_LOG_FORMAT; a bad value is one line too
        logs.configure(chosen.log_level, chosen.log_format, debug=args.debug)
        return int(args.func(args))
    except KeyboardInterrupt:
        return errors.INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (`| head`): nobody to tell
        return errors.FAILED
    except Exception as error:  # noqa: BLE001 - the one place any failure becomes words
        failure = errors.explain(error, debug=args.debug)
        if args.debug:
            traceback.print_exc()
        errors.report(failure, sys.stderr)
        return failure.status


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit does not fail again."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
