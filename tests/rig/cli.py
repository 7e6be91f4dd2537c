"""`pcso-bot` as an operator runs it, in a subprocess of this checkout: an environment with
only the settings a test gives (none of the machine's `PCSO_*`, Teams or Slack settings)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
OWN_SETTINGS = ("PCSO_", "Microsoft", "SLACK_", "CONNECTIONS__")


def cli_environment(database_url: str, **settings: str) -> dict[str, str]:
    """The machine's environment without its bot settings, with `DATABASE_URL` and
    `settings`, and this checkout first on the path."""
    kept = {k: v for k, v in os.environ.items() if not k.startswith(OWN_SETTINGS)}
    return {**kept, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT), **settings}


def run_cli(database_url: str, cwd: Path, *args: str, **settings: str) -> tuple[int, str, str]:
    """`pcso-bot ARGS` from `cwd`; its exit status, stdout and stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=cwd,
        env=cli_environment(database_url, **settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr
