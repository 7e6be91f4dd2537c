"""Who is talking: match a chat user to a rostered officer and remember their ids."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from storage import officers
from storage.models import Officer

log = logging.getLogger(__name__)

EmailLookup = Callable[[], Awaitable[str | None]]


async def teams_officer(
    session: AsyncSession,
    *,
    aad_object_id: str | None,
    teams_user_id: str | None,
    lookup_email: EmailLookup,
) -> Officer | None:
    """By AAD object id, else a Teams user id learnt before, else email/UPN from Teams."""
    aad = (aad_object_id or "").lower() or None
    if aad:
        officer = await officers.by_aad_object_id(session, aad)
    elif teams_user_id:
        officer = await officers.by_teams_user_id(session, teams_user_id)
    else:
        officer = None
    if officer is None:
        officer = await _by_email(session, lookup_email, "Teams", aad, lambda o: o.aad_object_id)
        if officer is not None and aad:
            officer.aad_object_id = aad
    if officer is not None and teams_user_id and officer.teams_user_id != teams_user_id:
        officer.teams_user_id = teams_user_id
    return officer


async def slack_officer(
    session: AsyncSession, *, slack_user_id: str, lookup_email: EmailLookup
) -> Officer | None:
    """By Slack user id, else the email on the user's Slack profile; the id is then stored."""
    officer = await officers.by_slack_user_id(session, slack_user_id)
    if officer is not None:
        return officer
    officer = await _by_email(
        session, lookup_email, "Slack", slack_user_id, lambda o: o.slack_user_id
    )
    if officer is not None:
        officer.slack_user_id = slack_user_id
    return officer


async def _by_email(
    session: AsyncSession,
    lookup_email: EmailLookup,
    channel: str,
    user_id: str | None,
    known_id: Callable[[Officer], str | None],
) -> Officer | None:
    """The officer with the channel's email for this user, unless the roster already ties
    that officer to a different id on the channel (someone else claiming their email)."""
    email = await lookup_email()
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
