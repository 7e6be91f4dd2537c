"""What the outbox and the channels agree on: the sender protocol and its errors.

The outbox (`bot.delivery`) knows channels only by name and through `ChannelSender`; each
channel package implements it. Nothing here imports a channel SDK.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.limits import RetryAfter
from dialogs.core import Reply


class DeliveryError(Exception):
    """A send that failed: `status` is the channel's HTTP status when there was one, and
    `retry_after` its `Retry-After` (seconds, or an instant)."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: RetryAfter | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class Opened:
    """A new 1:1 conversation and the first activity sent into it; `service_url` and
    `tenant_id` are stored with the new reference."""

    activity_id: str
    conversation_id: str
    reference: dict[str, Any]
    service_url: str = ""
    tenant_id: str | None = None


@dataclass(frozen=True)
class FirstContact:
    """Where to send to a user the bot has never talked to: what a stored conversation
    reference would otherwise give."""

    conversation_id: str
    tenant_id: str
    reference: dict[str, Any]


class ChannelSender(Protocol):
    """Sends on one channel. The outbox holds one per channel name."""

    @property
    def roster_field(self) -> str:
        """The `Officer` column holding the officer's user id on this channel."""
        ...

    def user_of(self, reference: dict[str, Any]) -> str | None:
        """The user a stored conversation reference is with, if it says."""
        ...

    def first_contact(self, user_id: str) -> FirstContact | None:
        """How to reach a user known only by their roster id; None if the channel cannot
        start a conversation from that alone."""
        ...

    async def send(self, reference: dict[str, Any], reply: Reply) -> str:
        """Send into a stored conversation; the sent activity's id."""
        ...

    async def open_conversation(
        self, reference: dict[str, Any], *, user_id: str, tenant_id: str | None, reply: Reply
    ) -> Opened:
        """Open a new 1:1 conversation with the user (same bot and service) and send there."""
        ...
