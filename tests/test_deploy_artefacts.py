"""The deployment files (docs/deploy/) and the operator's guide (docs/deploy.md) agree with
the code, as far as that can be checked without a container daemon, systemd or a proxy.

Each file is read as what reads it would read it (the compose file as YAML, the units as
systemd's key=value lines, the settings file as NAME=value lines), and what it says of the
bot is checked against the bot itself: settings against `bot.settings.Settings`, commands
against `bot.cli.build_parser()`, paths against the routes of `bot.app.create_app`, limits
against the settings' defaults. `hadolint` checks the Dockerfile in `make lint`.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices

from bot.app import create_app
from bot.cli import build_parser
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "docs" / "deploy"
GUIDE = ROOT / "docs" / "deploy.md"
ENV_EXAMPLE = DEPLOY / "pcso-bot.env.example"
SERVICE = DEPLOY / "pcso-bot.service"
BACKUP_SERVICE = DEPLOY / "pcso-bot-backup.service"
BACKUP_TIMER = DEPLOY / "pcso-bot-backup.timer"
ADMIN = DEPLOY / "pcso-bot-admin"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = DEPLOY / "Dockerfile.dockerignore"
COMPOSE = DEPLOY / "compose.yaml"
NGINX = DEPLOY / "nginx.conf"
CADDYFILE = DEPLOY / "Caddyfile"

# Routes of the app that the proxies deliberately keep to the host (none yet): a new route
# must be either exposed by both proxies or named here.
INTERNAL_ROUTES: frozenset[str] = frozenset()
# A name in the guide that reads as one of the bot's settings (and so must be one).
SETTING_NAME = re.compile(r"\b(?:PCSO_[A-Z0-9_]+|SLACK_[A-Z0-9_]+|DATABASE_URL|MicrosoftApp\w+)\b")
LOOPBACK = "127.0.0.1"


# --- what the bot itself says --------------------------------------------------------------


def field_by_setting() -> dict[str, str]:
    """Environment variable (the documented name) -> the `Settings` field it sets."""
    fields: dict[str, str] = {}
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [alias]
        for choice in choices:
            if isinstance(choice, str):
                fields[choice] = name
    return fields


def other_names() -> set[str]:
    """The names a setting is also read under (the Agents SDK's for the bot's identity): a
    commented line of one shows the name, not a default, since the first name counts."""
    others: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            others.update(choice for choice in alias.choices[1:] if isinstance(choice, str))
    return others


def setting_names() -> set[str]:
    """Every environment variable `Settings` reads."""
    return set(field_by_setting())


# Read by the HTTP clients the bot uses (aiohttp with trust_env, requests, MSAL), not by
# `Settings`: the settings file may set them for a host behind an egress proxy.
PROXY_VARIABLES = {"HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY"}


def app_routes() -> set[str]:
    """The paths `create_app` serves (building the app opens nothing)."""
    settings = Settings(_env_file=None, database_url="sqlite+aiosqlite:///:memory:")
    app = create_app(settings)
    return {route.resource.canonical for route in app.router.routes() if route.resource}


def default_port() -> int:
    return int(build_parser().parse_args(["serve"]).port)


def parses(argv: Sequence[str]) -> Any:
    """`pcso-bot ARGV` as the command line reads it; fails the test with argparse's words."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return build_parser().parse_args(list(argv))
    except SystemExit as stop:
        if stop.code == 0:  # --help
            return None
        pytest.fail(f"`pcso-bot {shlex.join(argv)}` is not a pcso-bot command: {err.getvalue()}")


# --- readers -----------------------------------------------------------------------------


def unit(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) of a systemd unit, in order; repeated keys kept."""
    entries: list[tuple[str, str, str]] = []
    section = ""
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, _, value = line.partition("=")
        entries.append((section, key.strip(), value.strip()))
    return entries


def values(entries: list[tuple[str, str, str]], key: str) -> list[str]:
    return [value for _, k, value in entries if k == key]


def one(entries: list[tuple[str, str, str]], key: str) -> str:
    found = values(entries, key)
    assert len(found) == 1, f"{key}= should be set once, is {found}"
    return found[0]


def exec_calls(entries: list[tuple[str, str, str]], key: str) -> list[list[str]]:
    """The `pcso-bot` runs of a unit's `key=` lines (e.g. ExecStart), one list of arguments
    each (systemd's `%%` is a literal `%`)."""
    return [
        call
        for line in values(entries, key)
        for call in pcso_bot_calls(shlex.split(line.replace("%%", "%")))
    ]


def pcso_bot_calls(words: Sequence[str]) -> Iterator[list[str]]:
    """The arguments of each `pcso-bot` run in a command line: `pcso-bot …` or a path ending
    in `/bin/pcso-bot`, `pcso-bot-admin …` (at the start, or after `sudo`), and either of
    them inside `sh -c '…'`."""
    for index, word in enumerate(words):
        before = words[index - 1] if index else ""
        if word == "-c" and before.endswith("sh") and index + 1 < len(words):
            yield from pcso_bot_calls(shlex.split(words[index + 1]))
            return
        at_start = index == 0 or before in ("exec", "sudo", "bot")
        name = PurePosixPath(word).name
        if (name == "pcso-bot-admin" and at_start) or (
            name == "pcso-bot" and (at_start or word.endswith("/bin/pcso-bot"))
        ):
            yield list(words[index + 1 :])
            return


def env_lines(path: Path) -> list[tuple[str, str, bool]]:
    """(name, value, commented out) of each setting line: `NAME=value` or `#NAME=value`."""
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"(#?)([A-Za-z_][A-Za-z0-9_]*)=(.*)", line)
        if match:
            found.append((match[2], match[3], bool(match[1])))
    return found


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        line = pending + stripped
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        keyword, _, rest = line.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    return instructions


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def code_blocks(markdown: str) -> Iterator[str]:
    """Each line of the shell (or unmarked) code blocks, continuation lines joined."""
    inside = False
    shell = False
    pending = ""
    for line in markdown.splitlines():
        fence = line.strip()
        if fence.startswith("```"):
            inside = not inside
            shell = inside and fence[3:].strip() in ("", "sh", "bash", "console")
            continue
        if not (inside and shell):
            continue
        text = pending + line.strip()
        if text.endswith("\\"):
            pending = text[:-1] + " "
            continue
        pending = ""
        yield text


# --- the settings file -------------------------------------------------------------------


def test_the_settings_file_names_only_real_settings_and_every_one_of_them():
    named = [name for name, _, _ in env_lines(ENV_EXAMPLE) if name not in PROXY_VARIABLES]
    unknown = sorted(set(named) - setting_names())
    assert not unknown, f"pcso-bot.env.example names settings the bot does not read: {unknown}"
    missing = sorted(setting_names() - set(named))
    assert not missing, f"pcso-bot.env.example leaves out settings: {missing}"
    repeated = sorted({name for name in named if named.count(name) > 1})
    assert not repeated, f"pcso-bot.env.example sets these twice: {repeated}"


def test_the_settings_file_is_read_alike_by_systemd_docker_and_compose():
    for number, line in enumerate(ENV_EXAMPLE.read_text(encoding="utf-8").splitlines(), 1):
        if not line or line.startswith("# ") or line == "#":
            continue
        match = re.fullmatch(r"#?([A-Za-z_][A-Za-z0-9_]*)=(.*)", line)
        assert match, f"line {number} is neither a comment nor NAME=value: {line!r}"
        value = match[2]
        assert not value.startswith(("'", '"')), f"line {number}: quoted value {line!r}"
        assert " #" not in value, f"line {number}: a comment after a value {line!r}"
        assert value == value.strip(), f"line {number}: spaces around the value {line!r}"


def test_the_settings_file_is_valid_and_its_commented_lines_are_the_defaults(monkeypatch):
    for name in setting_names():
        monkeypatch.delenv(name, raising=False)
    lines = [line for line in env_lines(ENV_EXAMPLE) if line[0] not in PROXY_VARIABLES]
    for name, value, _ in lines:
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    assert settings.authenticated and settings.single_tenant
    assert settings.database_url.startswith("postgresql+asyncpg://")
    fields = field_by_setting()
    for name, _, commented in lines:
        if commented and name not in other_names():
            field = fields[name]
            default = Settings.model_fields[field].default
            assert getattr(settings, field) == default, (
                f"#{name}= in pcso-bot.env.example is not the default ({default!r})"
            )


# --- the guide -------------------------------------------------------------------------------


def test_every_setting_the_guide_names_is_one_the_bot_reads():
    named = set(SETTING_NAME.findall(GUIDE.read_text(encoding="utf-8")))
    unknown = sorted(named - setting_names())
    assert not unknown, f"docs/deploy.md names settings the bot does not read: {unknown}"
    assert {"DATABASE_URL", "MicrosoftAppId", "PCSO_ALLOWED_TENANTS"} <= named


def test_every_pcso_bot_command_in_the_guide_is_a_real_one():
    calls = [
        argv for line in code_blocks(GUIDE.read_text(encoding="utf-8")) for argv in _calls_in(line)
    ]
    assert len(calls) >= 6, calls
    for argv in calls:
        parses(argv)
    commands = {tuple(argv[:2]) for argv in calls}
    assert {("db", "backup"), ("manifest", "build"), ("roster", "import")} <= commands


def _calls_in(line: str) -> Iterator[list[str]]:
    try:
        words = shlex.split(line, comments=True)
    except ValueError:
        return
    if words[:2] == ["docker", "compose"] and "run" in words and "migrate" in words:
        yield words[words.index("migrate") + 1 :]
        return
    if len(words) > 6 and (words[0].isdigit() or words[0] == "*"):  # a crontab line
        words = words[6:]
    yield from pcso_bot_calls(words)


def test_the_guide_covers_every_deployment_file_and_each_one_exists():
    text = GUIDE.read_text(encoding="utf-8")
    linked = set(re.findall(r"\(deploy/([^)#\s]+)\)", text))
    present = {path.name for path in DEPLOY.iterdir() if path.is_file()}
    assert linked <= present, f"docs/deploy.md links to missing files: {sorted(linked - present)}"
    assert present <= linked, f"docs/deploy.md never links to: {sorted(present - linked)}"


# --- systemd ---------------------------------------------------------------------------------


def test_the_service_migrates_then_serves_on_loopback_behind_the_proxy():
    entries = unit(SERVICE)
    pre = exec_calls(entries, "ExecStartPre")
    assert pre and pre[0][:2] == ["db", "upgrade"], pre
    for argv in pre:
        parses(argv)
    (start,) = exec_calls(entries, "ExecStart")
    args = parses(start)
    assert start[0] == "serve"
    assert args.host == LOOPBACK and args.port == default_port()


def test_the_service_runs_unprivileged_with_its_settings_file_and_hardening():
    entries = unit(SERVICE)
    assert one(entries, "User") not in ("", "root", "0")
    assert one(entries, "EnvironmentFile") == "/etc/pcso-bot/pcso-bot.env"
    assert one(entries, "Restart") == "on-failure"
    assert one(entries, "NoNewPrivileges") == "yes"
    assert one(entries, "ProtectSystem") == "strict"
    assert one(entries, "PrivateTmp") == "yes"
    assert "/var/lib/pcso-bot" in one(entries, "ReadWritePaths").split()
    assert one(entries, "WorkingDirectory") == "/var/lib/pcso-bot"
    assert ("Install", "WantedBy", "multi-user.target") in entries


def test_the_backup_unit_runs_a_real_backup_command_as_the_service_user():
    entries = unit(BACKUP_SERVICE)
    calls = exec_calls(entries, "ExecStart")
    assert len(calls) == 1, calls
    argv = calls[0]
    assert argv[:2] == ["db", "backup"], argv
    args = parses(argv)
    assert str(args.out).startswith("/var/backups/pcso-bot/")
    assert one(entries, "User") == one(unit(SERVICE), "User")
    assert one(entries, "EnvironmentFile") == one(unit(SERVICE), "EnvironmentFile")
    assert "/var/backups/pcso-bot" in one(entries, "ReadWritePaths").split()


def test_the_backup_timer_starts_the_backup_unit_every_night():
    timer = unit(BACKUP_TIMER)
    assert one(timer, "Unit") == BACKUP_SERVICE.name
    assert re.fullmatch(r"\*-\*-\* \d\d:\d\d:\d\d( \S+)?", one(timer, "OnCalendar"))
    assert one(timer, "Persistent") == "true"
    assert ("Install", "WantedBy", "timers.target") in timer


def test_the_admin_wrapper_runs_pcso_bot_as_the_service_does():
    text = ADMIN.read_text(encoding="utf-8")
    assert text.startswith("#!/bin/sh\n")
    service = unit(SERVICE)
    assert f"--uid={one(service, 'User')}" in text
    assert f"--property=EnvironmentFile={one(service, 'EnvironmentFile')}" in text
    assert f"--working-directory={one(service, 'WorkingDirectory')}" in text
    assert '/opt/pcso-bot/bin/pcso-bot "$@"' in text
    assert ADMIN.stat().st_mode & 0o111, "pcso-bot-admin should be executable"


# --- the container ---------------------------------------------------------------------------


def test_the_image_is_built_in_two_stages_from_pinned_python_3_11():
    instructions = dockerfile()
    images = [args.split()[0] for keyword, args in instructions if keyword == "FROM"]
    assert len(images) == 2, images
    for image in images:
        name, _, tag = image.partition(":")
        assert tag and tag != "latest", f"{image}: pin the base image by tag"
        assert name == "python" and tag.startswith("3.11-"), image
    (copied,) = [args for keyword, args in instructions if keyword == "COPY" and "--from=" in args]
    assert "--from=builder" in copied


def test_the_image_runs_serve_unprivileged_and_checks_a_real_route():
    instructions = dict(dockerfile())  # the last of each instruction wins, as in Docker
    user = instructions["USER"].split(":")[0]
    assert user not in ("root", "0"), user
    entrypoint = json.loads(instructions["ENTRYPOINT"])
    command = json.loads(instructions["CMD"])
    assert entrypoint == ["pcso-bot"]
    args = parses(command)
    assert command[0] == "serve" and args.host == "0.0.0.0"  # published on loopback by Compose
    assert args.port == default_port() == int(instructions["EXPOSE"])
    check = instructions["HEALTHCHECK"]
    assert "curl" not in check and "urllib" in check
    url = re.search(r"http://127\.0\.0\.1:(\d+)(/[\w/]*)", check)
    assert url, check
    assert int(url[1]) == args.port
    assert url[2] in app_routes(), f"HEALTHCHECK asks {url[2]}, which the app does not serve"


def test_the_build_context_leaves_out_secrets_databases_and_bulk():
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    wanted = {".git", ".venv", "build", "dist", "**/node_modules", ".env", "*.db"}
    assert wanted <= patterns, f"Dockerfile.dockerignore misses {sorted(wanted - patterns)}"
    kept = {"pyproject.toml", "README.md", "bot", "dialogs", "storage", "manifest", "LICENSE"}
    assert not kept & patterns, f"the build needs {sorted(kept & patterns)}"


def test_compose_runs_postgresql_16_then_the_migration_then_the_bot():
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "bot"}
    db = services["db"]
    assert str(db["image"]).startswith("postgres:16")
    assert "pg_isready" in db["healthcheck"]["test"]
    assert "ports" not in db, "the database must not be published"
    volume, _, target = db["volumes"][0].partition(":")
    assert target == "/var/lib/postgresql/data" and volume in compose()["volumes"]
    migrate, bot = services["migrate"], services["bot"]
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert bot["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert migrate["command"] == ["db", "upgrade"]
    parses(migrate["command"])
    assert bot["command"][0] == "serve"
    assert parses(bot["command"]).port == default_port()
    for service in (migrate, bot):
        assert service["env_file"] == "pcso-bot.env"
        assert service["image"] == bot["image"]
        build = service["build"]
        assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE


def test_compose_publishes_the_bot_on_loopback_only_and_wires_its_database():
    services = compose()["services"]
    bot, db = services["bot"], services["db"]
    port = parses(bot["command"]).port
    for published in bot["ports"]:
        host, _, container_port = str(published).split(":")
        assert host == LOOPBACK, f"{published}: publish on loopback, the proxy in front"
        assert int(container_port) == port
    url = bot["environment"]["DATABASE_URL"]
    user, database = db["environment"]["POSTGRES_USER"], db["environment"]["POSTGRES_DB"]
    assert url == f"postgresql://{user}:${{POSTGRES_PASSWORD}}@db:5432/{database}"
    assert services["migrate"]["environment"]["DATABASE_URL"] == url
    assert bot["read_only"] is True and bot["cap_drop"] == ["ALL"]


# --- the proxies -----------------------------------------------------------------------------


def nginx_locations() -> set[str]:
    """Exact locations as they are, prefix locations (`^~ /tab/`) as `/tab/*`."""
    text = NGINX.read_text(encoding="utf-8")
    exact = set(re.findall(r"location = (\S+) \{", text))
    return exact | {f"{prefix}*" for prefix in re.findall(r"location \^~ (\S+) \{", text)}


def caddy_paths() -> set[str]:
    (line,) = re.findall(r"@bot path (.+)", CADDYFILE.read_text(encoding="utf-8"))
    return set(line.split())


@pytest.mark.parametrize("proxy", ["nginx", "caddy"])
def test_the_proxies_pass_on_exactly_the_apps_routes(proxy):
    """Each route exactly, or under a prefix (`/tab/*`) that holds nothing but app routes."""
    exposed = nginx_locations() if proxy == "nginx" else caddy_paths()
    routes = app_routes() - INTERNAL_ROUTES
    prefixes = {path.removesuffix("*") for path in exposed if path.endswith("*")}
    under = {route for route in routes if route.startswith(tuple(prefixes))}
    exact = exposed - {f"{prefix}*" for prefix in prefixes}
    assert exact == routes - under, (
        f"{proxy} exposes {sorted(exposed)}; the app serves {sorted(routes)}"
    )
    for prefix in prefixes:
        assert any(route.startswith(prefix) for route in routes), (
            f"{proxy}: {prefix}* serves nothing"
        )


def test_the_proxies_reach_the_port_the_service_listens_on():
    port = default_port()
    assert re.search(rf"server {re.escape(LOOPBACK)}:{port};", NGINX.read_text(encoding="utf-8"))
    assert f"reverse_proxy {LOOPBACK}:{port}" in CADDYFILE.read_text(encoding="utf-8")


def test_the_proxies_body_limit_is_the_bots_and_nginx_outwaits_the_reply_deadline():
    limit = Settings.model_fields["max_body_bytes"].default
    nginx = NGINX.read_text(encoding="utf-8")
    (kib,) = re.findall(r"client_max_body_size (\d+)k;", nginx)
    assert int(kib) * 1024 == limit
    (caddy_kib,) = re.findall(r"max_size (\d+)KiB", CADDYFILE.read_text(encoding="utf-8"))
    assert int(caddy_kib) * 1024 == limit
    ceiling = max(
        getattr(rule, "le", 0) for rule in Settings.model_fields["reply_deadline_seconds"].metadata
    )
    assert ceiling > 0
    for directive in ("proxy_read_timeout", "proxy_send_timeout"):
        (seconds,) = re.findall(rf"{directive} (\d+)s;", nginx)
        assert int(seconds) > ceiling, f"{directive} must outwait the reply deadline"
