"""Runs one inbound turn for any transport: once only, for rostered officers, atomically.

Order inside one transaction: claim the activity id (a redelivery stops here), find the
officer (a stranger gets one refusal; a sender unknown by id is looked up on the channel
between two attempts, never inside the transaction), refresh how to reach them, run the
workflow, commit (a `UserError` rolls the whole turn back and is answered in words). Replies
are handed back only after the commit, so "recorded" is never said early; a reply the
channel does not take is handed to the outbox (`defer`), so after a commit the user is
never told that nothing was saved.

What the user typed or tapped, and the reference kept to reach them, are cleaned first
(`bot.envelope.clean_tree`: no NUL, control characters, bidi overrides or lone surrogates,
which PostgreSQL and SQLite would store differently or not at all); a message longer than
any answer the bot takes is refused in words.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.envelope import clean_text, clean_tree
from bot.identity import NOT_LOOKED_UP, Email, Identity, LookupNeeded
from bot.settings import Settings
from dialogs.core import Reply, Turn, UserError
from dialogs.router import Router
from storage import activities, outbox, references
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

REPLY_JOB = "reply"  # the outbox's name for a turn's reply it sends on the turn's behalf


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
    """What a committed turn hands back to its transport."""

    replies: list[Reply] = field(default_factory=list)
    duplicate: bool = False
    officer_id: int | None = None
    activity_id: str | None = None
    recorded_deliveries: bool = False  # the turn queued messages for the outbox


class TurnRunner:
    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        router: Router,
        settings: Settings,
        clock: Clock,
        wake_outbox: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._router = router
        self._settings = settings
        self._clock = clock
        self._wake_outbox = wake_outbox

    async def run(self, inbound: Inbound, identity: Identity) -> Outcome:
        """The turn, committed; its replies are handed back only after the commit.

        A sender the store does not know by id is looked up on the channel between two
        attempts, never inside the transaction (see `bot.identity`)."""
        now = self._clock()  # one instant for the whole turn
        inbound = inbound.cleaned()
        try:
            outcome = await self._transaction(inbound, identity, NOT_LOOKED_UP, now)
        except LookupNeeded:
            email = await identity.look_up()
            outcome = await self._transaction(inbound, identity, email, now)
        if outcome.recorded_deliveries and self._wake_outbox is not None:
            self._wake_outbox()  # wake the outbox for the notifications this turn recorded
        return outcome

    async def defer(self, outcome: Outcome, replies: Sequence[Reply], *, channel: str) -> None:
        """Replies the channel did not take at once: into the outbox, to be sent with the
        retries, pacing and reopening of every proactive message. A card that could not be
        updated in place arrives as a new message."""
        if outcome.officer_id is None or not replies:
            return
        now = self._clock()
        origin = hashlib.sha256(f"{channel}:{outcome.activity_id or now}".encode()).hexdigest()
        async with self._sessions() as session, session.begin():
            for index, reply in enumerate(replies):
                await outbox.enqueue(
                    session,
                    job=REPLY_JOB,
                    officer_id=outcome.officer_id,
                    day=now.astimezone(self._settings.zone).date(),
                    payload=replace(reply, replace=False).to_dict(),
                    now=now,
                    suffix=f"{origin[:20]}:{index}",
                )
        log.info("%d %s reply(ies) handed to the outbox", len(replies), channel)
        if self._wake_outbox is not None:
            self._wake_outbox()

    async def _transaction(
        self, inbound: Inbound, identity: Identity, email: Email, now: datetime
    ) -> Outcome:
        """One transaction for the whole turn. A `UserError` rolls all of it back (the
        activity's claim too, so a redelivery is answered the same way): no savepoint is
        paid for on the turns that succeed."""
        officer_id: int | None = None
        try:
            async with self._sessions() as session, session.begin():
                if inbound.activity_id and not await activities.claim(
                    session, inbound.channel, inbound.activity_id, now=now
                ):
                    log.info(
                        "duplicate %s activity %s skipped", inbound.channel, inbound.activity_id
                    )
                    return Outcome(duplicate=True, activity_id=inbound.activity_id)
                officer = await identity.match(session, email)
                if officer is None or not officer.active:
                    if inbound.conversational:
                        log.info("refused %s sender not on the roster", inbound.channel)
                        return Outcome(
                            replies=[Reply(text=REFUSAL)], activity_id=inbound.activity_id
                        )
                    return Outcome(activity_id=inbound.activity_id)
                officer_id = officer.id
                if inbound.where is not None:
                    await self._remember(session, officer, inbound.where, now)
                replies = (
                    await self._dispatch(session, officer, inbound, now)
                    if inbound.conversational
                    else []
                )
                recorded_deliveries = outbox.enqueued(session)
        except UserError as error:
            return Outcome(
                replies=[Reply(text=error.message)],
                officer_id=officer_id,
                activity_id=inbound.activity_id,
            )
        return Outcome(
            replies=replies,
            officer_id=officer_id,
            activity_id=inbound.activity_id,
            recorded_deliveries=recorded_deliveries,
        )

    @staticmethod
    async def _remember(
        session: AsyncSession, officer: Officer, where: Where, now: datetime
    ) -> None:
        """How to reach the officer again; hearing from them makes them reachable."""
        await references.remember(
            session,
            officer_id=officer.id,
            channel=where.channel,
            conversation_id=where.conversation_id,
            service_url=where.service_url,
            tenant_id=where.tenant_id,
            reference=where.reference,
            now=now,
        )
        if officer.unreachable_since is not None:
            officer.unreachable_since = None
            officer.unreachable_reason = None

    async def _dispatch(
        self, session: AsyncSession, officer: Officer, inbound: Inbound, now: datetime
    ) -> list[Reply]:
        """The workflow's replies; a `UserError` it raises rolls the whole turn back."""
        if len(inbound.text) > MAX_TEXT:
            raise UserError(TOO_LONG.format(length=len(inbound.text), limit=MAX_TEXT))
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
        return await self._router.dispatch(turn)
