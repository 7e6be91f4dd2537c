"""The channel-neutral vocabulary of every workflow.

A workflow sees a `Turn` (who, what they typed or tapped, when, a database session) and
answers with `Reply` objects holding text and/or a `Card`. Transports (Teams, Slack, the
terminal chat) turn their payloads into turns and render cards as Adaptive Cards, Block Kit
or text. Nothing here imports a chat SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.models import Officer


class WorkflowSettings(Protocol):
    """The service settings workflows read; the service's own settings object satisfies it,
    so nothing here depends on how the service is configured."""

    @property
    def zone(self) -> ZoneInfo: ...

    @property
    def referral_contact(self) -> str: ...

    @property
    def retention_days(self) -> int: ...


class UserError(Exception):
    """Something the user can fix. The turn is rolled back and the message is shown."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


FieldKind = Literal["text", "number", "choice", "toggle", "date"]


@dataclass(frozen=True)
class Field:
    """An input on a card. `id` is the store's field name (SPEC.md's verb table)."""

    id: str
    label: str
    kind: FieldKind = "text"
    choices: tuple[tuple[str, str], ...] = ()  # (value, title)
    value: str | None = None
    max_length: int | None = None
    multiline: bool = False
    placeholder: str = ""
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None


@dataclass(frozen=True)
class Action:
    """A one-tap button. `data` always carries the `verb`; with fields, their values join it."""

    title: str
    data: Mapping[str, Any]
    style: Literal["default", "positive", "destructive"] = "default"

    @property
    def verb(self) -> str:
        return str(self.data["verb"])


@dataclass(frozen=True)
class Section:
    heading: str = ""
    lines: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Card:
    title: str
    sections: tuple[Section, ...] = ()
    fields: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (title, url)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Card:
        return cls(
            title=raw["title"],
            sections=tuple(
                Section(
                    heading=s.get("heading", ""),
                    lines=tuple(s.get("lines", ())),
                    facts=tuple(tuple(f) for f in s.get("facts", ())),  # type: ignore[misc]
                )
                for s in raw.get("sections", ())
            ),
            fields=tuple(
                Field(**{**f, "choices": tuple(tuple(c) for c in f.get("choices", ()))})
                for f in raw.get("fields", ())
            ),
            actions=tuple(
                Action(title=a["title"], data=dict(a["data"]), style=a.get("style", "default"))
                for a in raw.get("actions", ())
            ),
            links=tuple(tuple(link) for link in raw.get("links", ())),  # type: ignore[misc]
        )


@dataclass(frozen=True)
class Reply:
    """What the bot says. `replace=True` updates the card the user acted on, where possible."""

    text: str | None = None
    card: Card | None = None
    replace: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "card": self.card.to_dict() if self.card else None,
            "replace": self.replace,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Reply:
        card = raw.get("card")
        return cls(
            text=raw.get("text"),
            card=Card.from_dict(card) if card else None,
            replace=bool(raw.get("replace")),
        )


@dataclass
class Turn:
    """One inbound message or action from a rostered officer, inside one transaction."""

    session: AsyncSession
    officer: Officer
    channel: str
    now: datetime
    settings: WorkflowSettings
    text: str = ""
    data: dict[str, Any] | None = None
    activity_id: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return self.settings.zone

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.zone)

    @property
    def today(self) -> date:
        """The working day, in the force's zone, never from UTC."""
        return self.local_now.date()

    @property
    def verb(self) -> str | None:
        return str(self.data.get("verb")) if self.data and self.data.get("verb") else None
