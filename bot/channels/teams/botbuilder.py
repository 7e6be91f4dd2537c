"""The Bot Framework SDK for Python (botbuilder 4.17, archived; `PCSO_TEAMS_SDK=botbuilder`,
the default): the only module that imports botbuilder or botframework.

Inbound tokens are checked by the SDK's `authenticate_request` (its channel validation:
the channel's OpenID metadata and keys, the key's endorsement of the channel, issuer,
audience, `serviceurl`, dates). The SDK fetches that metadata with a blocking
`requests.get` on the event loop, once a day (and at most once an hour for an unknown key).
The bot's own token comes from the SDK's `AppCredentials` (MSAL), read on a thread of its
own because it blocks.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ChannelAccount
from botframework.connector.auth import AppCredentials

from bot.channels.teams.activities import TeamsActivity
from bot.channels.teams.auth import BOT_FRAMEWORK_RESOURCE, TeamsAuth, metadata_url, token_issuer
from bot.settings import Settings

SDK = "botbuilder"
# The public cloud's values of the SDK's parameterised configuration, kept when only the
# channel's metadata and issuer are replaced (botframework.connector.auth's constants).
PUBLIC_CLOUD = {
    "TO_CHANNEL_FROM_BOT_LOGIN_URL": (
        "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
    ),
    "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": BOT_FRAMEWORK_RESOURCE,
    "OAUTH_URL": "https://api.botframework.com",
    "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": (
        "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
    ),
    "CALLER_ID": "urn:botframework:azure",
}


def create_auth(settings: Settings) -> TeamsAuth:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(configuration(settings)))
    return TeamsAuth(
        SDK, BotbuilderAuthenticator(adapter), BotbuilderTokens(adapter, settings.app_id)
    )


def configuration(settings: Settings) -> SimpleNamespace:
    """The attribute names `ConfigurationBotFrameworkAuthentication` reads.

    With no app id the SDK's password credentials are empty, which it treats as
    "authentication disabled" (SingleTenant would insist on an id).
    """
    config = SimpleNamespace(
        APP_ID=settings.app_id,
        APP_PASSWORD=settings.app_password,
        APP_TYPE=settings.app_type if settings.authenticated else "MultiTenant",
        APP_TENANTID=settings.app_tenant_id,
    )
    if settings.openid_metadata_url:
        # Any of these makes the SDK build its parameterised authentication; the rest keep
        # the public cloud's values.
        for name, value in PUBLIC_CLOUD.items():
            setattr(config, name, value)
        config.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = metadata_url(settings)
        config.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = token_issuer(settings)
    return config


class BotbuilderAuthenticator:
    """The SDK's verdict on a request's token; it raises PermissionError, but also jwt
    errors, IndexError for an unknown key id... (the transport takes any as 401)."""

    def __init__(self, adapter: CloudAdapter) -> None:
        self._authentication = adapter.bot_framework_authentication

    async def authenticate(self, activity: TeamsActivity, header: str | None) -> None:
        await self._authentication.authenticate_request(_activity(activity), header or "")


def _activity(activity: TeamsActivity) -> Activity:
    """The few fields the SDK's token validation reads, as its own model."""
    body = activity.body
    return Activity(
        type=activity.type,
        id=activity.id,
        channel_id=activity.channel_id,
        service_url=activity.service_url,
        recipient=ChannelAccount(
            id=body["recipient"]["id"], role=body["recipient"].get("role") or None
        ),
    )


class BotbuilderTokens:
    """Bearer tokens from the SDK's credentials for this app id and cloud (found once): MSAL's
    call blocks (and, once an hour, goes to Entra), so it runs on one thread of its own."""

    def __init__(self, adapter: CloudAdapter, app_id: str) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._credentials: AppCredentials | None = None
        self._thread: ThreadPoolExecutor | None = None

    @property
    def enabled(self) -> bool:
        return bool(self._app_id)

    async def token(self) -> str:
        credentials = await self._found()
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="teams-token")
        loop = asyncio.get_running_loop()
        return str(await loop.run_in_executor(self._thread, credentials.get_access_token))

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=False)

    async def _found(self) -> AppCredentials:
        if self._credentials is None:
            identity = self._adapter.create_claims_identity(self._app_id)
            authentication = self._adapter.bot_framework_authentication
            factory = authentication.create_connector_factory(identity)
            client = await factory.create("https://localhost", None)  # builds, sends nothing
            self._credentials = client.config.credentials
        return self._credentials
