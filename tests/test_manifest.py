"""`pcso-bot manifest build` as an operator runs it: a real subprocess, from a directory that
is not the clone, with no database.

The Teams package is checked against Microsoft's own schema for manifest v1.30, as the npm
package @microsoft/app-manifest ships it (build/json-schemas/teams/v1.30/), installed into
the test rig by `npm ci` from its lockfile (pinned version and registry integrity; .ci/run
installs it, and tests/rig/browser.py when it is missing). Without it, that test is skipped,
saying why; with CI=true it fails instead. No test fetches anything itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import zipfile
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml
from jsonschema import Draft4Validator
from PIL import Image

from dialogs import build_router
from tests.rig import browser

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "manifest"

# Microsoft's Teams app manifest schema, as the npm package @microsoft/app-manifest ships it
# (its version pinned, with the registry's integrity, in the test rig's package-lock.json).
SCHEMA_FILE = ("@microsoft", "app-manifest", "build", "json-schemas", "teams", "v1.30")
SCHEMA_FILE = (*SCHEMA_FILE, "MicrosoftTeams.schema.json")

APP_ID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
HOST = "pcso-bot.example.police.uk"
FORCE = {
    "--app-id": APP_ID,
    "--version": "2.3.4",
    "--host": HOST,
    "--developer-name": "Example Constabulary",
    "--website-url": "https://www.example.police.uk/pcso-bot",
    "--privacy-url": "https://www.example.police.uk/privacy/pcso-bot",
    "--terms-url": "https://www.example.police.uk/terms/pcso-bot",
}
# The settings the build reads, kept out of the subprocess unless a test sets them.
SETTINGS = frozenset(
    name.upper()
    for name in (
        "MicrosoftAppId",
        "MicrosoftAppPassword",
        "MicrosoftAppType",
        "MicrosoftAppTenantId",
        "PCSO_PUBLIC_HOST",
        "PCSO_DEVELOPER_NAME",
        "PCSO_WEBSITE_URL",
        "PCSO_PRIVACY_URL",
        "PCSO_TERMS_URL",
    )
)


def unavailable(reason: str) -> NoReturn:
    """Skip, saying why; on CI (CI=true) a missing tool is a failure instead."""
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(f"CI is set, so this cannot be skipped: {reason}", pytrace=False)
    pytest.skip(reason)


@cache
def teams_schema() -> dict[str, Any]:
    """Microsoft's manifest v1.30 schema, from the test rig's npm packages."""
    path, missing = browser.npm_file(*SCHEMA_FILE)
    if missing is not None:
        unavailable(f"Microsoft's Teams manifest schema (npm @microsoft/app-manifest): {missing}")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def build(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`pcso-bot manifest build ARGS` in `cwd`, with only the settings in `env`."""
    clean = {k: v for k, v in os.environ.items() if k.upper() not in SETTINGS}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "manifest", "build", *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def options(**changed: str | None) -> list[str]:
    """The force's options, `app_id="x"` changing --app-id and `host=None` leaving it out."""
    chosen = dict(FORCE)
    for name, value in changed.items():
        option = "--" + name.replace("_", "-")
        assert option in chosen, option
        if value is None:
            del chosen[option]
        else:
            chosen[option] = value
    return [part for pair in chosen.items() for part in pair]


def built(result: subprocess.CompletedProcess[str], what: str, out: Path) -> Path:
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{what} written to {out}\n"
    assert out.is_absolute() and out.is_file()
    return out


def refused(result: subprocess.CompletedProcess[str], cwd: Path, *names: str) -> str:
    """Exit 2, one line naming each of `names`, no traceback, nothing written."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pcso-bot: "), result.stderr
    for name in names:
        assert name in lines[0], lines[0]
    assert sorted(p.name for p in cwd.iterdir()) == [], "a refused build wrote something"
    return lines[0]


def package(path: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(path) as zipped:
        files = {name: zipped.read(name) for name in zipped.namelist()}
    return json.loads(files["manifest.json"]), files


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working directory outside the clone, with no .env and no manifest/."""
    path = tmp_path / "elsewhere"
    path.mkdir()
    return path


def test_the_package_is_valid_against_microsofts_schema_with_the_options_given(
    elsewhere: Path,
) -> None:
    schema = teams_schema()
    result = build(elsewhere, *options())
    manifest, files = package(built(result, "Teams app package", elsewhere / "pcso-bot-teams.zip"))
    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]
    # Not Draft4Validator.check_schema: the schema's Office add-in parts use \p{L}, which
    # Python's re cannot compile (and this manifest does not reach).
    validator = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    errors = [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in validator.iter_errors(manifest)
    ]
    assert not errors, "\n".join(errors)
    assert manifest["manifestVersion"] == "1.30"
    assert manifest["$schema"] == (
        "https://developer.microsoft.com/en-us/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"
    )
    assert manifest["version"] == "2.3.4"
    assert manifest["id"] == APP_ID
    assert [bot["botId"] for bot in manifest["bots"]] == [APP_ID]
    assert manifest["developer"] == {
        "name": "Example Constabulary",
        "websiteUrl": FORCE["--website-url"],
        "privacyUrl": FORCE["--privacy-url"],
        "termsOfUseUrl": FORCE["--terms-url"],
    }
    assert manifest["validDomains"] == [HOST]
    assert manifest["webApplicationInfo"] == {"id": APP_ID, "resource": f"api://{HOST}/{APP_ID}"}
    assert manifest["bots"][0]["scopes"] == ["personal"]
    # The supervision tab: a personal tab at /tab/ on the host, signing in as the resource.
    assert manifest["staticTabs"] == [
        {
            "entityId": "supervision",
            "name": "Supervision",
            "contentUrl": f"https://{HOST}/tab/",
            "scopes": ["personal"],
        }
    ]
    assert files["color.png"] == (SOURCES / "color.png").read_bytes()
    assert files["outline.png"] == (SOURCES / "outline.png").read_bytes()


def test_settings_give_what_options_do_and_options_win(elsewhere: Path) -> None:
    env = {
        "MicrosoftAppId": APP_ID.upper(),
        "MicrosoftAppType": "SingleTenant",
        "MicrosoftAppTenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "PCSO_PUBLIC_HOST": "Bot.Example.Org",
        "PCSO_DEVELOPER_NAME": "Example Constabulary",
        "PCSO_WEBSITE_URL": "https://example.org/help",
        "PCSO_PRIVACY_URL": "https://example.org/privacy",
        "PCSO_TERMS_URL": "https://example.org/terms",
    }
    result = build(elsewhere, env=env)
    manifest, _ = package(built(result, "Teams app package", elsewhere / "pcso-bot-teams.zip"))
    assert manifest["version"] == metadata.version("pcso-bot")
    assert manifest["id"] == APP_ID
    assert manifest["validDomains"] == ["bot.example.org"]
    assert manifest["developer"]["privacyUrl"] == "https://example.org/privacy"

    out = elsewhere / "out" / "app.zip"
    result = build(elsewhere, "--host", "other.example.org", "--out", "out/app.zip", env=env)
    manifest, _ = package(built(result, "Teams app package", out))
    assert manifest["validDomains"] == ["other.example.org"]
    assert manifest["webApplicationInfo"]["resource"] == f"api://other.example.org/{APP_ID}"
    assert manifest["staticTabs"][0]["contentUrl"] == "https://other.example.org/tab/"
    assert manifest["developer"]["name"] == "Example Constabulary"


@pytest.mark.parametrize(
    ("changed", "names"),
    [
        pytest.param({"app_id": None}, ("--app-id", "MicrosoftAppId"), id="no app id"),
        pytest.param({"app_id": "pcso-bot"}, ("--app-id", "GUID"), id="app id not a GUID"),
        pytest.param(
            {"app_id": "00000000-0000-0000-0000-000000000000"}, ("--app-id",), id="zero GUID"
        ),
        pytest.param({"version": "1.2"}, ("--version", "MAJOR.MINOR.PATCH"), id="version 1.2"),
        pytest.param({"version": "1.2.0-beta.1"}, ("--version",), id="pre-release version"),
        pytest.param({"version": "01.2.0"}, ("--version",), id="leading zero"),
        pytest.param(
            {"host": None}, ("--host", "PCSO_PUBLIC_HOST", "supervision tab"), id="no host"
        ),
        pytest.param({"host": "https://bot.example.org/"}, ("--host",), id="host as a URL"),
        pytest.param({"host": "bot.example.org:8443"}, ("--host",), id="host with a port"),
        pytest.param(
            {"developer_name": "Example Constabulary Neighbourhood Policing"},
            ("--developer-name", "32"),
            id="developer name too long",
        ),
        pytest.param({"website_url": None}, ("--website-url", "PCSO_WEBSITE_URL"), id="no site"),
        pytest.param({"privacy_url": None}, ("--privacy-url", "PCSO_PRIVACY_URL"), id="no privacy"),
        pytest.param(
            {"terms_url": "http://example.org/terms"}, ("--terms-url", "https"), id="http terms"
        ),
    ],
)
def test_a_package_teams_would_refuse_is_not_written(
    elsewhere: Path, changed: dict[str, str | None], names: tuple[str, ...]
) -> None:
    refused(build(elsewhere, *options(**changed)), elsewhere, *names)


def test_a_refused_build_leaves_the_previous_package_as_it_was(elsewhere: Path) -> None:
    previous = elsewhere / "pcso-bot-teams.zip"
    built(build(elsewhere, *options()), "Teams app package", previous)
    before = previous.read_bytes()
    result = build(elsewhere, *options(app_id="not-a-guid"))
    assert result.returncode == 2, result.stderr
    assert sorted(p.name for p in elsewhere.iterdir()) == ["pcso-bot-teams.zip"]
    assert previous.read_bytes() == before


def test_the_icons_are_the_sizes_teams_takes_and_the_outline_is_white_on_transparent() -> None:
    with Image.open(SOURCES / "color.png") as color:
        assert color.format == "PNG" and color.size == (192, 192)
        colours = color.convert("RGBA").getcolors(192 * 192) or []
        assert len(colours) > 2, "the colour icon is not in colour"
    with Image.open(SOURCES / "outline.png") as outline:
        assert outline.format == "PNG" and outline.size == (32, 32)
        assert "A" in outline.getbands() or "transparency" in outline.info
        pixels = list(outline.convert("RGBA").getdata())
    seen = [(r, g, b) for r, g, b, alpha in pixels if alpha]
    assert seen and all(rgb == (255, 255, 255) for rgb in seen), "the outline is not all white"
    assert len(seen) < len(pixels) / 2, "the outline icon's background is not transparent"
    corners = [pixels[i] for i in (0, 31, 32 * 31, 32 * 32 - 1)]
    assert all(alpha == 0 for *_, alpha in corners)


def test_the_manifests_commands_are_the_bots_commands() -> None:
    manifest = json.loads((SOURCES / "manifest.json").read_text(encoding="utf-8"))
    router = build_router()
    (bot,) = manifest["bots"]
    (commands,) = bot["commandLists"]
    assert commands["scopes"] == ["personal"]
    for command in commands["commands"]:
        found = router.match(command["title"])
        assert found is not None and found[1] == "", command["title"]
        assert found[0].listed, command["title"]


def test_the_tab_is_served_where_the_manifest_says() -> None:
    """The static tab's page is a route of the service, and its sign-in resource is the one
    the service checks tokens against (`Settings.tab_resource`)."""
    from bot.app import create_app
    from bot.settings import Settings

    manifest = json.loads((SOURCES / "manifest.json").read_text(encoding="utf-8"))
    (tab,) = manifest["staticTabs"]
    path = tab["contentUrl"].removeprefix("https://YOUR-HOST")
    settings = Settings(
        _env_file=None,
        database_url="sqlite+aiosqlite:///:memory:",
        app_id=APP_ID,
        app_type="MultiTenant",
        public_host=HOST,
    )
    routes = {r.resource.canonical for r in create_app(settings).router.routes() if r.resource}
    assert path == "/tab/" and path in routes
    assert settings.tab_resource == f"api://{HOST}/{APP_ID}"


def test_the_sources_ship_in_the_wheel() -> None:
    """bot/app_manifest is manifest/, and the wheel takes every file in it."""
    assert (ROOT / "bot" / "app_manifest").resolve() == SOURCES.resolve()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "app_manifest/*" in pyproject["tool"]["setuptools"]["package-data"]["bot"]
    assert all(path.is_file() for path in SOURCES.iterdir()), "package data takes no folders"


def test_the_slack_manifest_has_the_host_filled_in(elsewhere: Path) -> None:
    result = build(elsewhere, "--slack", "--host", HOST)
    out = built(result, "Slack app manifest", elsewhere / "pcso-bot-slack.yaml")
    text = out.read_text(encoding="utf-8")
    assert "YOUR-HOST" not in text
    written = yaml.safe_load(text)
    template = yaml.safe_load((SOURCES / "slack-app.yaml").read_text(encoding="utf-8"))
    endpoint = f"https://{HOST}/api/slack"
    assert written["settings"]["event_subscriptions"]["request_url"] == endpoint
    assert written["settings"]["interactivity"]["request_url"] == endpoint
    template["settings"]["event_subscriptions"]["request_url"] = endpoint
    template["settings"]["interactivity"]["request_url"] = endpoint
    assert written == template

    result = build(
        elsewhere, "--slack", "--out", "slack/app.yaml", env={"PCSO_PUBLIC_HOST": "b.example.org"}
    )
    out = built(result, "Slack app manifest", elsewhere / "slack" / "app.yaml")
    settings = yaml.safe_load(out.read_text(encoding="utf-8"))["settings"]
    assert settings["interactivity"]["request_url"] == "https://b.example.org/api/slack"


@pytest.mark.parametrize(
    ("args", "names"),
    [
        pytest.param((), ("--host", "PCSO_PUBLIC_HOST"), id="no host"),
        pytest.param(("--host", "bot.example.org/api"), ("--host",), id="host with a path"),
        pytest.param(("--host", HOST, "--app-id", APP_ID), ("--app-id",), id="a Teams option"),
    ],
)
def test_a_slack_manifest_without_a_good_host_is_not_written(
    elsewhere: Path, args: tuple[str, ...], names: tuple[str, ...]
) -> None:
    refused(build(elsewhere, "--slack", *args), elsewhere, *names)
