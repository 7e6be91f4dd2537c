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
    """An input on a card. `id` is the store's field name (docs/guide.md's verb table)."""

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
    several: bool = False  # a choice of several values, sent comma-separated
    error: str = ""  # what the card says when a required input is empty or out of range

    @property
    def number(self) -> int | None:
        """A number input's value as a number (a card shows it as one), or None."""
        try:
            return int(str(self.value).strip()) if self.value is not None else None
        except ValueError:
            return None


@dataclass(frozen=True)
class Action:
    """A one-tap button. `data` always carries the `verb`; with fields, their values join it.

    An action with its own `fields` opens a small form under the button (the card's other
    inputs are not sent with it); its `submit` button sends the data with those fields."""

    title: str
    data: Mapping[str, Any]
    style: Literal["default", "positive", "destructive"] = "default"
    fields: tuple[Field, ...] = ()
    submit: str = "Send"

    @property
    def verb(self) -> str:
        return str(self.data["verb"])


@dataclass(frozen=True)
class Table:
    """Rows of cells under column headings: figures meant to be compared down a column."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Section:
    """A heading, lines of text, (label, value) facts, a table, then buttons and links."""

    heading: str = ""
    lines: tuple[str, ...] = ()
    facts: tuple[tuple[str, str], ...] = ()
    table: Table | None = None
    actions: tuple[Action, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (title, url), e.g. a tel: number


@dataclass(frozen=True)
class Fold:
    """Content shown only when asked for: its `title` is the button that shows it."""

    title: str
    sections: tuple[Section, ...] = ()
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class Card:
    """What a card shows, top to bottom: title, sections, fields, `more` (folded inputs,
    e.g. extra rows of a form), the actions and links, then `details` (folded reading).

    `summary` is the notification's words for a card sent unasked; `refresh` is the data
    (with a read-only `verb`) that fetches the card as it now stands for whoever sees it;
    `wide` asks for the full width of the chat where the channel has a choice."""

    title: str
    sections: tuple[Section, ...] = ()
    fields: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()
    links: tuple[tuple[str, str], ...] = ()  # (title, url)
    more: tuple[Fold, ...] = ()
    details: tuple[Fold, ...] = ()
    summary: str = ""
    refresh: Mapping[str, Any] | None = None
    wide: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Card:
        refresh = raw.get("refresh")
        return cls(
            title=raw["title"],
            sections=tuple(_section(s) for s in raw.get("sections", ())),
            fields=tuple(_field(f) for f in raw.get("fields", ())),
            actions=tuple(_action(a) for a in raw.get("actions", ())),
            links=_links(raw.get("links", ())),
            more=tuple(_fold(f) for f in raw.get("more", ())),
            details=tuple(_fold(f) for f in raw.get("details", ())),
            summary=raw.get("summary", ""),
            refresh=dict(refresh) if refresh else None,
            wide=bool(raw.get("wide", False)),
        )


def _links(raw: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(title), str(url)) for title, url in raw)


def _field(raw: Mapping[str, Any]) -> Field:
    return Field(**{**raw, "choices": tuple((str(v), str(t)) for v, t in raw.get("choices", ()))})


def _action(raw: Mapping[str, Any]) -> Action:
    return Action(
        title=raw["title"],
        data=dict(raw["data"]),
        style=raw.get("style", "default"),
        fields=tuple(_field(f) for f in raw.get("fields", ())),
        submit=raw.get("submit", "Send"),
    )


def _section(raw: Mapping[str, Any]) -> Section:
    table = raw.get("table")
    return Section(
        heading=raw.get("heading", ""),
        lines=tuple(raw.get("lines", ())),
        facts=_links(raw.get("facts", ())),
        table=(
            Table(
                columns=tuple(table["columns"]),
                rows=tuple(tuple(row) for row in table.get("rows", ())),
            )
            if table
            else None
        ),
        actions=tuple(_action(a) for a in raw.get("actions", ())),
        links=_links(raw.get("links", ())),
    )


def _fold(raw: Mapping[str, Any]) -> Fold:
    return Fold(
        title=raw["title"],
        sections=tuple(_section(s) for s in raw.get("sections", ())),
        fields=tuple(_field(f) for f in raw.get("fields", ())),
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
