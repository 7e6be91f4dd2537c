"""The two failures a command reports in words, apart from the command line so that the
terminal client (`bot.chat`) can raise them without importing the commands that run it.

`bot.cli.errors` turns these (and everything else a command can raise) into one line on
stderr and the exit status.
"""

from __future__ import annotations

from collections.abc import Sequence


class CommandError(Exception):
    """A usage or configuration mistake the operator must fix before the command can run (an
    option, a setting, DATABASE_URL, a database that is missing or not migrated, a path):
    one line naming the fix, exit status 2, nothing done."""


class OperationFailed(Exception):
    """The command was run correctly but could not do its work (a file with bad rows, an
    export that could not be written, the network failing midway): exit status 1.

    `details` are printed before the message, one a line (e.g. each bad row of a file).
    """

    def __init__(self, message: str, *, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.details = tuple(details)
