"""Who is talking: match a chat user to a rostered officer and remember their ids."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import select
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
        if officer is not None:
            if teams_user_id and officer.teams_user_id != teams_user_id:
                officer.teams_user_id = teams_user_id
            return officer
    elif teams_user_id:
        officer = await session.scalar(
            select(Officer).where(Officer.teams_user_id == teams_user_id)
        )
        if officer is not None:
            return officer
    email = await lookup_email()
    if not email:
        return None
    officer = await officers.by_email(session, email)
    if officer is None:
        return None
    if aad and officer.aad_object_id and officer.aad_object_id != aad:
        log.warning(
            "Teams user with AAD id %s claims the email of %s, who has another AAD id; refused",
            aad,
            officer.collar_number,
        )
        return None
    if aad:
        officer.aad_object_id = aad
    if teams_user_id:
        officer.teams_user_id = teams_user_id
    log.info("matched Teams user to %s by email", officer.collar_number)
    return officer


async def slack_officer(
    session: AsyncSession, *, slack_user_id: str, lookup_email: EmailLookup
) -> Officer | None:
    """By Slack user id, else the email on the user's Slack profile; the id is then stored."""
    officer = await officers.by_slack_user_id(session, slack_user_id)
    if officer is not None:
        return officer
    email = await lookup_email()
    if not email:
        return None
    officer = await officers.by_email(session, email)
    if officer is None:
        return None
    if officer.slack_user_id:
        log.warning(
            "Slack user %s claims the email of %s, who has another Slack id; refused",
            slack_user_id,
            officer.collar_number,
        )
        return None
    officer.slack_user_id = slack_user_id
    log.info("matched Slack user to %s by email", officer.collar_number)
    return officer
