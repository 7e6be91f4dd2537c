"""Runs one inbound turn for any transport: once only, for rostered officers, atomically.

Order inside one transaction: claim the activity id (a redelivery stops here), find the
officer (a stranger gets one refusal), refresh how to reach them, run the workflow in a
savepoint (a `UserError` undoes only the workflow's writes), commit. Replies are handed back
only after the commit, so "recorded" is never said early.

What the user typed or tapped, and the reference kept to reach them, are cleaned first
(`bot.envelope.clean_tree`: no NUL, control characters, bidi overrides or lone surrogates,
which PostgreSQL and SQLite would store differently or not at all); a message longer than
any answer the bot takes is refused in words.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.envelope import clean_text, clean_tree
from bot.settings import Settings
from dialogs.core import Reply, Turn, UserError
from dialogs.router import Router
from storage import activities, references
from storage.models import Officer

log = logging.getLogger(__name__)

APOLOGY = "Sorry, something went wrong on my side and nothing was saved. Please try again shortly."
REFUSAL = (
    "Sorry, you are not on this force's PCSO roster, so I can't help you. "
    "If you think you should be, ask your sergeant or the bot's administrator."
)

MAX_TEXT = 4000  # longer than any answer the bot takes (the longest field is 1,000)
TOO_LONG = (
    "That message is too long for me ({length:,} characters; at most {limit:,}). "
    "Nothing was recorded: please send it shorter."
)

Resolver = Callable[[AsyncSession], Awaitable[Officer | None]]


@dataclass(frozen=True)
class Where:
    """How to reach the sender again: stored as their conversation reference."""

    channel: str
    conversation_id: str
    service_url: str
    tenant_id: str | None
    reference: dict[str, Any]


@dataclass
class Inbound:
    channel: str
    activity_id: str | None
    where: Where | None
    text: str = ""
    data: dict[str, Any] | None = None
    conversational: bool = True  # False for installation/conversation updates

    def cleaned(self) -> Inbound:
        """The same activity with every string safe to store (see the module's docstring)."""
        where = self.where
        if where is not None:
            where = replace(where, reference=clean_tree(where.reference))
        data = clean_tree(self.data) if self.data is not None else None
        return replace(self, text=clean_text(self.text), data=data, where=where)


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    duplicate: bool = False
    officer_id: int | None = None


class TurnRunner:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        router: Router,
        settings: Settings,
        clock: Clock,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._router = router
        self._settings = settings
        self._clock = clock
        self._after_commit = after_commit

    async def run(self, inbound: Inbound, resolve: Resolver) -> Outcome:
        now = self._clock()  # one instant for the whole turn
        inbound = inbound.cleaned()
        async with self._sessions() as session, session.begin():
            if inbound.activity_id and not await activities.claim(
                session, inbound.channel, inbound.activity_id, now=now
            ):
                log.info("duplicate %s activity %s skipped", inbound.channel, inbound.activity_id)
                return Outcome(duplicate=True)
            officer = await resolve(session)
            if officer is None or not officer.active:
                if inbound.conversational:
                    log.info("refused %s sender not on the roster", inbound.channel)
                    return Outcome(replies=[Reply(text=REFUSAL)])
                return Outcome()
            if inbound.where is not None:
                await references.remember(
                    session,
                    officer_id=officer.id,
                    channel=inbound.where.channel,
                    conversation_id=inbound.where.conversation_id,
                    service_url=inbound.where.service_url,
                    tenant_id=inbound.where.tenant_id,
                    reference=inbound.where.reference,
                    now=now,
                )
                if officer.unreachable_since is not None:
                    officer.unreachable_since = None
                    officer.unreachable_reason = None
            if not inbound.conversational:
                return Outcome(officer_id=officer.id)
            replies = await self._dispatch(session, officer, inbound, now)
        if self._after_commit is not None:
            self._after_commit()  # e.g. wake the outbox for notifications this turn recorded
        return Outcome(replies=replies, officer_id=officer.id)

    async def _dispatch(
        self, session: AsyncSession, officer: Officer, inbound: Inbound, now: datetime
    ) -> list[Reply]:
        if len(inbound.text) > MAX_TEXT:
            return [Reply(text=TOO_LONG.format(length=len(inbound.text), limit=MAX_TEXT))]
        turn = Turn(
            session=session,
            officer=officer,
            channel=inbound.channel,
            now=now,
            settings=self._settings,
            text=inbound.text,
            data=inbound.data,
            activity_id=inbound.activity_id,
        )
        try:
            async with session.begin_nested():
                replies = await self._router.dispatch(turn)
        except UserError as error:
            return [Reply(text=error.message)]
        return replies
