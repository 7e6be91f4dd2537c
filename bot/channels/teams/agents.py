"""The Microsoft 365 Agents SDK (microsoft-agents-* 1.9; `PCSO_TEAMS_SDK=agents`): the only
module that imports it.

Inbound tokens are checked by the SDK's `JwtTokenValidator` (RS256 only, signature, dates
with five minutes' leeway as botbuilder allows, audience = the app id, the issuer on the
allow-list of an `AgentAuthConfiguration`), with the keys of the channel's OpenID metadata
(`bot/channels/teams/openid.py`, see `channel_validator`). What the SDK leaves to its host
and botbuilder's channel validation does is done here after it: the issuer is exactly the
channel's (the SDK always adds Microsoft's first-party issuers to its list), the token's
`serviceurl` claim is the activity's `serviceUrl`, and the key endorses the activity's
channel. The bot's own token comes from the SDK's `MsalAuth` (MSAL, on a worker thread).
"""

from __future__ import annotations

import inspect
from typing import Any

from jwt import PyJWK
from microsoft_agents.authentication.msal import MsalAuth
from microsoft_agents.hosting.core import AgentAuthConfiguration, AuthTypes
from microsoft_agents.hosting.core.authorization import JwtTokenValidator
from microsoft_agents.hosting.core.authorization.jwt.jwt_token_validator import (
    _JwkClientManager,
)

from bot.channels.teams.activities import TeamsActivity
from bot.channels.teams.auth import (
    BOT_FRAMEWORK_RESOURCE,
    BOT_FRAMEWORK_SCOPE,
    LOGIN_URL,
    Refused,
    TeamsAuth,
    bearer,
    login_tenant,
    metadata_url,
    token_issuer,
)
from bot.channels.teams.openid import ChannelKey, ChannelKeys
from bot.settings import Settings

SDK = "agents"
SERVICE_URL_CLAIM = "serviceurl"


def create_auth(settings: Settings) -> TeamsAuth:
    assert_sdk_seam()
    keys = ChannelKeys(metadata_url(settings))
    return TeamsAuth(SDK, AgentsAuthenticator(settings, keys), AgentsTokens(settings))


def configuration(settings: Settings) -> AgentAuthConfiguration:
    """The SDK's configuration of the bot's identity: the same settings botbuilder reads (a
    client secret, or the user-assigned managed identity `MicrosoftAppType=UserAssignedMSI`
    names by its client id)."""
    managed = settings.app_type.lower() == "userassignedmsi"
    return AgentAuthConfiguration(
        auth_type=AuthTypes.user_managed_identity if managed else AuthTypes.client_secret,
        client_id=settings.app_id or None,
        tenant_id=login_tenant(settings) if settings.authenticated else None,
        client_secret=settings.app_password or None,
        authority=f"{LOGIN_URL}/{login_tenant(settings)}" if settings.authenticated else None,
        issuers=[token_issuer(settings)],
        validate_issuer=True,
        anonymous_allowed=not settings.authenticated,
    )


class AgentsAuthenticator:
    def __init__(self, settings: Settings, keys: ChannelKeys) -> None:
        self._config = configuration(settings)
        self._issuer = token_issuer(settings)
        self._keys = keys

    async def authenticate(self, activity: TeamsActivity, header: str | None) -> None:
        if not header and self._config.ANONYMOUS_ALLOWED:
            return  # the local mode: `pcso-bot serve` listens on loopback only
        validator, keys = channel_validator(self._config, self._keys)
        identity = await validator.validate_token(bearer(header))
        claims = identity.claims
        if claims.get("iss") != self._issuer:
            raise Refused(f"issuer {str(claims.get('iss'))[:100]!r} is not the channel's")
        if claims.get(SERVICE_URL_CLAIM) != activity.service_url:
            raise Refused("the token's serviceurl is not the activity's")
        if keys.used is None:
            raise Refused("the SDK verified the token with a key of its own choosing")
        if not keys.used.endorses(activity.channel_id):
            raise Refused(f"key {keys.used.kid!r} does not endorse {activity.channel_id!r}")


class _ChannelKeyManager(_JwkClientManager):
    """What `JwtTokenValidator` asks for a token's key, answered from the channel's keys."""

    def __init__(self, keys: ChannelKeys) -> None:
        super().__init__()
        self._keys = keys
        self.used: ChannelKey | None = None

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        self.used = await self._keys.find(header.get("kid"))
        return self.used.jwk


def channel_validator(
    config: AgentAuthConfiguration, keys: ChannelKeys
) -> tuple[JwtTokenValidator, _ChannelKeyManager]:
    """The SDK's validator, finding keys among the channel's published ones.

    The one place the bot reaches into the SDK. `JwtTokenValidator.validate_token` looks a
    token's key up at a JWKS URI it derives from the token's unverified issuer, with the
    public Bot Framework and Entra URIs hard-coded (`_entra_issuers.BOTFRAMEWORK_JWKS_URIS`,
    `_build_jwks_uri`): no setting points it at OpenID metadata, so it can serve neither a
    sovereign cloud nor a test's local issuer (`PCSO_OPENID_METADATA_URL`,
    `PCSO_TOKEN_ISSUER`), and it reads no key's endorsements. It asks for the key with
    `self._jwk_client_manager.get_signing_key(jwks_uri, header)` (a class attribute); this
    validator's own manager ignores the derived URI and answers from `keys`, and records the
    key it gave, whose endorsements the authenticator then checks. If the SDK stops asking
    it, no key is recorded and every token is refused (`AgentsAuthenticator`), and
    `assert_sdk_seam` (run at start-up and by tests/test_teams_sdk.py) says so first.
    """
    validator = JwtTokenValidator(config)
    manager = _ChannelKeyManager(keys)
    validator._jwk_client_manager = manager  # the instance's, shadowing the SDK's shared one
    return validator, manager


def assert_sdk_seam() -> None:
    """Fail loudly if the SDK no longer looks keys up the way `channel_validator` relies on."""
    manager = getattr(JwtTokenValidator, "_jwk_client_manager", None)
    parameters = list(inspect.signature(_JwkClientManager.get_signing_key).parameters)
    if not isinstance(manager, _JwkClientManager) or parameters != ["self", "jwks_uri", "header"]:
        raise RuntimeError(
            "microsoft-agents-hosting-core changed how JwtTokenValidator finds signing keys: "
            "bot/channels/teams/agents.py channel_validator must be revised"
        )


class AgentsTokens:
    """The bot's token from the SDK's `MsalAuth` (client secret, the app's tenant); MSAL's
    blocking call runs on a worker thread and MSAL keeps the token until near its expiry."""

    def __init__(self, settings: Settings) -> None:
        self._msal = MsalAuth(configuration(settings)) if settings.authenticated else None

    @property
    def enabled(self) -> bool:
        return self._msal is not None

    async def token(self) -> str:
        if self._msal is None:
            raise RuntimeError("no app id: the local mode has no token")
        return await self._msal.get_access_token(BOT_FRAMEWORK_RESOURCE, [BOT_FRAMEWORK_SCOPE])

    def close(self) -> None:
        return None
