"""Every operator mistake is one line on stderr naming the fix, with the documented exit
status (`bot.cli.errors`: 2 usage or configuration, 1 an operation that failed), no
traceback unless `--debug`, and nothing created: the real `pcso-bot` as a subprocess, run
from an empty working directory."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bot import cli
from bot.cli import errors
from storage.db import create_engine
from storage.migrate import alembic_config, expected_heads
from storage.models import AuditEntry, Team
from tests.conftest import SAMPLE_ROSTER
from tests.rig import databases
from tests.rig.serving import free_port

SAMPLE_TEAMS = SAMPLE_ROSTER.with_name("sample-teams.csv")
UNSET = None  # DATABASE_URL left out of the environment


@dataclass(frozen=True)
class Run:
    args: tuple[str, ...]
    code: int
    out: str
    err: str

    @property
    def line(self) -> str:
        """The one line on stderr; fails unless there is exactly one and no traceback."""
        assert "Traceback" not in self.out + self.err, self
        lines = self.err.splitlines()
        assert len(lines) == 1, self
        assert lines[0].startswith("pcso-bot: "), self
        return lines[0]


async def pcso_bot(cwd: Path, database_url: str | None, *args: str, **env: str) -> Run:
    """`pcso-bot ARGS` from `cwd`, with this DATABASE_URL (or none at all)."""
    environment = {**os.environ, **env}
    environment.pop("MicrosoftAppId", None)
    environment.pop("DATABASE_URL", None)
    if database_url is not None:
        environment["DATABASE_URL"] = database_url
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        cwd=cwd,
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(60):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        pytest.fail(f"pcso-bot {' '.join(args)} did not exit within 60 s")
    return Run(args, process.returncode or 0, out.decode(), err.decode())


def files_in(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def exists(path: str) -> bool:
    return Path(path).exists()


def database_commands() -> list[tuple[str, ...]]:
    """Every command that uses the database, as an operator would run it."""
    return [
        ("roster", "import", str(SAMPLE_ROSTER)),
        ("roster", "export"),
        ("teams", "import", str(SAMPLE_TEAMS)),
        ("export", "--from", "2026-12-01", "--to", "2026-12-01"),
        ("jobs", "list"),
        ("jobs", "run", "retention-purge"),
        ("serve", "--port", str(free_port())),
        ("chat", "--as", "P301", "--bot-url", "http://127.0.0.1:1"),
        ("dashboard", "link", "--as", "S101"),
        ("demo", "load"),
    ]


async def run_all(
    cwd: Path, database_url: str | None, commands: Sequence[tuple[str, ...]]
) -> list[Run]:
    return list(await asyncio.gather(*(pcso_bot(cwd, database_url, *c) for c in commands)))


@pytest.fixture
def cwd(tmp_path: Path) -> Path:
    """An empty working directory: nothing in it may be created (no ./pcso.db, no .env)."""
    empty = tmp_path / "cwd"
    empty.mkdir()
    return empty


@pytest.fixture
def migrated(sqlite_template: Path, tmp_path: Path) -> str:
    return databases.sqlite_copy(sqlite_template, tmp_path)


def no_such_database() -> str:
    """The test server, a database that is not on it."""
    return (
        make_url(databases.PG_URL)
        .set(drivername="postgresql", database="pcso_no_such_db")
        .render_as_string(hide_password=False)
    )


BAD_URLS = {
    "missing-postgres-database": (no_such_database(), "cannot connect to the database"),
    "mysql": ("mysql://u@h/db", "DATABASE_URL mysql://u@h/db is not a database pcso-bot can use"),
    "not-a-url": ("nonsense", "DATABASE_URL 'nonsense' is not a database URL"),
    "sqlite-in-no-directory": (
        "sqlite:////nonexistent/dir/x.db",
        "no database at /nonexistent/dir/x.db (DATABASE_URL=sqlite:////nonexistent/dir/x.db): "
        "run `pcso-bot db upgrade` first",
    ),
    "refused-port": (
        "postgresql://postgres@127.0.0.1:1/test",
        "cannot connect to the database postgresql://postgres@127.0.0.1:1/test: connection refused",
    ),
}
# What each bad URL's line must say the operator should do (with the line above).
FIXES = {
    "missing-postgres-database": "— check DATABASE_URL",
    "mysql": "use SQLite or PostgreSQL, e.g. sqlite:////var/lib/pcso-bot/pcso.db",
    "not-a-url": "use e.g. sqlite:////var/lib/pcso-bot/pcso.db or postgresql://user@host/db",
    "sqlite-in-no-directory": "run `pcso-bot db upgrade` first",
    "refused-port": "— check DATABASE_URL",
}


@pytest.mark.parametrize("case", sorted(BAD_URLS))
async def test_a_bad_database_url_is_one_line_for_every_command(case: str, cwd: Path) -> None:
    url, says = BAD_URLS[case]
    for run in await run_all(cwd, url, database_commands()):
        assert run.code == errors.USAGE, run
        assert says in run.line and FIXES[case] in run.line, run
    upgrade = await pcso_bot(cwd, url, "db", "upgrade")
    assert upgrade.code == errors.USAGE, upgrade
    if case == "sqlite-in-no-directory":
        assert upgrade.line == (
            "pcso-bot: cannot create the database /nonexistent/dir/x.db: no such directory "
            "/nonexistent/dir (create it, or fix DATABASE_URL)"
        )
    else:
        assert says in upgrade.line and FIXES[case] in upgrade.line, upgrade
    assert files_in(cwd) == []
    assert not exists("/nonexistent")


async def test_a_password_is_never_shown(cwd: Path) -> None:
    run = await pcso_bot(cwd, "postgresql://pcso:s3cret@127.0.0.1:1/pcso", "roster", "export")
    assert run.code == errors.USAGE
    assert "postgresql://pcso:***@127.0.0.1:1/pcso" in run.line
    assert "s3cret" not in run.err
    for unparsable in ("postgresql//pcso:s3cret@host/pcso", "postgresql://pcso:s3cret@h:port/db"):
        run = await pcso_bot(cwd, unparsable, "roster", "export")
        assert run.code == errors.USAGE, run
        assert "is not a database URL" in run.line and "pcso:***@" in run.line, run
        assert "s3cret" not in run.err, run


async def test_an_unset_database_url_says_so_and_creates_nothing(cwd: Path) -> None:
    for run in await run_all(cwd, UNSET, [*database_commands(), ("db", "upgrade")]):
        assert run.code == errors.USAGE, run
        assert run.line == (
            "pcso-bot: DATABASE_URL is not set: set it in the environment or in .env, e.g. "
            "DATABASE_URL=sqlite:////var/lib/pcso-bot/pcso.db or "
            "DATABASE_URL=postgresql://user@host/db"
        ), run
    assert files_in(cwd) == []


async def test_a_missing_sqlite_file_is_not_created(cwd: Path) -> None:
    """The old default's trap: a relative SQLite URL run from another directory."""
    # Every command's check is the bad-URL case's; two of them here, by a relative path.
    commands = [("roster", "export"), ("jobs", "list")]
    for run in await run_all(cwd, "sqlite:///pcso.db", commands):
        assert run.code == errors.USAGE, run
        assert run.line == (
            f"pcso-bot: no database at {cwd / 'pcso.db'} (DATABASE_URL=sqlite:///pcso.db): "
            "run `pcso-bot db upgrade` first"
        ), run
    assert files_in(cwd) == []
    upgrade = await pcso_bot(cwd, "sqlite:///pcso.db", "db", "upgrade")
    assert upgrade.code == 0, upgrade
    assert files_in(cwd) == ["pcso.db"]  # the one command that creates it


async def test_a_database_that_is_not_migrated_says_run_db_upgrade(
    cwd: Path, tmp_path: Path, migrated: str
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    for run in await run_all(cwd, f"sqlite:///{empty}", database_commands()):
        assert run.code == errors.USAGE, run
        assert run.line == (
            f"pcso-bot: the database at {empty} (DATABASE_URL=sqlite:///{empty}) is not "
            "migrated (it has no tables): run `pcso-bot db upgrade` first"
        ), run

    engine = create_engine(migrated)
    try:
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(alembic_config())
        [head] = expected_heads()
        older = script.get_revision(head).down_revision
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE alembic_version SET version_num = :older"), {"older": older}
            )
    finally:
        await engine.dispose()
    for run in await run_all(cwd, migrated, [("roster", "export"), ("jobs", "list")]):
        assert run.code == errors.USAGE, run
        assert "is not migrated (it is at an older revision)" in run.line, run
        assert run.line.endswith("run `pcso-bot db upgrade` first"), run
    assert files_in(cwd) == []


async def test_serve_on_a_taken_port_starts_nothing(cwd: Path, migrated: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = await pcso_bot(cwd, migrated, "serve", "--port", str(port))
    assert run.code == errors.USAGE, run
    # One line: no "scheduler started" nor "serving on" before it.
    assert run.line == (
        f"pcso-bot: port {port} on 127.0.0.1 is already in use (another pcso-bot, or another "
        "service?): stop it, or choose another --port"
    )


@pytest.mark.parametrize(
    ("args", "says", "prog"),
    [
        (("serve", "--port", "99999"), "argument --port: '99999' is not a port number", "serve"),
        (("serve", "--port", "http"), "argument --port: 'http' is not a port number", "serve"),
        (
            ("serve", "--host", "not a host"),
            "argument --host: 'not a host' is not an IP address or host name",
            "serve",
        ),
        (("roster", "import"), "the following arguments are required: file", "roster import"),
        (("db",), "the following arguments are required: db_command", "db"),
        (
            ("demo", "load", "--weeks", "2"),
            "argument --weeks: '2' is not a whole number from 6 to 52",
            "demo load",
        ),
        (
            ("demo", "load", "--today", "1/12/2026"),
            "argument --today: '1/12/2026' is not a date (YYYY-MM-DD)",
            "demo load",
        ),
        (
            ("demo", "load", "--today", "1999-12-31"),
            "'1999-12-31' is outside 2000-2100",
            "demo load",
        ),
    ],
)
async def test_usage_errors_are_one_line(
    args: tuple[str, ...], says: str, prog: str, cwd: Path
) -> None:
    run = await pcso_bot(cwd, UNSET, *args)
    assert run.code == errors.USAGE, run
    assert says in run.line
    assert run.line.endswith(f"(see `pcso-bot {prog} --help`)"), run


async def test_export_to_a_directory_that_does_not_exist_writes_and_audits_nothing(
    cwd: Path, migrated: str
) -> None:
    args = ("export", "--from", "2026-12-01", "--to", "2026-12-01", "--out")
    run = await pcso_bot(cwd, migrated, *args, "/nonexistent/x.csv")
    assert run.code == errors.USAGE, run
    assert run.line == (
        "pcso-bot: --out /nonexistent/x.csv: no such directory /nonexistent: create it or "
        "choose another --out"
    )
    not_a_directory = cwd / "file"
    not_a_directory.write_text("")
    run = await pcso_bot(cwd, migrated, *args, str(not_a_directory / "x.csv"))
    assert run.code == errors.USAGE and "no such directory" in run.line, run
    assert not exists("/nonexistent")
    assert files_in(cwd) == ["file"]
    engine = create_engine(migrated)
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(AuditEntry)) == 0
    finally:
        await engine.dispose()


async def test_a_missing_input_file_is_one_line(cwd: Path, migrated: str) -> None:
    for command in (("roster", "import"), ("teams", "import")):
        run = await pcso_bot(cwd, migrated, *command, "no-such.csv")
        assert run.code == errors.USAGE, run
        assert run.line == "pcso-bot: no-such.csv: no such file"
    assert files_in(cwd) == []


async def test_teams_import_reports_every_problem_unknown_team_included(
    cwd: Path, migrated: str
) -> None:
    assert (await pcso_bot(cwd, migrated, "roster", "import", str(SAMPLE_ROSTER))).code == 0
    bad = cwd / "teams.csv"
    bad.write_text(
        "team,briefing_time,nudge_minutes,review_time\n"
        "Maidstone CSU North,8am,20,08:30\n"
        "Maidstone South,08:00,20,08:30\n"
        "Maidstone PSTF,08:00,-5,08:30\n"
        "Ashford Rural,25:00,20,08:30\n"
        "Maidstone CSU North,08:00,20,07:00\n"
    )
    run = await pcso_bot(cwd, migrated, "teams", "import", str(bad))
    assert run.code == errors.FAILED, run
    assert "Traceback" not in run.out + run.err
    assert run.err.splitlines() == [
        f"{bad}: line 2: briefing_time: '8am' is not a time (use 24-hour HH:MM, e.g. 08:00)",
        f"{bad}: line 3: unknown team 'Maidstone South' (import the roster first)",
        f"{bad}: line 4: nudge_minutes: '-5' is not a whole number from 0 to 120",
        f"{bad}: line 5: unknown team 'Ashford Rural' (import the roster first)",
        f"{bad}: line 5: briefing_time: '25:00' is not a time (use 24-hour HH:MM, e.g. 08:00)",
        f"{bad}: line 6: review_time must be after briefing_time",
        f"pcso-bot: {bad}: nothing imported (6 problem(s))",
    ]
    engine = create_engine(migrated)
    try:
        async with engine.connect() as connection:
            times = (await connection.execute(select(Team.review_time))).scalars().all()
    finally:
        await engine.dispose()
    assert {t.isoformat() for t in times} == {"08:30:00"}


async def test_debug_shows_the_traceback(cwd: Path) -> None:
    run = await pcso_bot(cwd, UNSET, "--debug", "roster", "export")
    assert run.code == errors.USAGE
    assert "Traceback (most recent call last)" in run.err
    assert run.err.splitlines()[-1].startswith("pcso-bot: DATABASE_URL is not set")


def test_a_bug_is_one_line_and_status_1_and_its_traceback_is_behind_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(_args: object) -> int:
        raise KeyError("officer")

    monkeypatch.setattr("bot.cli.roster._roster_export", broken)
    assert cli.main(["roster", "export"]) == errors.FAILED
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "pcso-bot: internal error: KeyError: 'officer' (run with --debug for the traceback)"
    ]
    assert cli.main(["--debug", "roster", "export"]) == errors.FAILED
    captured = capsys.readouterr()
    assert "Traceback (most recent call last)" in captured.err
    assert captured.err.splitlines()[-1] == "pcso-bot: internal error: KeyError: 'officer'"


def test_a_failure_during_the_operation_is_status_1() -> None:
    from sqlalchemy.exc import OperationalError

    lost = OperationalError("SELECT 1", {}, ConnectionResetError(104, "Connection reset by peer"))
    failure = errors.explain(lost)
    assert failure.status == errors.FAILED
    assert failure.message.startswith(
        "the database failed while the command ran: Connection reset by peer"
    )
    assert "SELECT" not in failure.message
    network = errors.explain(ConnectionResetError(104, "Connection reset by peer"))
    assert (network.status, network.message) == (
        errors.FAILED,
        "network failure while the command ran: Connection reset by peer",
    )
