"""The two Teams SDKs (`PCSO_TEAMS_SDK`): the bot's own token from Entra ID on both (a fake
Entra ID on loopback, tests/rig/entra.py), each SDK imported by its own module only, the one
internal of the Agents SDK the bot relies on, key fetches bounded, and the settings.

Inbound tokens are tested on both SDKs in tests/test_edge_auth.py (parametrised by the rig)."""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from bot.settings import Settings
from dialogs.core import Reply
from storage.models import Delivery
from tests.rig.connector import FakeConnector
from tests.rig.entra import FakeEntra
from tests.rig.openid import FakeIssuer
from tests.rig.teams import TENANT, TeamsUser

ROOT = Path(__file__).parent.parent
APP_ID = "00000000-1111-2222-3333-444444444444"
SECRET = "the-client-secret"
SCOPE = "https://api.botframework.com/.default"
SDK_MODULES = {
    "botbuilder": ("botbuilder", "botframework"),
    "agents": ("microsoft_agents",),
}


@pytest.fixture
def issuer() -> Iterator[FakeIssuer]:
    with FakeIssuer().serving() as running:
        yield running


@pytest.fixture
def entra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEntra]:
    with FakeEntra(client_id=APP_ID, client_secret=SECRET).serving(tmp_path) as running:
        for name, value in running.environment().items():
            monkeypatch.setenv(name, value)
        yield running


def secure(issuer: FakeIssuer, **overrides: Any) -> dict[str, Any]:
    """A SingleTenant bot in the rig's tenant that trusts the local issuer."""
    return {
        "app_id": APP_ID,
        "app_password": SECRET,
        "app_type": "SingleTenant",
        "app_tenant_id": TENANT,
        "openid_metadata_url": issuer.metadata_url,
        "token_issuer": issuer.issuer,
        **overrides,
    }


async def alex(sample_roster, teams_user, start_bot, issuer: FakeIssuer, **overrides: Any):  # type: ignore[no-untyped-def]
    url = await start_bot(**secure(issuer, **overrides))
    row = next(r for r in sample_roster if r.collar_number == "P301")
    user: TeamsUser = teams_user(row, bot_url=url)
    token = issuer.token(audience=APP_ID, service_url=user.service_url)
    return user, {"Authorization": f"Bearer {token}"}


async def test_replies_carry_the_bots_own_token_from_its_tenant(
    sample_roster, teams_user, start_bot, issuer, entra: FakeEntra, connector: FakeConnector
):
    user, headers = await alex(sample_roster, teams_user, start_bot, issuer)
    for text in ("whoami", "help"):
        result = await user.post(user.activity(text=text), **headers)
        assert result.status == 200 and result.replies, text
    assert connector.authorizations == ["Bearer entra-token-1"] * 2
    async with user.http.get(f"{user.bot_url}/healthz") as answer:
        assert (answer.status, (await answer.json())["teams"]) == (200, {"token": "ok"})
    (asked,) = entra.requests  # once: the second reply reuses the token
    assert asked.tenant == TENANT
    assert asked.form["grant_type"] == "client_credentials"
    assert asked.form["client_id"] == APP_ID
    assert set(asked.form["scope"].split()) >= {SCOPE}


async def test_a_multi_tenant_bot_asks_the_bot_framework_tenant(
    sample_roster, teams_user, start_bot, issuer, entra: FakeEntra, connector: FakeConnector
):
    user, headers = await alex(sample_roster, teams_user, start_bot, issuer, app_type="MultiTenant")
    assert (await user.post(user.activity(text="whoami"), **headers)).replies
    assert [asked.tenant for asked in entra.requests] == ["botframework.com"]
    assert connector.authorizations == ["Bearer entra-token-1"]


async def test_a_refused_secret_sends_nothing_and_the_outbox_keeps_the_reply(
    sample_roster, teams_user, start_bot, issuer, entra, connector, sessions, caplog
):
    user, headers = await alex(
        sample_roster, teams_user, start_bot, issuer, app_password="an-expired-secret"
    )
    result = await user.post(user.activity(text="whoami"), **headers)
    assert (result.status, result.replies) == (200, [])
    assert connector.authorizations == []  # nothing reached Teams without a token
    assert "no token for the Bot Connector" in caplog.text
    assert "invalid_client" in caplog.text or "AADSTS7000215" in caplog.text
    async with sessions() as session:
        kept = (await session.scalars(select(Delivery))).all()
    assert [d.status for d in kept] in (["pending"], ["sending"])  # to be retried
    assert SECRET not in caplog.text and "an-expired-secret" not in caplog.text
    async with user.http.get(f"{user.bot_url}/healthz") as answer:
        health = await answer.json()
    # An expired or wrong secret is seen by a monitor, not only in the log.
    assert answer.status == 503 and health["status"] == "degraded"
    assert health["teams"]["token"] == "failing"
    assert "an-expired-secret" not in json.dumps(health)


async def test_proactive_sends_carry_the_token_too(
    settings: Settings, entra: FakeEntra, connector: FakeConnector, issuer: FakeIssuer
):
    from bot import wiring
    from bot.channels.teams import TeamsSender

    channels = wiring.standalone_channels(settings.model_copy(update=secure(issuer)))
    sender = TeamsSender(connector=channels.connector)
    reference = {
        "user": {"id": "29:p301"},
        "bot": {"id": "28:pcso-bot"},
        "conversation": {"id": "a:proactive", "tenantId": TENANT},
        "channelId": "msteams",
        "serviceUrl": connector.url,
    }
    try:
        assert await sender.send(reference, Reply(text="Briefing at 08:00"))
    finally:
        channels.connector.close()
    assert connector.authorizations == ["Bearer entra-token-1"]
    assert [asked.tenant for asked in entra.requests] == [TENANT]


async def test_forged_key_ids_fetch_the_keys_once(
    sample_roster, teams_user, start_bot, issuer: FakeIssuer, sessions
):
    """A stream of tokens naming keys nobody published must not make the bot fetch the
    channel's keys again and again (a request it would send for every forged token)."""
    user, good = await alex(sample_roster, teams_user, start_bot, issuer)
    assert (await user.post(user.activity(text="whoami"), **good)).status == 200
    fetched = issuer.fetches
    for _ in range(20):
        kid = f"forged-{uuid.uuid4().hex}"
        token = issuer.token(audience=APP_ID, service_url=user.service_url, kid=kid)
        forged = await user.post(user.activity(text="whoami"), Authorization=f"Bearer {token}")
        assert forged.status == 401
    assert issuer.fetches == fetched


async def test_the_local_mode_takes_activities_without_a_token(
    sample_roster, teams_user, connector: FakeConnector
):
    row = next(r for r in sample_roster if r.collar_number == "P301")
    user: TeamsUser = teams_user(row)
    result = await user.say("whoami")
    assert result.status == 200 and "Alex Carter" in result.all_text()
    assert connector.authorizations == [""]  # and the Bot Connector is called without one


def test_the_agents_sdk_still_looks_keys_up_where_the_bot_gives_them() -> None:
    """`channel_validator` relies on one SDK internal: JwtTokenValidator.validate_token asks
    `self._jwk_client_manager.get_signing_key(jwks_uri, header)`. If the SDK changes that,
    this fails (and the bot refuses every token rather than check it elsewhere)."""
    from microsoft_agents.hosting.core.authorization import JwtTokenValidator

    from bot.channels.teams.agents import assert_sdk_seam

    assert_sdk_seam()
    source = inspect.getsource(JwtTokenValidator.validate_token)
    assert "await self._jwk_client_manager.get_signing_key(jwks_uri, header)" in source


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_each_sdk_is_imported_by_its_own_module_only() -> None:
    owners = {
        "botbuilder": "bot/channels/teams/botbuilder.py",
        "agents": "bot/channels/teams/agents.py",
    }
    for package in ("bot", "dialogs", "storage"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for sdk, modules in SDK_MODULES.items():
                if relative != owners[sdk]:
                    assert not _imports(path) & set(modules), f"{relative} imports {sdk}"
    for sdk, owner in owners.items():
        assert _imports(ROOT / owner) & set(SDK_MODULES[sdk]), owner


@pytest.mark.parametrize("sdk", sorted(SDK_MODULES))
def test_a_service_on_one_sdk_never_loads_the_other(sdk: str, tmp_path: Path) -> None:
    """The whole app built and its Teams authentication made, in a fresh interpreter."""
    script = (
        "import json, sys\n"
        "from bot.app import create_app\n"
        "from bot.channels.teams import create_auth\n"
        "from bot.settings import Settings\n"
        "settings = Settings(_env_file=None)\n"
        "create_app(settings)\n"
        "auth = create_auth(settings)\n"
        "print(json.dumps([auth.sdk, sorted({m.split('.')[0] for m in sys.modules})]))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PCSO_", "Microsoft"))}
    env.update(
        PCSO_TEAMS_SDK=sdk,
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.db'}",
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword=SECRET,
        MicrosoftAppTenantId=TENANT,
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    chosen, loaded = json.loads(done.stdout)
    assert chosen == sdk
    other = next(s for s in SDK_MODULES if s != sdk)
    assert set(SDK_MODULES[sdk]) & set(loaded)
    assert not set(SDK_MODULES[other]) & set(loaded), other


def test_either_sdks_names_for_the_bots_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("MICROSOFTAPP", "CONNECTIONS__", "PCSO_TEAMS_SDK")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", APP_ID)
    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTSECRET", SECRET)
    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID", TENANT)
    agents_names = Settings(_env_file=None)
    assert (agents_names.app_id, agents_names.app_password, agents_names.app_tenant_id) == (
        APP_ID,
        SECRET,
        TENANT,
    )
    assert agents_names.teams_sdk == "botbuilder"  # the names do not choose the SDK
    monkeypatch.setenv("PCSO_TEAMS_SDK", "agents")
    assert Settings(_env_file=None).teams_sdk == "agents"
    monkeypatch.setenv("PCSO_TEAMS_SDK", "foo")
    with pytest.raises(ValidationError, match="PCSO_TEAMS_SDK"):
        Settings(_env_file=None)


def test_either_sdks_tenant_name_satisfies_single_tenant(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("MICROSOFTAPP", "CONNECTIONS__")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MicrosoftAppId", APP_ID)
    with pytest.raises(
        ValidationError, match="CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID"
    ):
        Settings(_env_file=None)
    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID", TENANT)
    assert Settings(_env_file=None).single_tenant
