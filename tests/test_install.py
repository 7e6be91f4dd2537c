"""The product as a force installs it: the wheel built from this checkout, installed into a
fresh virtualenv, run from an empty directory outside the repository, on SQLite and on
PostgreSQL, through the console script only (no PYTHONPATH, no repository on the path).

The wheel and the virtualenv are made once for the module (pip takes the dependencies from
its cache or the package index); each database then gets a database of its own that does
not exist yet, so `db upgrade` creates it from nothing.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

from tests.rig import databases
from tests.rig.connector import FakeConnector
from tests.rig.serving import fake_connector, free_port, until_healthy
from tests.rig.teams import TeamsUser

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
APP_ID = "2b7f6a51-4c1d-4e8a-9f3b-6d2e1c0a9b87"
HOST = "pcso-bot.police.example"


@dataclass(frozen=True)
class Installed:
    venv: Path
    wheel: Path

    @property
    def command(self) -> Path:
        return self.venv / "bin" / "pcso-bot"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """`pip wheel` of this checkout, then `pip install` of that wheel into a new venv."""
    where = tmp_path_factory.mktemp("install")
    dist = where / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("pcso_bot-*.whl")
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    return Installed(venv=venv, wheel=wheel)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL, as an operator writes it, naming a database that does not exist yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'pcso.db'}"
        return
    reason = databases.PostgresDatabase().unavailable()
    if reason:
        if databases.REQUIRE_PG:
            pytest.fail(f"PCSO_REQUIRE_POSTGRES is set but {reason}")
        pytest.skip(f"PostgreSQL tests skipped: {reason}")
    name = f"pcso_install_{uuid.uuid4().hex[:8]}"
    server = make_url(databases.PG_URL).set(drivername="postgresql")
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(server: URL, statement: str) -> None:
    connection = await asyncpg.connect(server.render_as_string(hide_password=False))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


class Operator:
    """Runs the installed `pcso-bot` from an empty working directory, with only the
    environment an operator's shell would have."""

    def __init__(self, installed: Installed, cwd: Path, database_url: str) -> None:
        self.installed, self.cwd = installed, cwd
        self.env = {
            "PATH": f"{installed.venv / 'bin'}:/usr/bin:/bin",
            "HOME": str(cwd),
            "LANG": "C.UTF-8",
            "DATABASE_URL": database_url,
            # The force's own pages, as an operator sets them once (the manifest needs them).
            "PCSO_WEBSITE_URL": "https://www.police.example/pcso-bot",
            "PCSO_PRIVACY_URL": "https://www.police.example/privacy",
            "PCSO_TERMS_URL": "https://www.police.example/pcso-bot/terms",
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.installed.command), *args],
            cwd=self.cwd,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, f"pcso-bot {' '.join(args)}: {done.stderr}"
        assert "Traceback" not in done.stderr
        return done.stdout + done.stderr


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """The fake Bot Connector, for a bot in another process (not the rig's fixture of that
    name, which runs a test once per Teams SDK: these tests choose the SDK themselves)."""
    async with fake_connector() as fake:
        yield fake


def test_the_installed_package_is_the_wheel_not_this_checkout(installed: Installed) -> None:
    done = subprocess.run(
        [
            str(installed.venv / "bin" / "python"),
            "-c",
            "import bot, dialogs, storage; print(bot.__file__, dialogs.__file__, storage.__file__)",
        ],
        cwd="/",
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    for path in done.stdout.split():
        assert str(installed.venv) in path, path
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = wheel.namelist()
    # Migrations and the app manifests are package data: the commands need them anywhere.
    assert any(n.startswith("storage/migrations/versions/") for n in names)
    assert any(n.endswith("manifest.json") for n in names)
    assert any(n.endswith("slack-app.yaml") for n in names)
    assert any(n.endswith("LICENSE") for n in names)
    # The supervision tab's files, which the service serves from the package.
    for name in ("index.html", "tab.js", "tab.css", "shell.css", "vendor/MicrosoftTeams.min.js"):
        assert f"bot/tab/static/{name}" in names, name


async def test_an_operator_installs_migrates_imports_serves_and_builds_the_packages(
    installed: Installed,
    fresh_database: str,
    tmp_path: Path,
    connector: FakeConnector,
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "data").mkdir()
    operator = Operator(installed, work, fresh_database)

    # Before `db upgrade`, nothing works and nothing is created.
    refused = operator.run("roster", "export")
    assert refused.returncode == 2, refused.stderr
    assert "pcso-bot db upgrade" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "data" / "pcso.db").exists()

    assert "database is up to date" in operator.ok("db", "upgrade")
    assert "12 officers added" in operator.ok("roster", "import", str(DOCS / "sample-roster.csv"))
    operator.ok("teams", "import", str(DOCS / "sample-teams.csv"))
    assert "Maidstone CSU North" in operator.ok("jobs", "list")
    exported = operator.ok("export", "--from", "2026-12-01", "--to", "2026-12-07")
    assert exported.splitlines()[0].startswith("record_type,record_id,day,team,collar_number")

    package = work / "teams.zip"
    operator.ok(
        "manifest",
        "build",
        "--app-id",
        APP_ID,
        "--host",
        HOST,
        "--version",
        "1.2.0",
        "--out",
        str(package),
    )
    with zipfile.ZipFile(package) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
        assert sorted(zipped.namelist()) == ["color.png", "manifest.json", "outline.png"]
    assert manifest["version"] == "1.2.0"
    assert manifest["bots"][0]["botId"] == APP_ID
    assert HOST in manifest["validDomains"]
    assert manifest["developer"]["privacyUrl"] == "https://www.police.example/privacy"
    slack = work / "slack.yaml"
    operator.ok("manifest", "build", "--slack", "--host", HOST, "--out", str(slack))
    assert f"https://{HOST}/api/slack" in slack.read_text()

    backup = work / "backup.db" if "sqlite" in fresh_database else work / "backup.dump"
    assert str(backup) in operator.ok("db", "backup", "--out", str(backup))
    assert backup.stat().st_size > 0

    for sdk in ("botbuilder", "agents"):  # the installed wheel serves Teams on either SDK
        await _serve_and_answer(operator, connector, sdk)

    expected = {"teams.zip", "slack.yaml", backup.name}
    assert {p.name for p in work.iterdir()} == expected, "a command left a file behind"


async def _tab_works(http: aiohttp.ClientSession, url: str, operator: Operator) -> None:
    """The supervision tab from the installed package: the shell, its files, and a page for
    a sergeant signed in with the installed `pcso-bot dashboard link`."""
    link = operator.ok("dashboard", "link", "--as", "S101", "--url", url).splitlines()[0]
    assert link.startswith(f"{url}/tab/#link=")
    token = link.split("#link=", 1)[1]
    async with http.get(f"{url}/tab/") as shell:
        assert shell.status == 200
        assert 'data-mode="local"' in await shell.text()
    for name in ("tab.js", "tab.css", "shell.css", "vendor/MicrosoftTeams.min.js"):
        async with http.get(f"{url}/tab/static/{name}") as static:
            assert static.status == 200, name
    headers = {"Authorization": f"Bearer {token}"}
    async with http.get(f"{url}/tab/api/page/overview", headers=headers) as page:
        assert page.status == 200, await page.text()
        assert "Maidstone CSU North" in (await page.json())["html"]


async def _serve_and_answer(operator: Operator, connector: FakeConnector, sdk: str) -> None:
    """`pcso-bot serve` on a free port with `PCSO_TEAMS_SDK=sdk`: healthy, answers a PCSO
    over Teams' protocol (local, unauthenticated mode), logs one start-up banner naming the
    SDK, and stops cleanly on SIGTERM."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        str(operator.installed.command),
        "serve",
        "--port",
        str(port),
        cwd=operator.cwd,
        env={**operator.env, "PCSO_TEAMS_SDK": sdk},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await until_healthy(http, url, process)
            pcso = TeamsUser(
                http=http,
                bot_url=url,
                connector=connector,
                user_id="29:p301",
                aad_object_id="6f1c2a3b-0001-4000-8000-000000000301",
                name="Alex Carter",
            )
            answer = await pcso.say("whoami")
            assert answer.status == 200
            assert "P301" in answer.all_text()
            await _tab_works(http, url, operator)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    log = err.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log
    banners = [line for line in log.splitlines() if "serving on" in line]
    assert len(banners) == 1, log
    assert f"serving on {url}" in banners[0]
    assert "scheduler: on" in banners[0]
    assert f"(Teams SDK {sdk})" in banners[0]
