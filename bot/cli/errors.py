"""How `pcso-bot` reports a failure: one line on stderr, `pcso-bot: …`, naming what to fix,
and an exit status. The commands raise; `bot.cli.main` calls `explain` and `report` here,
the one place a failure becomes words. `--debug` adds the traceback; without it none is
ever printed.

Exit statuses:

- 0: done.
- 1: the operation failed (`OperationFailed`): a roster or teams file with bad rows (each
  one reported with its line number), an export that could not be written, a job that
  failed for a team, the database or the network failing while the command ran; and an
  internal error (a bug), reported as one line, with the traceback under `--debug`.
- 2: usage or configuration, to fix before the command can run (`CommandError`): a bad
  option value (argparse's own errors included), a bad setting, DATABASE_URL unset or
  unusable, a database that is missing, unreachable or not migrated, a path the operator
  named that cannot be used (an input file that is not there, an `--out` directory that
  does not exist or cannot be written, a port already taken). Nothing was done.
- 130: interrupted (Ctrl-C).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import TextIO

from pydantic import ValidationError

from bot.errors import CommandError, OperationFailed

__all__ = ["DONE", "FAILED", "INTERRUPTED", "USAGE", "Failure", "describe", "explain", "report"]

DONE, FAILED, USAGE, INTERRUPTED = 0, 1, 2, 130
PREFIX = "pcso-bot: "


@dataclass(frozen=True)
class Failure:
    status: int
    message: str
    details: tuple[str, ...] = ()


def explain(error: BaseException, *, debug: bool = False) -> Failure:
    """The exit status and the words for what a command raised."""
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(error, CommandError):
        return Failure(USAGE, str(error))
    if isinstance(error, OperationFailed):
        return Failure(FAILED, str(error), error.details)
    if isinstance(error, ValidationError):
        return Failure(USAGE, f"bad configuration: {_settings_problems(error)}")
    if isinstance(error, SQLAlchemyError):
        return Failure(
            FAILED,
            f"the database failed while the command ran: {describe(error)} "
            "(check the database server, then run the command again)",
        )
    if _network_error(error):
        return Failure(FAILED, f"network failure while the command ran: {describe(error)}")
    if isinstance(error, OSError):
        return Failure(FAILED, describe(error))
    hint = "" if debug else " (run with --debug for the traceback)"
    return Failure(FAILED, f"internal error: {type(error).__name__}: {_first_line(error)}{hint}")


def report(failure: Failure, stream: TextIO) -> None:
    for line in failure.details:
        print(line, file=stream)
    print(PREFIX + failure.message, file=stream)


def describe(error: BaseException) -> str:
    """What went wrong, in one line: the driver's or the system's own words, without
    SQLAlchemy's class names, SQL, parameters (they may hold personal data) or links."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(error, DBAPIError) and error.orig is not None:
        error = error.orig
    if isinstance(error, socket.gaierror):
        return f"cannot resolve the host name ({error.strerror})"
    if isinstance(error, ConnectionRefusedError) or "Connect call failed" in str(error):
        return "connection refused (is the server running at that host and port?)"
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        where = error.filename
        return f"{where}: {error.strerror}" if where else error.strerror
    return _first_line(error)


def _network_error(error: BaseException) -> bool:
    if isinstance(error, ConnectionError | socket.gaierror | TimeoutError):
        return True
    try:
        from aiohttp import ClientError
    except ImportError:  # pragma: no cover - a dependency of the service
        return False
    return isinstance(error, ClientError)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else "(no message)"


def _settings_problems(error: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in error.errors()
    )
    return f"{problems} (set in the environment or in .env)"
