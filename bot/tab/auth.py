"""Who is asking: the supervision tab's sign-in, checked on every call to its API.

Every call carries `Authorization: Bearer <token>` (no cookies: Teams shows a tab in an
iframe, where third-party cookies are blocked, and without them there is nothing for a
cross-site request to ride on). Which token depends on the mode, as for /api/messages:

- **Teams** (MicrosoftAppId set): the Entra ID access token Teams gives the tab
  (`authentication.getAuthToken()`, single sign-on). `EntraTokens` checks it: RS256, signed
  by a key the tenant's OpenID metadata publishes (`PCSO_TAB_AUTHORITY`, fetched and cached
  by `bot/channels/teams/openid.py`, as the channel's keys are), audience the tab's
  Application ID URI `api://HOST/APP-ID` (or the app id, which v2.0 tokens carry), a tenant
  in `PCSO_ALLOWED_TENANTS`, that tenant's v1 or v2 issuer, the `access_as_user` scope, and
  in date by the service's clock with a minute's leeway. The officer is the roster's
  `aad_object_id` = the token's `oid`, else (as a Teams sender is matched, `bot/identity.py`)
  the e-mail the token names, which then records the `oid` against them. Signed links are
  refused in this mode.
- **Local** (no app id, loopback only): a signed link from `pcso-bot dashboard link`
  (`bot/tab/links.py`), at most 15 minutes old by the service's clock.

A token that is not accepted is a `Refusal` 401; a genuine one for someone not on the
roster, or marked inactive, is 403. The words are for the officer; nothing personal is in
them or in the log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from jwt import PyJWTError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.teams.auth import Refused, bearer
from bot.channels.teams.openid import ChannelKey, ChannelKeys
from bot.identity import TeamsIdentity
from bot.settings import Settings
from bot.tab import links
from storage import keys, officers
from storage.models import Officer

log = logging.getLogger(__name__)

SCOPE = "access_as_user"
LEEWAY = timedelta(seconds=60)
V1_ISSUER = "https://sts.windows.net/{tid}/"
V2_ISSUER = "{authority}/{tid}/v2.0"
# The claims a v2.0 token and a v1.0 token name the signed-in user's e-mail or UPN with.
EMAIL_CLAIMS = ("preferred_username", "upn", "email")
MAX_CLAIM = 254

OPEN_IN_TEAMS = "open the Supervision tab in Teams"
NEW_LINK = "run `pcso-bot dashboard link --as YOUR-COLLAR` for a new link"


class Refusal(Exception):
    """A call the tab does not answer: its HTTP status, a short reason for the log and the
    script, and the words the officer is shown."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


def unsigned(message: str, reason: str = "signin") -> Refusal:
    return Refusal(401, reason, message)


@dataclass(frozen=True)
class SignIn:
    """What a verified Entra ID token says about who is signed in."""

    oid: str
    tenant: str
    email: str | None


class EntraTokens:
    """Checks the tab's single sign-on tokens (see the module's docstring)."""

    def __init__(self, settings: Settings) -> None:
        self._authority = settings.tab_authority
        resource = settings.tab_resource
        self._audiences = [settings.app_id.strip().lower(), *([resource] if resource else [])]
        self._tenants = settings.allowed_tenant_ids
        tenant = settings.app_tenant_id.strip() or "organizations"
        self.metadata_url = f"{self._authority}/{tenant}/v2.0/.well-known/openid-configuration"
        self._keys = ChannelKeys(self.metadata_url)

    async def verify(self, token: str, *, now: datetime) -> SignIn:
        try:
            header = jwt.get_unverified_header(token)
        except PyJWTError as error:
            raise self._refused("not a token") from error
        if header.get("alg") != "RS256":
            raise self._refused("not signed with RS256")
        key = await self._key(header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key.jwk.key,
                algorithms=["RS256"],
                audience=self._audiences,
                options={
                    "verify_exp": False,  # checked below, by the service's clock
                    "verify_nbf": False,
                    "verify_iat": False,
                    "require": ["exp", "iss", "aud", "tid", "oid"],
                },
            )
        except PyJWTError as error:
            raise self._refused(f"{type(error).__name__}") from error
        self._in_date(claims, now)
        return self._sign_in(claims)

    async def _key(self, kid: Any) -> ChannelKey:
        try:
            return await self._keys.find(kid)
        except Refused as error:
            raise self._refused(str(error)) from error
        except Exception as error:  # no keys, no sign-in: a 401, never a 5xx
            log.warning(
                "tab: cannot fetch the signing keys of %s: %s: %s",
                self.metadata_url,
                type(error).__name__,
                error,
            )
            raise self._refused("signing keys unavailable") from error

    def _in_date(self, claims: dict[str, Any], now: datetime) -> None:
        expiry, start = _instant(claims.get("exp")), _instant(claims.get("nbf", 0))
        if expiry is None or start is None:
            raise self._refused("exp or nbf is not a time")
        if now > expiry + LEEWAY:
            raise self._refused("expired")
        if now < start - LEEWAY:
            raise self._refused("not valid yet")

    def _sign_in(self, claims: dict[str, Any]) -> SignIn:
        tenant, oid = claims.get("tid"), claims.get("oid")
        if not (isinstance(tenant, str) and isinstance(oid, str) and 0 < len(oid) <= 64):
            raise self._refused("tid or oid is not an id")
        if self._tenants and tenant not in self._tenants:
            raise self._refused("tenant not allowed")
        issuers = {
            V1_ISSUER.format(tid=tenant),
            V2_ISSUER.format(authority=self._authority, tid=tenant),
        }
        if claims.get("iss") not in issuers:
            raise self._refused("issuer is not the tenant's")
        scopes = claims.get("scp")
        if not isinstance(scopes, str) or SCOPE not in scopes.split():
            raise self._refused(f"no {SCOPE} scope")
        email = next(
            (v for v in (claims.get(c) for c in EMAIL_CLAIMS) if isinstance(v, str) and v),
            None,
        )
        return SignIn(oid=oid.lower(), tenant=tenant, email=email[:MAX_CLAIM] if email else None)

    @staticmethod
    def _refused(why: str) -> Refusal:
        log.debug("tab: sign-in token refused: %s", why)
        return unsigned(f"Your sign-in was not accepted: close and {OPEN_IN_TEAMS} again.")


class TabAuth:
    """The officer a call to the tab's API is from, in the service's mode."""

    def __init__(self, settings: Settings) -> None:
        self.teams = settings.authenticated
        self._sso = EntraTokens(settings) if self.teams else None
        self._link_secret: str | None = None  # the store's, once found (it never changes)

    async def officer(self, session: AsyncSession, header: str | None, *, now: datetime) -> Officer:
        try:
            token = bearer(header)
        except Refused as error:
            where = (
                OPEN_IN_TEAMS if self.teams else "open the link `pcso-bot dashboard link` prints"
            )
            raise unsigned(f"You are not signed in: {where}.", "unsigned") from error
        if self._sso is not None:
            officer = await self._by_sso(session, await self._sso.verify(token, now=now))
        else:
            officer = await self._by_link(session, token, now)
        if not officer.active:
            raise Refusal(
                403,
                "inactive",
                "You are not active on the bot's roster, so the tab shows you nothing.",
            )
        return officer

    async def _by_sso(self, session: AsyncSession, signed_in: SignIn) -> Officer:
        """By `oid`, else by e-mail, with the rules and the linking of a Teams sender."""
        identity = TeamsIdentity(
            aad_object_id=signed_in.oid, teams_user_id=None, lookup_email=_no_lookup, timeout=0
        )
        officer = await identity.match(session, signed_in.email)
        if officer is None:
            raise not_on_roster()
        return officer

    async def _by_link(self, session: AsyncSession, token: str, now: datetime) -> Officer:
        secret = self._link_secret or await keys.find(session, links.KEY_NAME)
        if secret is None:  # no link was ever made on this database
            raise unsigned(f"This link is not valid here: {NEW_LINK}.", "invalid")
        self._link_secret = secret
        try:
            collar = links.read(secret, token, now=now)
        except links.LinkRefused as error:
            if error.expired:
                raise unsigned(
                    f"This link has expired (links last 15 minutes): {NEW_LINK}.", "expired"
                ) from error
            raise unsigned(f"This link is not valid: {NEW_LINK}.", "invalid") from error
        officer = await officers.by_collar(session, collar)
        if officer is None:
            raise not_on_roster()
        return officer


def not_on_roster() -> Refusal:
    return Refusal(
        403,
        "not_on_roster",
        "You are not on the bot's roster, so the tab shows you nothing. Ask whoever runs the "
        "bot if you should be.",
    )


def _instant(value: Any) -> datetime | None:
    """A JWT NumericDate as an aware datetime; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


async def _no_lookup() -> str | None:
    """The token names the e-mail: Teams' member look-up is never needed here."""
    return None
