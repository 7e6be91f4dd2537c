"""Who is talking: match a chat user to a rostered officer and remember their ids.

Matching is in two steps so that no network call ever runs inside a write transaction (on
SQLite a transaction holds the one write lock; a slow look-up would stall every officer):

1. `match(session, email)` inside the turn's transaction, from the store alone: by the
   channel's ids, else (when the e-mail is already known) by e-mail. A sender not known by
   id whose e-mail has not been looked up yet raises `LookupNeeded`; the runner then rolls
   back, and
2. `look_up()` asks the channel (Teams member API, Slack `users.info`) for the e-mail,
   outside any transaction and within a short timeout, and the turn runs again with it.

A known officer costs one query; only a stranger or a first contact pays for the look-up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from storage import officers
from storage.models import Officer

log = logging.getLogger(__name__)

EmailLookup = Callable[[], Awaitable[str | None]]


class LookupNeeded(Exception):
    """The sender is not known by id: their e-mail must be looked up, outside the transaction."""


class NotLookedUp:
    """The e-mail of a sender whose channel has not been asked yet."""

    def __repr__(self) -> str:
        return "NOT_LOOKED_UP"


NOT_LOOKED_UP = NotLookedUp()
Email = str | None | NotLookedUp


class Identity(Protocol):
    """How one channel's sender is matched: from the store, and by a look-up when needed."""

    async def match(self, session: AsyncSession, email: Email) -> Officer | None: ...

    async def look_up(self) -> str | None: ...


async def bounded(lookup: EmailLookup, *, within: float, channel: str) -> str | None:
    """The look-up's answer, or None when the channel does not answer within `within` s."""
    try:
        return await asyncio.wait_for(lookup(), within)
    except TimeoutError:
        log.warning("%s e-mail look-up gave no answer within %gs", channel, within)
        return None


@dataclass(frozen=True)
class TeamsIdentity:
    """By AAD object id, else a Teams user id learnt before, else e-mail/UPN from Teams."""

    aad_object_id: str | None
    teams_user_id: str | None
    lookup_email: EmailLookup
    timeout: float

    async def match(self, session: AsyncSession, email: Email) -> Officer | None:
        aad = (self.aad_object_id or "").lower() or None
        if aad:
            officer = await officers.by_aad_object_id(session, aad)
        elif self.teams_user_id:
            officer = await officers.by_teams_user_id(session, self.teams_user_id)
        else:
            officer = None
        if officer is None:
            officer = await _by_email(session, email, "Teams", aad, lambda o: o.aad_object_id)
            if officer is not None and aad:
                officer.aad_object_id = aad
        if (
            officer is not None
            and self.teams_user_id
            and officer.teams_user_id != self.teams_user_id
        ):
            officer.teams_user_id = self.teams_user_id
        return officer

    async def look_up(self) -> str | None:
        return await bounded(self.lookup_email, within=self.timeout, channel="Teams")


@dataclass(frozen=True)
class SlackIdentity:
    """By Slack user id, else the e-mail on the user's Slack profile; the id is then stored."""

    slack_user_id: str
    lookup_email: EmailLookup
    timeout: float

    async def match(self, session: AsyncSession, email: Email) -> Officer | None:
        officer = await officers.by_slack_user_id(session, self.slack_user_id)
        if officer is not None:
            return officer
        officer = await _by_email(
            session, email, "Slack", self.slack_user_id, lambda o: o.slack_user_id
        )
        if officer is not None:
            officer.slack_user_id = self.slack_user_id
        return officer

    async def look_up(self) -> str | None:
        return await bounded(self.lookup_email, within=self.timeout, channel="Slack")


async def _by_email(
    session: AsyncSession,
    email: Email,
    channel: str,
    user_id: str | None,
    known_id: Callable[[Officer], str | None],
) -> Officer | None:
    """The officer with the channel's e-mail for this user, unless the roster already ties
    that officer to a different id on the channel (someone else claiming their e-mail)."""
    if isinstance(email, NotLookedUp):
        raise LookupNeeded
    officer = await officers.by_email(session, email) if email else None
    if officer is None:
        return None
    known = known_id(officer)
    if known and known != user_id:
        log.warning(
            "%s user %s claims the email of %s, who has another %s id; refused",
            channel,
            user_id or "(no id)",
            officer.collar_number,
            channel,
        )
        return None
    log.info("matched %s user to %s by email", channel, officer.collar_number)
    return officer
