"""The supervision tab's server: who may sign in and what they may see, over real HTTP
against the real app on loopback, on SQLite and PostgreSQL.

Teams mode signs in with Entra ID tokens minted by the local OpenID issuer
(`tests/rig/openid.py` `FakeIssuer.user_token`, dated by the service's injected clock), the
service pointed at it with `PCSO_TAB_AUTHORITY`. Local mode signs in with links made by the
real `pcso-bot dashboard link` in a subprocess (`tests/rig/cli.py`), whose clock is the
machine's: those tests set the service's clock to the machine's first, then move it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from itsdangerous.encoding import base64_decode, bytes_to_int
from sqlalchemy import func, select, update

from storage.models import AuditEntry, Officer, ServiceKey, Team
from tests.rig import browser
from tests.rig.cli import run_cli
from tests.rig.officer_day import Clock
from tests.rig.openid import FakeIssuer, SigningKey, hs256_with_public_key, unsigned_token
from tests.rig.serving import free_port
from tests.rig.supervision import joined_long_ago, store
from tests.rig.teams import TENANT

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "bot" / "tab" / "static"
VENDOR = STATIC / "vendor"
APP_ID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
HOST = "pcso-bot.example.police.uk"
RESOURCE = f"api://{HOST}/{APP_ID}"
OTHER_TENANT = "99999999-0000-0000-0000-000000000000"
UNKNOWN_OID = "0badc0de-0000-4000-8000-000000000000"

TEAMS_JS_VERSION = "2.58.0"
TEAMS_JS_TARBALL = (
    f"https://registry.npmjs.org/@microsoft/teams-js/-/teams-js-{TEAMS_JS_VERSION}.tgz"
)
TEAMS_JS_INTEGRITY = (
    "sha512-g4M1pWqdOgH4V3YjppuMzuYFcFnNk92/C0RlebTlxRIzKW0q/4QWYFBoRHt4xbDFRwHOedHueDz+I0ecpM/"
    "GaA=="
)
TEAMS_JS_SHA256 = "1737ae2e319c8ab56d71d2218fd5a49d96a8ad70eb01ff2e9ab7e35093b93379"
TEAMS_JS_MEMBER = ("dist", "umd", "MicrosoftTeams.min.js")

# Who each sample officer is to the tab: role, home page, the teams they may see.
NORTH, PSTF = "Maidstone CSU North", "Maidstone PSTF"
PEOPLE = {
    "S101": ("sergeant", "overview", [NORTH, PSTF]),
    "S102": ("sergeant", "overview", [PSTF]),
    "I501": ("inspector", "overview", [NORTH, PSTF]),
    "A001": ("admin", "overview", [NORTH, PSTF]),
    "P301": ("pcso", "week", []),
    "TL201": ("team_leader", "week", []),
}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@dataclass
class Answer:
    status: int
    headers: Any
    body: Any

    @property
    def error(self) -> str:
        return str(self.body.get("error", "")) if isinstance(self.body, dict) else ""


@dataclass
class Browser:
    """What the tab's script does: GETs with the token in the Authorization header."""

    http: aiohttp.ClientSession
    url: str

    async def get(self, path: str, token: str | None = None, **headers: str) -> Answer:
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        async with self.http.get(f"{self.url}{path}", headers=headers) as response:
            raw = await response.read()
            try:
                body: Any = json.loads(raw)
            except ValueError:
                body = raw
            answer = Answer(response.status, response.headers, body)
        assert_secure(answer, path)
        return answer

    async def me(self, token: str | None, **headers: str) -> Answer:
        return await self.get("/tab/api/me", token, **headers)


def assert_secure(answer: Answer, path: str) -> None:
    """The headers every /tab/ response carries; no 5xx, and an API answer is not cached."""
    assert answer.status < 500, (path, answer.status, answer.body)
    for name, value in HEADERS.items():
        assert answer.headers.get(name) == value, (path, name)
    policy = answer.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in filter(None, (p.strip() for p in policy.split(";"))):
        name, _, value = part.partition(" ")
        directives[name] = value
    assert directives["default-src"] == "'self'", policy
    assert directives["script-src"] == "'self'", policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
    assert set(directives["frame-ancestors"].split()) == {
        "'self'",
        "https://teams.microsoft.com",
        "https://*.teams.microsoft.com",
        "https://*.office.com",
        "https://*.microsoft365.com",
        "https://*.cloud.microsoft",
    }, policy
    if path.startswith("/tab/api/"):
        assert answer.headers.get("Cache-Control") == "no-store", path
        assert answer.headers.get("Content-Type", "").startswith("application/json"), path
    assert "Set-Cookie" not in answer.headers, path


def aad(roster: list[Any], collar: str) -> str:
    return next(r.aad_object_id for r in roster if r.collar_number == collar)


async def audit_count(sessions: Any) -> int:
    async with sessions() as session:
        return await session.scalar(select(func.count()).select_from(AuditEntry)) or 0


async def set_active(sessions: Any, collar: str, active: bool) -> None:
    async with sessions() as session, session.begin():
        await session.execute(
            update(Officer).where(Officer.collar_number == collar).values(active=active)
        )


# --- Teams mode: single sign-on -------------------------------------------------------------


@pytest.fixture
def issuer() -> Iterator[FakeIssuer]:
    with FakeIssuer().serving() as running:
        yield running


@pytest.fixture
async def teams_tab(start_bot: Any, http: aiohttp.ClientSession, issuer: FakeIssuer) -> Browser:
    """The service in Teams mode (SingleTenant in the rig's tenant), trusting the issuer."""
    url = await start_bot(
        app_id=APP_ID,
        app_password="secret",
        app_type="SingleTenant",
        app_tenant_id=TENANT,
        public_host=HOST,
        tab_authority=issuer.url,
    )
    return Browser(http, url)


@pytest.fixture
def sso(issuer: FakeIssuer, clock: Clock, sample_roster: list[Any]) -> Any:
    """`sso("S101", **changes)`: the token Teams gives the tab for that officer."""

    def token(collar: str | None = None, **changes: Any) -> str:
        claims: dict[str, Any] = {
            "audience": RESOURCE,
            "tenant": TENANT,
            "oid": aad(sample_roster, collar) if collar else UNKNOWN_OID,
            "now": clock.now,
        }
        claims.update(changes)
        return issuer.user_token(**claims)

    return token


@pytest.mark.parametrize("collar", sorted(PEOPLE))
async def test_each_role_signs_in_with_teams_and_opens_on_its_home_page(
    teams_tab: Browser, sso: Any, sample_roster: list[Any], collar: str
) -> None:
    role, home, teams = PEOPLE[collar]
    answer = await teams_tab.me(sso(collar))
    assert answer.status == 200, answer.body
    row = next(r for r in sample_roster if r.collar_number == collar)
    assert answer.body["name"] == row.name
    assert answer.body["collar"] == collar
    assert (answer.body["role"], answer.body["home"]) == (role, home)
    assert [t["name"] for t in answer.body["teams"]] == teams
    hrefs = [item["href"] for item in answer.body["nav"]]
    if home == "week":
        assert hrefs == ["#week"]
    else:
        ids = [t["id"] for t in answer.body["teams"]]
        assert hrefs == ["#overview", *(f"#review?team={i}" for i in ids)]


async def test_v1_and_v2_tokens_are_accepted_with_either_audience(
    teams_tab: Browser, sso: Any
) -> None:
    for version in ("1.0", "2.0"):
        for audience in (RESOURCE, APP_ID):
            token = sso("S101", version=version, audience=audience)
            answer = await teams_tab.me(token)
            assert answer.status == 200, (version, audience, answer.body)


def forgeries(issuer: FakeIssuer, sso: Any, clock: Clock) -> dict[str, str]:
    """Every kind of sign-in the tab must refuse with 401, by name: the header's value."""
    stranger = SigningKey.make(issuer.keys[0].kid)  # the published kid, a key nobody published
    now = int(clock.now.timestamp())
    good = {
        "iss": f"{issuer.url}/{TENANT}/v2.0",
        "aud": RESOURCE,
        "tid": TENANT,
        "oid": "6f1c2a3b-0001-4000-8000-000000000101",
        "scp": "access_as_user",
        "exp": now + 3600,
        "nbf": now,
    }
    kid = {"kid": issuer.keys[0].kid}
    return {
        "no header": "",
        "not bearer": "Basic dXNlcjpwYXNz",
        "empty bearer": "Bearer ",
        "three words": "Bearer a b",
        "garbage": "Bearer garbage",
        "not a JWT": "Bearer " + "x" * 5000,
        "accented": "Bearer é" * 40,
        "wrong audience": f"Bearer {sso('S101', audience='api://elsewhere/' + APP_ID)}",
        "the bot's Bot Framework audience only": f"Bearer {sso('S101', audience='x-' + APP_ID)}",
        "wrong issuer": f"Bearer {sso('S101', issuer='https://evil.example/' + TENANT + '/v2.0')}",
        "another tenant's issuer": f"Bearer {sso('S101', issuer=f'https://sts.windows.net/{OTHER_TENANT}/')}",
        "a tenant not allowed": f"Bearer {sso('S101', tenant=OTHER_TENANT)}",
        "no tenant": f"Bearer {sso('S101', tid=None)}",
        "forged signature": f"Bearer {sso('S101', key=stranger)}",
        "unknown key": f"Bearer {sso('S101', key=SigningKey.make('no-such-key'))}",
        "expired": f"Bearer {sso('S101', now=clock.now - timedelta(hours=2))}",
        "not yet valid": f"Bearer {sso('S101', now=clock.now + timedelta(hours=1))}",
        "no expiry": f"Bearer {sso('S101', exp=None)}",
        "expiry not a number": f"Bearer {sso('S101', exp='tomorrow')}",
        "no scope": f"Bearer {sso('S101', scp=None)}",
        "another scope": f"Bearer {sso('S101', scp='User.Read')}",
        "no oid": f"Bearer {sso('S101', oid=None)}",
        "oid not a string": f"Bearer {sso('S101', oid=12345)}",
        "alg none": f"Bearer {unsigned_token(good, {'alg': 'none', **kid})}",
        "HS256 with the public key": f"Bearer {hs256_with_public_key(good, issuer.keys[0])}",
    }


async def test_every_bad_sign_in_is_401_in_words_and_audits_nothing(
    teams_tab: Browser, issuer: FakeIssuer, sso: Any, clock: Clock, sessions: Any
) -> None:
    for name, header in forgeries(issuer, sso, clock).items():
        headers = {"Authorization": header} if header else {}
        answer = await teams_tab.me(None, **headers)
        assert answer.status == 401, (name, answer.body)
        assert "Teams" in answer.error, (name, answer.body)
        assert "Traceback" not in str(answer.body)
    assert await audit_count(sessions) == 0


async def test_a_sign_in_lasts_as_long_as_its_token_by_the_services_clock(
    teams_tab: Browser, sso: Any, clock: Clock
) -> None:
    token = sso("S101")  # an hour, from the clock's now
    assert (await teams_tab.me(token)).status == 200
    clock.now += timedelta(hours=1, seconds=59)  # within a minute's leeway
    assert (await teams_tab.me(token)).status == 200
    clock.now += timedelta(seconds=2)
    expired = await teams_tab.me(token)
    assert expired.status == 401
    assert "open the Supervision tab in Teams" in expired.error


async def test_someone_not_on_the_roster_or_inactive_is_403(
    teams_tab: Browser, sso: Any, sessions: Any
) -> None:
    stranger = await teams_tab.me(sso(None, preferred_username="nobody@police.example"))
    assert (stranger.status, stranger.body["reason"]) == (403, "not_on_roster")
    assert "roster" in stranger.error
    await set_active(sessions, "S101", False)
    inactive = await teams_tab.me(sso("S101"))
    assert (inactive.status, inactive.body["reason"]) == (403, "inactive")
    assert await audit_count(sessions) == 0


async def test_an_officer_without_an_aad_id_is_matched_by_email_and_remembered(
    teams_tab: Browser, sso: Any, sessions: Any
) -> None:
    """P304 is on the roster with no aad_object_id, as a Teams sender may be."""
    oid = "7e57e57e-0000-4000-8000-000000000304"
    first = await teams_tab.me(sso(None, oid=oid, preferred_username="Riley.Evans@police.example"))
    assert (first.status, first.body["collar"]) == (200, "P304")
    async with sessions() as session:
        stored = await session.scalar(
            select(Officer.aad_object_id).where(Officer.collar_number == "P304")
        )
    assert stored == oid
    again = await teams_tab.me(sso(None, oid=oid))  # no e-mail in it: the oid is enough now
    assert (again.status, again.body["collar"]) == (200, "P304")
    # Someone else with the same e-mail in their token is not Riley.
    other = await teams_tab.me(
        sso(None, oid=UNKNOWN_OID, upn="riley.evans@police.example", version="1.0")
    )
    assert other.status == 403


async def test_unreachable_signing_keys_are_401_and_a_warning_not_a_5xx(
    start_bot: Any, http: aiohttp.ClientSession, issuer: FakeIssuer, sso: Any, caplog: Any
) -> None:
    url = await start_bot(
        app_id=APP_ID,
        app_password="secret",
        app_type="SingleTenant",
        app_tenant_id=TENANT,
        public_host=HOST,
        tab_authority=f"http://127.0.0.1:{free_port()}",
    )
    with caplog.at_level(logging.INFO):
        answer = await Browser(http, url).me(sso("S101"))
    assert answer.status == 401
    assert any(
        r.levelno == logging.WARNING and "signing keys" in r.getMessage() for r in caplog.records
    )


async def test_hostile_headers_are_4xx(teams_tab: Browser, sso: Any) -> None:
    long = await teams_tab.me(None, Authorization="Bearer " + "A" * 8000)
    assert long.status == 401
    # Past aiohttp's 8190 bytes a header line is refused by its parser, before any route.
    huge = {"Authorization": "Bearer " + "A" * 20_000}
    async with teams_tab.http.get(f"{teams_tab.url}/tab/api/me", headers=huge) as response:
        assert response.status == 400
    many = await teams_tab.me(sso("S101"), **{f"X-Pad-{i}": "x" * 100 for i in range(50)})
    assert many.status == 200
    odd = await teams_tab.me(None, Authorization="Bearer \u00ffvil.\u202e.x")
    assert odd.status in (400, 401)


async def test_refusals_are_logged_without_personal_data(
    teams_tab: Browser, sso: Any, caplog: Any
) -> None:
    with caplog.at_level(logging.INFO):
        await teams_tab.me(sso(None, preferred_username="chris.unknown@police.example"))
        await teams_tab.me("garbage")
    shown = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert any("refused: 403 not_on_roster" in line for line in shown), shown
    assert any("refused: 401 signin" in line for line in shown), shown
    for line in shown:
        for private in ("chris.unknown", "Chris", "garbage"):
            assert private not in line, line


# --- Local mode: signed links -------------------------------------------------------------


@pytest.fixture
async def local_tab(start_bot: Any, http: aiohttp.ClientSession, clock: Clock) -> Browser:
    """The service in local mode, its clock set to the machine's (the CLI's)."""
    clock.now = datetime.now(UTC)
    return Browser(http, await start_bot())


def dashboard_link(database_url: str, cwd: Path, collar: str, *more: str, **env: str) -> str:
    """The token of the link `pcso-bot dashboard link --as COLLAR` prints."""
    code, out, err = run_cli(database_url, cwd, "dashboard", "link", "--as", collar, *more, **env)
    assert code == 0, err
    url = out.splitlines()[0]
    assert "#link=" in url and "15 minutes" in out
    return url.split("#link=", 1)[1]


def made_at(token: str) -> datetime:
    """When a link says it was made (itsdangerous' timestamp, the token's middle part)."""
    stamp = token.rsplit(".", 2)[1]
    return datetime.fromtimestamp(bytes_to_int(base64_decode(stamp)), UTC)


async def test_a_link_from_the_cli_signs_in_for_15_minutes_of_the_services_clock(
    local_tab: Browser, database_url: str, tmp_path: Path, clock: Clock, sample_roster: Any
) -> None:
    code, out, err = run_cli(
        database_url, tmp_path, "dashboard", "link", "--as", "s101", "--url", local_tab.url
    )
    assert code == 0 and err == "", err
    url, note = out.splitlines()
    assert url.startswith(f"{local_tab.url}/tab/#link=")
    assert "S101" in note and "15 minutes" in note
    token = url.split("#link=", 1)[1]
    made = made_at(token)
    clock.now = made
    answer = await local_tab.me(token)
    assert (answer.status, answer.body["collar"], answer.body["home"]) == (200, "S101", "overview")
    clock.now = made + timedelta(minutes=15)
    assert (await local_tab.me(token)).status == 200
    clock.now = made + timedelta(minutes=15, seconds=1)
    expired = await local_tab.me(token)
    assert (expired.status, expired.body["reason"]) == (401, "expired")
    assert "pcso-bot dashboard link" in expired.error
    clock.now = made - timedelta(minutes=5)  # a link from the future: the clocks disagree
    assert (await local_tab.me(token)).status == 401


async def test_a_tampered_link_is_401(
    local_tab: Browser, database_url: str, tmp_path: Path, sample_roster: Any
) -> None:
    token = dashboard_link(database_url, tmp_path, "P301", "--url", local_tab.url)
    payload, stamp, signature = token.split(".")
    admin = base64.urlsafe_b64encode(b'{"collar":"A001"}').rstrip(b"=").decode()
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    for forged in (
        f"{admin}.{stamp}.{signature}",
        f"{payload}.{stamp}.{flipped}",
        f"{payload}.{stamp}.",
        token + "x" * 500,
        "",
    ):
        answer = await local_tab.me(forged)
        assert answer.status == 401, forged
        assert "pcso-bot dashboard link" in answer.error
    assert (await local_tab.me(token)).status == 200


async def test_a_link_for_someone_taken_off_the_roster_is_403(
    local_tab: Browser, database_url: str, tmp_path: Path, sessions: Any, sample_roster: Any
) -> None:
    token = dashboard_link(database_url, tmp_path, "P301")
    assert (await local_tab.me(token)).body["home"] == "week"
    await set_active(sessions, "P301", False)
    answer = await local_tab.me(token)
    assert (answer.status, answer.body["reason"]) == (403, "inactive")


async def test_two_processes_making_the_first_link_at_once_share_one_key(
    local_tab: Browser, database_url: str, tmp_path: Path, sessions: Any, sample_roster: Any
) -> None:
    first, second = await asyncio.gather(
        asyncio.to_thread(dashboard_link, database_url, tmp_path, "S101"),
        asyncio.to_thread(dashboard_link, database_url, tmp_path, "I501"),
    )
    async with sessions() as session:
        names = (await session.scalars(select(ServiceKey.name))).all()
    assert names == ["tab-link"]
    assert (await local_tab.me(first)).body["collar"] == "S101"
    assert (await local_tab.me(second)).body["collar"] == "I501"


async def test_the_cli_refuses_what_it_cannot_sign_in_one_line(
    database_url: str, tmp_path: Path, sessions: Any, sample_roster: Any
) -> None:
    await set_active(sessions, "P302", False)
    cases = {
        ("--as", "P999"): "no officer with collar number P999 is on the roster",
        ("--as", "P302"): "P302 is not active on the roster",
        ("--as", "S101", "--url", "ftp://x"): "--url",
        ("--as", "S101", "--url", "http://127.0.0.1:3978/tab/"): "no path",
    }
    for args, words in cases.items():
        code, out, err = run_cli(database_url, tmp_path, "dashboard", "link", *args)
        assert (code, out) == (2, ""), (args, err)
        assert err.count("\n") == 1 and err.startswith("pcso-bot: ") and words in err, err
    async with sessions() as session:
        assert (await session.scalars(select(ServiceKey.name))).all() == []


async def test_links_are_refused_in_teams_mode_by_the_cli_and_by_the_service(
    teams_tab: Browser, database_url: str, tmp_path: Path, clock: Clock, sample_roster: Any
) -> None:
    code, out, err = run_cli(
        database_url,
        tmp_path,
        "dashboard",
        "link",
        "--as",
        "S101",
        MicrosoftAppId=APP_ID,
        MicrosoftAppTenantId=TENANT,
    )
    assert (code, out) == (2, "")
    assert err.startswith("pcso-bot: MicrosoftAppId is set") and err.count("\n") == 1, err
    assert "open the Supervision tab in Teams" in err
    token = dashboard_link(database_url, tmp_path, "S101")  # made in local mode
    clock.now = made_at(token)
    answer = await teams_tab.me(token)
    assert answer.status == 401
    assert "open the Supervision tab in Teams" in answer.error


# --- The shell and its files -----------------------------------------------------------------


async def test_the_shell_page_names_its_files_by_version_and_runs_no_inline_script(
    local_tab: Browser, teams_tab: Browser
) -> None:
    local = await local_tab.get("/tab/")
    assert local.status == 200
    assert local.headers["Content-Type"] == "text/html; charset=utf-8"
    assert local.headers["Cache-Control"] == "no-cache"
    html = local.body.decode()
    assert 'data-mode="local"' in html and "{{" not in html
    assert re.search(r'<script src="static/tab\.js\?v=[0-9a-f]{20}" defer></script>', html)
    assert re.search(r'data-teams-js="static/vendor/MicrosoftTeams\.min\.js\?v=[0-9a-f]{20}"', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    assert not re.search(r"\son[a-z]+=", html), "an inline event handler"
    assert "<main" in html and 'id="who"' in html and "<nav" in html
    teams = await teams_tab.get("/tab/")
    assert 'data-mode="teams"' in teams.body.decode()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("tab.js", "text/javascript; charset=utf-8"),
        ("shell.css", "text/css; charset=utf-8"),
        ("vendor/MicrosoftTeams.min.js", "text/javascript; charset=utf-8"),
    ],
)
async def test_static_files_are_served_with_their_type_and_version(
    local_tab: Browser, path: str, content_type: str
) -> None:
    plain = await local_tab.get(f"/tab/static/{path}")
    assert plain.status == 200
    assert plain.headers["Content-Type"] == content_type
    assert plain.body == (STATIC / path).read_bytes()
    etag = plain.headers["ETag"]
    version = etag.strip('"')
    assert plain.headers["Cache-Control"] == "no-cache"
    versioned = await local_tab.get(f"/tab/static/{path}?v={version}")
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    again = await local_tab.get(f"/tab/static/{path}", **{"If-None-Match": etag})
    assert (again.status, again.body) == (304, b"")


@pytest.mark.parametrize(
    "path",
    [
        "/tab/static/nothing.js",
        "/tab/static/index.html",
        "/tab/static/vendor/README.md",
        "/tab/static/../routes.py",
        "/tab/static/%2e%2e/routes.py",
        "/tab/static/vendor/../../auth.py",
        "/tab/api/nothing",
        "/tab/nothing",
    ],
)
async def test_what_the_tab_does_not_serve_is_404_with_its_headers(
    local_tab: Browser, path: str
) -> None:
    answer = await local_tab.get(path)
    assert answer.status == 404, path


def test_the_vendored_teams_library_is_the_pinned_one() -> None:
    data = (VENDOR / "MicrosoftTeams.min.js").read_bytes()
    assert hashlib.sha256(data).hexdigest() == TEAMS_JS_SHA256
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for recorded in (TEAMS_JS_VERSION, TEAMS_JS_TARBALL, TEAMS_JS_INTEGRITY, TEAMS_JS_SHA256):
        assert recorded in readme, recorded
    licence = (VENDOR / "LICENSE.teams-js").read_text(encoding="utf-8")
    assert "MIT License" in licence and "Microsoft Corporation" in licence


def test_the_vendored_teams_library_is_byte_for_byte_the_registrys() -> None:
    """The committed file is the one in the registry's package: the test rig installs that
    package with `npm ci` from its lockfile, which pins the integrity the vendor README
    records. Without npm this is skipped; with CI set it fails instead."""
    lock = json.loads((browser.RIG / "package-lock.json").read_text(encoding="utf-8"))
    entry = lock["packages"]["node_modules/@microsoft/teams-js"]
    assert (entry["version"], entry["integrity"]) == (TEAMS_JS_VERSION, TEAMS_JS_INTEGRITY)
    path, missing = browser.npm_file("@microsoft", "teams-js", *TEAMS_JS_MEMBER)
    if missing is not None:
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail(f"CI is set, so this cannot be skipped: {missing}", pytrace=False)
        pytest.skip(missing)
    assert path.read_bytes() == (VENDOR / "MicrosoftTeams.min.js").read_bytes()


# --- The pages, behind the checks -------------------------------------------------------------


async def team_ids(sessions: Any) -> dict[str, int]:
    async with sessions() as session:
        return {team.name: team.id for team in (await session.scalars(select(Team))).all()}


def page_paths(ids: dict[str, int]) -> dict[str, str]:
    north, pstf = ids[NORTH], ids[PSTF]
    return {
        "overview": "/tab/api/page/overview",
        "overview north": f"/tab/api/page/overview?team={north}",
        "overview pstf": f"/tab/api/page/overview?team={pstf}",
        "overview maidstone": "/tab/api/page/overview?district=maidstone",
        "review north": f"/tab/api/page/review?team={north}&date=2026-11-30",
        "review pstf today": f"/tab/api/page/review?team={pstf}",
        "officer P301 (north)": "/tab/api/page/officer?collar=P301",
        "officer P311 (pstf)": "/tab/api/page/officer?collar=P311",
        "week": "/tab/api/page/week",
    }


# Which of `page_paths` each officer may see; every other one is 403.
ALLOWED = {
    "S101": set(page_paths({NORTH: 0, PSTF: 0})),
    "I501": set(page_paths({NORTH: 0, PSTF: 0})),
    "A001": set(page_paths({NORTH: 0, PSTF: 0})),
    "S102": {
        "overview",
        "overview pstf",
        "overview maidstone",  # their teams in the district: PSTF
        "review pstf today",
        "officer P311 (pstf)",
        "week",
    },
    "P301": {"week"},
    "TL201": {"week"},
}


def assert_a_page(answer: Answer, what: str) -> None:
    """A page as the shell shows it: a title, an HTML fragment the policy lets run."""
    assert answer.status == 200, (what, answer.body)
    assert set(answer.body) == {"title", "html"}, what
    title, html = answer.body["title"], answer.body["html"]
    assert title and html.strip(), what
    assert not re.search(r"<(?:html|head)[\s>]", html), what  # a fragment (<header> is one)
    assert not re.search(r"<script|\son[a-z]+\s*=|\sstyle\s*=|javascript:", html, re.I), what
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html, re.I), what


@pytest.mark.parametrize("collar", sorted(ALLOWED))
async def test_each_role_sees_its_own_pages_and_no_others(
    teams_tab: Browser, sso: Any, sessions: Any, collar: str
) -> None:
    token = sso(collar)
    for what, path in page_paths(await team_ids(sessions)).items():
        answer = await teams_tab.get(path, token)
        if what in ALLOWED[collar]:
            assert_a_page(answer, f"{collar}: {what}")
        else:
            assert answer.status == 403, (collar, what, answer.body)
            assert answer.body["reason"] == "not_yours" and answer.error, (collar, what)


async def test_every_page_shown_is_audited_and_nothing_refused_is(
    teams_tab: Browser, sso: Any, sessions: Any, clock: Clock
) -> None:
    ids = await team_ids(sessions)
    paths = page_paths(ids)
    token = sso("S102")
    for what in ("overview pstf", "review pstf today", "officer P311 (pstf)", "overview north"):
        await teams_tab.get(paths[what], token)
    async with sessions() as session:
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
        s102 = await session.scalar(select(Officer.id).where(Officer.collar_number == "S102"))
    assert [e.action for e in entries] == ["tab.view"] * 3
    assert {e.actor for e in entries} == {"S102"}
    assert {e.actor_officer_id for e in entries} == {s102}
    assert all(e.at == clock.now for e in entries)
    today = clock.now.astimezone(ZoneInfo("Europe/London")).date().isoformat()
    details = [e.detail for e in entries]
    assert details[0]["page"] == "overview" and PSTF in details[0]["teams"]
    assert details[1] == {"page": "review", "team": PSTF, "day": today}
    assert details[2]["page"] == "officer" and details[2]["collar"] == "P311"


async def test_an_overview_shown_again_shows_what_was_written_since(
    teams_tab: Browser, sso: Any, sessions: Any, clock: Clock
) -> None:
    """The server keeps a drawn overview (bot/tab/kept_pages.py): shown again with nothing
    written it is the same page, audited again; after an answer is stored, whoever stores
    it, the page shows it."""
    await joined_long_ago(sessions)  # so that last week's answers count
    token = sso("S101")
    path = "/tab/api/page/overview"
    first = await teams_tab.get(path, token)
    assert_a_page(first, "S101's overview")
    assert (await teams_tab.get(path, token)).body == first.body
    today = clock.now.astimezone(ZoneInfo("Europe/London")).date()
    wednesday = today - timedelta(days=today.weekday() + 5)  # last week's
    async with store(sessions) as s:
        s.attend("P301", wednesday, "in_person")
    after = await teams_tab.get(path, token)
    assert_a_page(after, "S101's overview, after an answer")
    assert after.body["html"] != first.body["html"]
    assert await audit_count(sessions) == 3


async def test_a_sergeant_opens_a_link_from_the_cli_and_sees_their_teams(
    local_tab: Browser,
    database_url: str,
    tmp_path: Path,
    clock: Clock,
    sessions: Any,
    sample_roster: Any,
) -> None:
    token = dashboard_link(database_url, tmp_path, "S101", "--url", local_tab.url)
    clock.now = made_at(token)
    me = await local_tab.me(token)
    page = await local_tab.get(f"/tab/api/page/{me.body['home']}", token)
    assert_a_page(page, "S101's home")
    assert NORTH in page.body["html"] and PSTF in page.body["html"]
    async with sessions() as session:
        (entry,) = (await session.scalars(select(AuditEntry))).all()
    assert (entry.action, entry.actor, entry.detail["page"]) == ("tab.view", "S101", "overview")


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page/nothing", 404),
        ("page/OVERVIEW", 404),
        ("page/%00", 404),
        ("page/" + "x" * 5000, 404),
        ("page/", 404),
        ("page/overview?team=abc", 400),
        ("page/overview?team=-1", 400),
        ("page/overview?team=99999999999999999999", 400),
        ("page/overview?team=999999", 404),
        ("page/officer?collar=P999", 404),
        ("page/officer?collar=S102", 404),
        ("page/officer", 400),
        ("page/review", 400),
        ("page/review?team={north}&date=2026-13-01", 400),
        ("page/review?team={north}&date=1999-12-31", 400),
        ("page/review?team={north}&date=2099-01-01", 400),
        ("page/overview?team={north}&team={pstf}", 400),
        ("page/overview?team=" + "1" * 200, 400),
        ("page/overview?team=1%00", 400),
        ("page/overview?a=1&b=2&c=3&d=4&e=5&f=6&g=7&h=8&i=9", 400),
        ("page/overview?%3Cscript%3E=1", 400),
        ("page/overview?district=%20", 400),
        ("page/overview?district=Swale", 404),
    ],
)
async def test_bad_page_requests_are_4xx_in_words_and_audit_nothing(
    teams_tab: Browser, sso: Any, sessions: Any, query: str, status: int
) -> None:
    ids = await team_ids(sessions)
    path = "/tab/api/" + query.format(north=ids[NORTH], pstf=ids[PSTF])
    answer = await teams_tab.get(path, sso("A001"))
    assert answer.status == status, (path, answer.body)
    assert answer.error and "Traceback" not in answer.error
    assert await audit_count(sessions) == 0


async def test_another_district_is_403_and_an_admin_opens_it(
    teams_tab: Browser, sso: Any, sessions: Any
) -> None:
    async with sessions() as session, session.begin():
        session.add(Team(name="Swale NPT", district="Swale"))
    path = "/tab/api/page/overview?district=Swale"
    answer = await teams_tab.get(path, sso("I501"))
    assert (answer.status, answer.body["reason"]) == (403, "not_yours")
    assert_a_page(await teams_tab.get(path, sso("A001")), "A001: Swale")
    home = await teams_tab.get("/tab/api/page/overview", sso("A001"))
    assert_a_page(home, "A001: the districts")
    assert home.body["title"] == "Supervision: your districts"
    assert await audit_count(sessions) == 2  # the two pages shown, not the refusal


async def test_a_page_is_signed_in_before_anything_else(teams_tab: Browser, sessions: Any) -> None:
    for path in ("/tab/api/page/nothing", "/tab/api/page/overview?team=abc"):
        answer = await teams_tab.get(path)
        assert answer.status == 401, path
    assert await audit_count(sessions) == 0


# --- The shell in a browser -----------------------------------------------------------------

SHOTS = ROOT / "build" / "tab" / "shell"
SIGNED_IN = "document.getElementById('who').textContent.includes('(')"
NOTICE = "document.querySelector('#main .shell-error') !== null"
SHOWN = (
    "document.querySelector('#main .page') !== null && !document.querySelector('#main[aria-busy]')"
)


def shown_and(condition: str) -> str:
    return f"{SHOWN} && {condition}"


async def until(page: Any, condition: str) -> None:
    """Wait (up to 20 s) until `condition` holds in the page. Asked with `evaluate`, as the
    developer tools ask: Playwright's `wait_for_function` evaluates a string in the page,
    which the tab's policy (no 'unsafe-eval') rightly refuses."""
    for _ in range(400):
        if await page.evaluate(condition):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never true in the page: {condition}")


@pytest.fixture
async def chromium() -> Any:
    """Debian's Chromium driven by Playwright (no browser downloaded), or a skip saying why."""
    from tests.rig.tab_browser import launched

    async with launched() as browser:
        yield browser


async def opened(chromium: Any, url: str, width: int) -> tuple[Any, list[str]]:
    """A new browsing context (its own sessionStorage) at `width`, at `url`; the script
    errors and policy violations it reports."""
    context = await chromium.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    await page.goto(url)
    return page, problems


async def opened_as(
    chromium: Any, tab: Browser, database_url: str, cwd: Path, clock: Clock, collar: str, width: int
) -> tuple[Any, list[str], str]:
    """The tab opened at `width` from a link the CLI made for `collar`, the service's clock
    at the moment the link was made: the page, its problems and the link."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    link = dashboard_link(database_url, cwd, collar, "--url", tab.url)
    clock.now = made_at(link)
    page, problems = await opened(chromium, f"{tab.url}/tab/#link={link}", width)
    return page, problems, link


async def test_in_a_browser_a_sergeant_follows_the_tabs_links_and_the_back_button(
    chromium: Any,
    local_tab: Browser,
    database_url: str,
    tmp_path: Path,
    clock: Clock,
    sessions: Any,
    sample_roster: Any,
) -> None:
    page, problems, link = await opened_as(
        chromium, local_tab, database_url, tmp_path, clock, "S101", 1280
    )
    await until(page, SIGNED_IN)
    await until(page, SHOWN)
    assert await page.text_content("#who") == "Chris Walker (S101) · Sergeant"
    assert page.url == f"{local_tab.url}/tab/#overview", "the link is still in the address"
    assert await page.evaluate("history.length") <= 2
    nav = await page.eval_on_selector_all("#nav a", "links => links.map(a => a.textContent)")
    assert nav == ["Overview", f"Review: {NORTH}", f"Review: {PSTF}"]
    assert await page.get_attribute("#nav a[href='#overview']", "aria-current") == "page"
    await page.screenshot(path=str(SHOTS / "shell-sergeant-overview-1280.png"))

    await page.click(f"#nav a:has-text('Review: {PSTF}')")
    await until(page, "document.title.includes('Maidstone PSTF')")
    assert "#review?team=" in page.url
    await page.click("#main a[href^='#overview']")  # the review's link to its team's weeks
    await until(page, shown_and("location.hash.startsWith('#overview?team=')"))
    await page.click("#main a[href^='#officer?collar=P311']")
    await until(page, "document.title.includes('P311')")
    main = await page.inner_text("#main")
    assert "Taylor Brooks" in main
    await page.go_back()
    await until(page, "location.hash.startsWith('#overview?team=')")
    await until(page, "!document.title.includes('P311')")
    await page.go_back()
    await until(page, "location.hash.startsWith('#review?team=')")
    await page.reload()  # the sign-in lasts for the tab's session, within the 15 minutes
    await until(page, shown_and("document.title.includes('Maidstone PSTF')"))

    clock.now = made_at(link) + timedelta(minutes=16)
    await page.reload()
    await until(page, NOTICE)
    notice = await page.inner_text("#main")
    assert "expired" in notice and "pcso-bot dashboard link" in notice
    assert problems == []
    async with sessions() as session:
        views = (await session.scalars(select(AuditEntry.detail))).all()
    # Each page the browser showed, going back included; the expired reload showed none.
    pages = ["overview", "review", "overview", "officer", "overview", "review", "review"]
    assert [view["page"] for view in views] == pages


async def test_in_a_browser_a_pcso_on_a_phone_sees_their_week_and_is_told_no(
    chromium: Any,
    local_tab: Browser,
    database_url: str,
    tmp_path: Path,
    clock: Clock,
    sample_roster: Any,
) -> None:
    page, problems, _ = await opened_as(
        chromium, local_tab, database_url, tmp_path, clock, "P301", 375
    )
    await until(page, SHOWN)
    assert page.url.endswith("/tab/#week")
    assert await page.text_content("#who") == "Alex Carter (P301) · PCSO"
    assert await page.evaluate("document.documentElement.scrollWidth") <= 375
    await page.screenshot(path=str(SHOTS / "shell-pcso-week-375.png"), full_page=True)
    await page.evaluate("location.hash = '#overview'")
    await until(page, NOTICE)
    assert "sergeants, inspectors and admins" in await page.inner_text("#main")
    await page.screenshot(path=str(SHOTS / "shell-pcso-refused-375.png"))
    assert problems == []

    stranger, problems = await opened(chromium, f"{local_tab.url}/tab/", 375)
    await until(stranger, NOTICE)
    assert "not signed in" in await stranger.inner_text("#main")
    assert await stranger.text_content("#who") == "Not signed in"
    assert problems == []


async def test_in_a_browser_outside_teams_the_teams_tab_says_to_open_it_in_teams(
    chromium: Any, teams_tab: Browser
) -> None:
    page, problems = await opened(chromium, f"{teams_tab.url}/tab/", 375)
    await until(page, NOTICE)
    assert "open the Supervision tab there" in await page.inner_text("#main")
    # The only thing the policy stops is the Teams library asking Microsoft's CDN for its
    # list of hosts; it then uses the list it ships with (bot/tab/static/vendor/README.md).
    assert all("res.cdn.office.net" in problem for problem in problems), problems
