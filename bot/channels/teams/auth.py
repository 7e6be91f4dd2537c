"""How the Teams channel authenticates, whichever SDK does it: the seam between what both
stacks share (the transport, the Bot Connector client, the turn path, the outbox) and the SDK
chosen by `PCSO_TEAMS_SDK`.

An SDK does two things here and nothing else:

- an `Authenticator` says whether a posted activity's `Authorization` header is a Bot
  Framework channel token for this bot (signed by a key the channel's OpenID metadata
  publishes and endorses for the activity's channel, issued by the channel's issuer, for
  this app id, for the activity's `serviceUrl`, in date); in the local mode (no app id) an
  activity without one is accepted, and `pcso-bot serve` listens on loopback only;
- a `TokenSource` gives the bearer token the bot calls the Bot Connector with: a client
  credentials token for `https://api.botframework.com` from the app's tenant (Entra ID,
  through MSAL), or none in the local mode.

`create_auth` imports the chosen SDK's module (`botbuilder.py` or `agents.py`) and only that
one: nothing else in the service imports either SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.channels.teams.activities import TeamsActivity
from bot.settings import Settings

# The public cloud's Bot Framework channel: where Teams' tokens come from and where the keys
# that sign them are published. `PCSO_OPENID_METADATA_URL` and `PCSO_TOKEN_ISSUER` replace
# them (a sovereign cloud, or a test's local issuer).
PUBLIC_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
# What the bot's own token is for, and where it is asked for (Entra ID, the app's tenant; a
# MultiTenant app asks the Bot Framework's tenant).
BOT_FRAMEWORK_RESOURCE = "https://api.botframework.com"
BOT_FRAMEWORK_SCOPE = f"{BOT_FRAMEWORK_RESOURCE}/.default"
LOGIN_URL = "https://login.microsoftonline.com"
MULTI_TENANT_TENANT = "botframework.com"

UNAUTHENTICATED_WARNING = (
    "NO MicrosoftAppId IS SET: the bot accepts UNAUTHENTICATED activities and must only "
    "listen on loopback. Set MicrosoftAppId/MicrosoftAppPassword for any real deployment."
)


class Refused(Exception):
    """A token the bot does not accept, and why (logged, never told to the caller)."""


class Authenticator(Protocol):
    async def authenticate(self, activity: TeamsActivity, header: str | None) -> None:
        """Return if the request's `Authorization` header (None: absent) is accepted for
        this activity; raise otherwise. Any exception at all is a refusal: 401."""


class TokenSource(Protocol):
    @property
    def enabled(self) -> bool:
        """False in the local mode (no app id): the Bot Connector is called without one."""

    async def token(self) -> str:
        """A bearer token for the Bot Connector; the SDK's cache may answer it. Raises when
        Entra ID gives none (a wrong secret, an unreachable login service)."""

    def close(self) -> None:
        """Release what the source holds (a thread, say); it is not used afterwards."""


@dataclass(frozen=True)
class TeamsAuth:
    """One SDK's authentication: inbound tokens checked, outbound tokens got."""

    sdk: str
    authenticator: Authenticator
    tokens: TokenSource


def create_auth(settings: Settings) -> TeamsAuth:
    """The authentication of the SDK `PCSO_TEAMS_SDK` names; only its module is imported."""
    if settings.teams_sdk == "agents":
        from bot.channels.teams import agents

        return agents.create_auth(settings)
    from bot.channels.teams import botbuilder

    return botbuilder.create_auth(settings)


def metadata_url(settings: Settings) -> str:
    """The channel's OpenID metadata, whose keys sign the tokens Teams sends."""
    return settings.openid_metadata_url or PUBLIC_OPENID_METADATA_URL


def token_issuer(settings: Settings) -> str:
    """The `iss` of the tokens Teams sends."""
    return settings.token_issuer or BOT_FRAMEWORK_ISSUER


def login_tenant(settings: Settings) -> str:
    """The Entra tenant the bot's own token comes from."""
    return settings.app_tenant_id if settings.single_tenant else MULTI_TENANT_TENANT


def bearer(header: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header, as the Bot Framework reads
    it (the scheme exactly `Bearer`, one space, one word); `Refused` for anything else."""
    parts = (header or "").split(" ")
    if len(parts) != 2 or parts[0] != "Bearer" or not parts[1]:
        raise Refused("no Bearer token in the Authorization header")
    return parts[1]
