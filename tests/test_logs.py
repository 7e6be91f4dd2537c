"""What an operator reads in the logs of `pcso-bot serve`, run as a real process: one
start-up banner, the level and format they chose, and nothing an officer typed, no names
and no e-mail addresses at INFO."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.rig import databases
from tests.rig.cli import cli_environment, run_cli
from tests.rig.connector import FakeConnector
from tests.rig.serving import fake_connector, free_port, until_healthy
from tests.rig.teams import TeamsUser

ROOT = Path(__file__).resolve().parent.parent
ROSTER = ROOT / "docs" / "sample-roster.csv"
MARKER = "the-secret-words-of-an-officer"


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """The fake Bot Connector, for a bot in another process (not the rig's fixture of that
    name, which runs a test once per Teams SDK: these tests choose the SDK themselves)."""
    async with fake_connector() as fake:
        yield fake


@pytest.fixture
def database(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database with the sample roster (the logs do not depend on the
    database; PostgreSQL's path is the same code)."""
    url = databases.sqlite_copy(sqlite_template, tmp_path)
    done = run_cli(url, tmp_path, "roster", "import", str(ROSTER))
    assert done[0] == 0, done[2]
    return url


async def _serve(
    database_url: str, cwd: Path, connector: FakeConnector, conversation: bool, **env: str
) -> str:
    """Run `pcso-bot serve`, optionally hold a short conversation, stop it; its stderr."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        "--port",
        str(port),
        cwd=cwd,
        env=cli_environment(database_url, PCSO_SCHEDULER_ENABLED="false", **env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with aiohttp.ClientSession() as http:
            await until_healthy(http, url, process)
            if conversation:
                await _converse(http, url, connector)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    return err.decode()


async def _converse(http: aiohttp.ClientSession, url: str, connector: FakeConnector) -> None:
    """A PCSO who types text (an away period with a reason, then free text), and a stranger
    whose e-mail the member look-up gives, who is refused."""
    pcso = TeamsUser(
        http=http,
        bot_url=url,
        connector=connector,
        user_id="29:p302",
        aad_object_id="6f1c2a3b-0001-4000-8000-000000000302",
        name="Jordan Patel",
    )
    answer = await pcso.say(f"away 2026-12-01 to 2026-12-02 {MARKER}")
    assert answer.status == 200 and answer.replies
    assert (await pcso.say(MARKER)).status == 200
    connector.add_member(
        "29:stranger",
        email="chris.unknown@police.example",
        userPrincipalName="chris.unknown@police.example",
        name="Chris Unknown",
    )
    stranger = TeamsUser(
        http=http, bot_url=url, connector=connector, user_id="29:stranger", name="Chris Unknown"
    )
    assert (await stranger.say(f"hello {MARKER}")).status == 200
    assert await _oversized_header(url) == 400


async def _oversized_header(url: str) -> int:
    """A request whose header is longer than aiohttp reads (8,190 bytes), holding the marker:
    the status it is answered with."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(
        f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nX-Big: {MARKER * 2000}\r\n\r\n".encode()
    )
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return int(status_line.split()[1])


async def test_one_banner_and_no_message_text_names_or_emails_at_info(
    database: str, tmp_path: Path, connector: FakeConnector, teams_sdk: str
) -> None:
    log = await _serve(database, tmp_path, connector, conversation=True, PCSO_TEAMS_SDK=teams_sdk)
    banners = [line for line in log.splitlines() if "serving on" in line]
    assert len(banners) == 1, log
    (banner,) = banners
    for part in ("pcso-bot ", "mode: NO MicrosoftAppId IS SET", "Slack: off", "database: sqlite"):
        assert part in banner, banner
    assert f"(Teams SDK {teams_sdk})" in banner, banner
    assert "scheduler: off in this instance" in banner
    assert log.count("UNAUTHENTICATED") == 1, "the unauthenticated warning, once"
    assert '"POST /api/messages' in log and '"GET /healthz' not in log, "probes are not logged"
    assert "refused msteams sender not on the roster" in log, "what happened is still logged"
    assert "Traceback" not in log, "a client's unreadable request is not the service's fault"
    assert "refused 400 (LineTooLong)" in log, "an unreadable request is still logged"
    for private in (MARKER, "Jordan", "Patel", "jordan.patel@", "Chris", "chris.unknown@"):
        assert private not in log, f"{private!r} in the log:\n{log}"


async def test_json_lines_at_the_chosen_level(
    database: str, tmp_path: Path, connector: FakeConnector
) -> None:
    log = await _serve(database, tmp_path, connector, conversation=True, PCSO_LOG_FORMAT="json")
    records = [json.loads(line) for line in log.splitlines() if line.strip()]
    assert records, "nothing logged"
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys(), record
    assert any("serving on" in r["message"] for r in records)
    assert MARKER not in log

    quiet = await _serve(database, tmp_path, connector, conversation=False, PCSO_LOG_LEVEL="error")
    assert quiet.strip() == "", f"nothing below ERROR should be logged:\n{quiet}"


def test_a_bad_log_setting_is_one_line(database: str, tmp_path: Path) -> None:
    for name, value, hint in (
        ("PCSO_LOG_LEVEL", "loud", "PCSO_LOG_LEVEL"),
        ("PCSO_LOG_FORMAT", "xml", "PCSO_LOG_FORMAT"),
    ):
        code, _out, err = run_cli(database, tmp_path, "roster", "export", **{name: value})
        assert code == 2, err
        assert len(err.strip().splitlines()) == 1, err
        assert hint in err and "Traceback" not in err
