"""`pcso-bot chat --as COLLAR`: talk to a running local bot as an officer, in the terminal.

The command plays the Microsoft Teams channel on loopback. It POSTs Bot Framework activities
to the bot's `/api/messages` and runs a small Bot Connector of its own (the activities'
`serviceUrl`) that receives the bot's replies, card updates and later proactive messages, and
answers the member look-up with the officer's email. Adaptive Cards are shown as text with
numbered buttons; typing a number presses the button (an Action.Submit), after asking for the
card's input values.
"""

from __future__ import annotations

import asyncio
import itertools
import sys
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

import aiohttp
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.cli import CommandError
from bot.clock import system_clock
from bot.settings import Settings

DEFAULT_BOT_URL = "http://127.0.0.1:3978"
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
LOCAL_TENANT = "00000000-0000-0000-0000-000000000000"
BOT_ID = "28:pcso-bot"
QUIT_WORDS = frozenset({"/quit", "/exit"})
SAY_PREFIX = "/say "
INDENT = "     "
SETTLE_SECONDS = 0.2
SEND_TIMEOUT_SECONDS = 60.0
START_HINT = "start it with `make run` (or `pcso-bot serve`) and try again"


# --- rendering Adaptive Cards as text ------------------------------------------------------


@dataclass(frozen=True)
class CardInput:
    """One input of a card, as the terminal asks for it."""

    id: str
    kind: str  # the Adaptive Card type, e.g. "Input.ChoiceSet"
    label: str
    choices: tuple[tuple[str, str], ...] = ()  # (title, value)
    multi: bool = False
    value: str | None = None
    required: bool = False
    value_on: str = "true"
    value_off: str = "false"
    hint: str = ""

    def describe(self) -> str:
        """One line for the card rendering, e.g. `[field: attendance] Reason: sick | court`."""
        text = f"[field: {self.id}] {self.label.rstrip(':')}"
        if self.choices:
            text += ": " + " | ".join(value for _, value in self.choices)
        elif self.hint:
            text += f" ({self.hint})"
        if self.multi:
            text += " (choose several)"
        if self.value not in (None, ""):
            text += f" [now: {self.value}]"
        if self.required:
            text += " (required)"
        return text


@dataclass(frozen=True)
class Button:
    """An Action.Submit or Action.Execute, numbered from 1 in the order the card shows them."""

    number: int
    title: str
    data: Any = None
    verb: str | None = None  # Action.Execute's verb, sent in the data
    inputs: tuple[CardInput, ...] = ()  # what the card sends with it

    def label(self) -> str:
        return f"[{self.number}] {self.title}"

    def submission(self, values: dict[str, str]) -> tuple[str | None, dict[str, Any] | None]:
        """The message activity's `text` and `value` when the button is pressed."""
        data = self.data
        if isinstance(data, str):
            return data, dict(values) or None
        data = dict(data) if isinstance(data, dict) else {}
        found = data.get("msteams")
        teams: dict[str, Any] = found if isinstance(found, dict) else {}
        if teams.get("type") == "imBack":
            return str(teams.get("value") or ""), None
        if teams.get("type") == "messageBack":
            back = teams.get("value")
            return teams.get("text"), back if isinstance(back, dict) else None
        value = {**data, **values}
        if self.verb:
            value["verb"] = self.verb
        return None, value


def render_card(card: dict[str, Any]) -> tuple[str, list[Button]]:
    """An Adaptive Card as readable text (title, text, facts, inputs, numbered buttons)."""
    renderer = _CardRenderer()
    renderer.card(card, scope=())
    return "\n".join(renderer.lines), renderer.buttons


@dataclass
class _CardRenderer:
    lines: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    _titled: bool = False

    def card(self, card: dict[str, Any], *, scope: tuple[CardInput, ...], prefix: str = "") -> None:
        inputs = scope + tuple(_inputs_in(card.get("body") or []))
        self.elements(card.get("body") or [], inputs, prefix)
        self.actions(card.get("actions") or [], inputs, prefix)

    def elements(self, elements: Iterable[Any], inputs: tuple[CardInput, ...], prefix: str) -> None:
        for element in elements:
            if isinstance(element, dict) and element.get("isVisible", True) is not False:
                self.element(element, inputs, prefix)

    def element(self, element: dict[str, Any], inputs: tuple[CardInput, ...], prefix: str) -> None:
        kind = element.get("type", "")
        if kind == "TextBlock":
            self.text(str(element.get("text") or ""), element, prefix)
        elif kind == "RichTextBlock":
            self.text("".join(_inline_text(i) for i in element.get("inlines") or []), {}, prefix)
        elif kind == "FactSet":
            for fact in element.get("facts") or []:
                self.line(prefix, f"{fact.get('title', '')}: {fact.get('value', '')}")
        elif kind.startswith("Input."):
            self.line(prefix, _card_input(element).describe())
        elif kind == "ActionSet":
            self.actions(element.get("actions") or [], inputs, prefix)
        elif kind == "ColumnSet":
            for column in element.get("columns") or []:
                self.elements(column.get("items") or [], inputs, prefix)
        elif kind == "Table":
            self.table(element, prefix)
        elif kind in ("Image", "Media") and element.get("altText"):
            self.line(prefix, f"[image: {element['altText']}]")
        else:
            self.elements(element.get("items") or [], inputs, prefix)

    def text(self, text: str, element: dict[str, Any], prefix: str) -> None:
        if not text.strip():
            return
        if not self._titled:
            self._titled = True
            self.line(prefix, f"== {text.strip()} ==")
        elif element.get("weight", "").lower() == "bolder" or element.get("style") == "heading":
            self.line(prefix, f"-- {text.strip()} --")
        else:
            for line in text.splitlines():
                self.line(prefix, line)

    def table(self, table: dict[str, Any], prefix: str) -> None:
        for row in table.get("rows") or []:
            cells = [_plain_text(cell.get("items") or []) for cell in row.get("cells") or []]
            self.line(prefix, " | ".join(cells))

    def actions(self, actions: Iterable[Any], inputs: tuple[CardInput, ...], prefix: str) -> None:
        row: list[str] = []
        for action in actions:
            if not isinstance(action, dict):
                continue
            kind = action.get("type")
            title = str(action.get("title") or action.get("verb") or "(untitled)")
            if kind in ("Action.Submit", "Action.Execute"):
                button = self.button(action, title, inputs)
                row.append(button.label())
            elif kind == "Action.OpenUrl":
                self.flush(row, prefix)
                self.line(prefix, f"[link] {title}: {action.get('url', '')}")
            elif kind == "Action.ShowCard" and isinstance(action.get("card"), dict):
                self.flush(row, prefix)
                self.line(prefix, f"{title}:")
                self.card(action["card"], scope=inputs, prefix=prefix + "  > ")
        self.flush(row, prefix)

    def button(self, action: dict[str, Any], title: str, inputs: tuple[CardInput, ...]) -> Button:
        associated = str(action.get("associatedInputs") or "auto").lower()
        button = Button(
            number=len(self.buttons) + 1,
            title=title,
            data=action.get("data"),
            verb=action.get("verb") if action.get("type") == "Action.Execute" else None,
            inputs=() if associated == "none" else inputs,
        )
        self.buttons.append(button)
        return button

    def flush(self, row: list[str], prefix: str) -> None:
        if row:
            self.line(prefix, "  ".join(row))
            row.clear()

    def line(self, prefix: str, text: str) -> None:
        self.lines.append(prefix + text)


def _inputs_in(elements: Iterable[Any]) -> Iterator[CardInput]:
    """Every input in a card body (not inside Action.ShowCard cards), in order."""
    for element in elements:
        if not isinstance(element, dict):
            continue
        if str(element.get("type", "")).startswith("Input.") and element.get("id"):
            yield _card_input(element)
        yield from _inputs_in(element.get("items") or [])
        for column in element.get("columns") or []:
            yield from _inputs_in(column.get("items") or [])


def _card_input(element: dict[str, Any]) -> CardInput:
    kind = str(element.get("type"))
    label = str(element.get("label") or element.get("title") or element.get("placeholder") or "")
    value = element.get("value")
    common: dict[str, Any] = {
        "id": str(element.get("id") or "?"),
        "kind": kind,
        "label": label or str(element.get("id") or "input"),
        "value": None if value is None else str(value),
        "required": bool(element.get("isRequired")),
    }
    if kind == "Input.ChoiceSet":
        choices = tuple(
            (str(c.get("title") or c.get("value")), str(c.get("value")))
            for c in element.get("choices") or []
            if isinstance(c, dict)
        )
        return CardInput(**common, choices=choices, multi=bool(element.get("isMultiSelect")))
    if kind == "Input.Toggle":
        return CardInput(
            **common,
            value_on=str(element.get("valueOn", "true")),
            value_off=str(element.get("valueOff", "false")),
            hint="yes/no",
        )
    return CardInput(**common, hint=_input_hint(kind, element))


def _input_hint(kind: str, element: dict[str, Any]) -> str:
    if kind == "Input.Number":
        low, high = element.get("min"), element.get("max")
        if low is not None and high is not None:
            return f"number, {low}-{high}"
        return "number"
    if kind == "Input.Date":
        return "date, YYYY-MM-DD"
    if kind == "Input.Time":
        return "time, HH:MM"
    if element.get("maxLength"):
        return f"text, up to {element['maxLength']} characters"
    return "text"


def _inline_text(inline: Any) -> str:
    if isinstance(inline, str):
        return inline
    return str(inline.get("text") or "") if isinstance(inline, dict) else ""


def _plain_text(elements: Iterable[Any]) -> str:
    texts = []
    for element in elements:
        if isinstance(element, dict) and element.get("type") == "TextBlock":
            texts.append(str(element.get("text") or ""))
    return " ".join(texts)


# --- the officer the terminal plays ------------------------------------------------------


@dataclass(frozen=True)
class ChatOfficer:
    collar: str
    name: str
    role: str
    email: str
    aad_object_id: str | None = None
    active: bool = True

    @property
    def user_id(self) -> str:
        return f"29:chat-{self.collar.lower()}"

    @property
    def conversation_id(self) -> str:
        return f"a:chat-{self.collar.lower()}"

    def member(self, tenant_id: str) -> dict[str, Any]:
        """The Teams member look-up answer (`TeamsChannelAccount`)."""
        member: dict[str, Any] = {
            "id": self.user_id,
            "name": self.name,
            "email": self.email,
            "userPrincipalName": self.email,
            "tenantId": tenant_id,
            "userRole": "user",
        }
        if self.aad_object_id:
            member["aadObjectId"] = self.aad_object_id
        return member


async def load_officer(database_url: str, collar: str) -> ChatOfficer:
    """The rostered officer with this collar number; CommandError if there is none."""
    from storage import officers
    from storage.db import create_engine, create_sessionmaker

    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            officer = await officers.by_collar(session, collar)
    except (SQLAlchemyError, OSError) as error:
        raise CommandError(
            f"cannot read the roster from the database ({type(error).__name__}); "
            "check DATABASE_URL and run `pcso-bot db upgrade`"
        ) from error
    finally:
        await engine.dispose()
    if officer is None:
        raise CommandError(f"no officer with collar number {collar.strip()} is on the roster")
    return ChatOfficer(
        collar=officer.collar_number,
        name=officer.name,
        role=officer.role,
        email=officer.email,
        aad_object_id=officer.aad_object_id,
        active=officer.active,
    )


def tenant_for(settings: Settings) -> str:
    """A tenant the bot accepts: the first allowed one, the app's own, or a local one."""
    allowed = sorted(settings.allowed_tenant_ids)
    return allowed[0] if allowed else settings.app_tenant_id or LOCAL_TENANT


# --- the terminal session ----------------------------------------------------------------


class _LineReader:
    """Reads lines on a daemon thread, so the connector keeps serving while the user types."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        threading.Thread(target=self._pump, name="chat-stdin", daemon=True).start()

    def _pump(self) -> None:
        while True:
            try:
                line: str | None = self._stream.readline() or None
            except (OSError, ValueError):
                line = None
            try:
                self._loop.call_soon_threadsafe(self._queue.put_nowait, line)
            except RuntimeError:  # the session has ended
                return
            if line is None:
                return

    async def readline(self) -> str | None:
        """The next line without its newline, or None at end of input."""
        line = await self._queue.get()
        if line is None:
            self._queue.put_nowait(None)  # stay at end of input
            return None
        return line.rstrip("\r\n")


@dataclass
class _ShownCard:
    activity_id: str
    buttons: list[Button]


class ChatSession:
    """One officer's terminal conversation with a running bot.

    `async with ChatSession(...) as chat:` starts the loopback connector; `await chat.connect()`
    checks the bot is there (and tells it where to send proactive messages); `await chat.run()`
    reads lines until `/quit` or end of input.
    """

    def __init__(
        self,
        officer: ChatOfficer,
        *,
        bot_url: str = DEFAULT_BOT_URL,
        tenant_id: str = LOCAL_TENANT,
        stdin: TextIO,
        stdout: TextIO,
        interactive: bool | None = None,
        settle: float = SETTLE_SECONDS,
    ) -> None:
        self.officer = officer
        self.bot_url = bot_url.rstrip("/")
        self.tenant_id = tenant_id
        self._stdin = stdin
        self._out = stdout
        self._interactive = _is_tty(stdin) if interactive is None else interactive
        self._settle = settle
        self._ids = itertools.count(1)
        self._card: _ShownCard | None = None
        self._prompt: str | None = None
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._reader: _LineReader | None = None
        self.service_url = ""

    # lifecycle

    async def __aenter__(self) -> ChatSession:
        self._runner = web.AppRunner(self._connector_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.service_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT_SECONDS)
        )
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def connect(self) -> None:
        """Say hello as Teams does when the chat opens; CommandError if the bot is not there."""
        activity = self._activity(
            "conversationUpdate", membersAdded=[{"id": BOT_ID, "name": "PCSO bot"}]
        )
        try:
            status, detail = await self._post(activity)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise CommandError(
                f"cannot reach the bot at {self.bot_url} ({_reason(error)}): {START_HINT}"
            ) from error
        if status == 401:
            raise CommandError(
                f"the bot at {self.bot_url} requires Bot Framework authentication "
                "(MicrosoftAppId is set); chat only talks to a local bot run without one"
            )
        if status >= 400:
            raise CommandError(f"the bot at {self.bot_url} refused the chat: {detail}")

    async def run(self) -> None:
        self._reader = _LineReader(self._stdin)
        self._write(self._banner())
        if not self.officer.active:
            self._write("(note: this officer is marked inactive, so the bot will refuse them)")
        while (line := await self._ask("you> ")) is not None:
            said = line.strip()
            if said.lower() in QUIT_WORDS:
                break
            if said:
                await self._handle(said)
        self._write("bye")

    def _banner(self) -> str:
        me = self.officer
        return (
            f"Chatting as {me.name} ({me.collar}, {me.role}) with the bot at {self.bot_url}"
            " - type a number to press a button, /quit to leave"
        )

    # what the user typed

    async def _handle(self, said: str) -> None:
        if said.lower().startswith(SAY_PREFIX):
            await self._send(text=said[len(SAY_PREFIX) :].strip())
            return
        card = self._card
        if card is not None and said.isdecimal() and 1 <= int(said) <= len(card.buttons):
            await self._press(card.buttons[int(said) - 1], carrier=card.activity_id)
            return
        await self._send(text=said)

    async def _press(self, button: Button, *, carrier: str) -> None:
        """Ask for the button's inputs, then submit them to the card that carried it."""
        self._write(f"{INDENT}(pressing {button.label()})")
        values = await self._fill(button.inputs)
        if values is None:
            self._write(f"{INDENT}(not sent)")
            return
        text, value = button.submission(values)
        await self._send(text=text, value=value, reply_to=carrier)

    async def _fill(self, inputs: Iterable[CardInput]) -> dict[str, str] | None:
        """Ask for each input; None if input ends first."""
        values: dict[str, str] = {}
        for card_input in inputs:
            answer = await self._fill_one(card_input)
            if answer is None:
                return None
            if answer != "":
                values[card_input.id] = answer
        return values

    async def _fill_one(self, card_input: CardInput) -> str | None:
        self._write(f"{INDENT}{card_input.label.rstrip(':')} ({card_input.id}):")
        for number, (title, value) in enumerate(card_input.choices, start=1):
            shown = title if title == value else f"{title} ({value})"
            self._write(f"{INDENT}  {number}) {shown}")
        while True:
            raw = await self._ask(f"{INDENT}{_question(card_input)}> ")
            if raw is None:
                return None
            answer, problem = _parse_answer(card_input, raw.strip())
            if problem is None and answer == "" and card_input.required:
                problem = "this one is required"
            if problem is None:
                return answer
            self._write(f"{INDENT}({problem}; try again)")

    async def _ask(self, prompt: str) -> str | None:
        assert self._reader is not None
        if self._interactive:
            self._prompt = prompt
            self._out.write(prompt)
            self._out.flush()
        line = await self._reader.readline()
        self._prompt = None
        if line is not None and not self._interactive:
            self._write(f"{prompt}{line}")
        return line

    # talking to the bot

    async def _send(
        self,
        *,
        text: str | None = None,
        value: dict[str, Any] | None = None,
        reply_to: str | None = None,
    ) -> None:
        fields: dict[str, Any] = {}
        if text is not None:
            fields["text"] = text
        if value is not None:
            fields["value"] = value
        if reply_to:
            fields["replyToId"] = reply_to
        try:
            status, detail = await self._post(self._activity("message", **fields))
        except (aiohttp.ClientError, TimeoutError) as error:
            self._write(
                f"(cannot reach the bot at {self.bot_url}: {_reason(error)}; is it still "
                f"running? {START_HINT[0].upper()}{START_HINT[1:]})"
            )
            return
        if status >= 400:
            self._write(f"(the bot refused that message: HTTP {status} {detail})")
        await asyncio.sleep(self._settle)

    async def _post(self, activity: dict[str, Any]) -> tuple[int, str]:
        """POST an activity; the bot replies through the connector before it answers."""
        assert self._http is not None
        async with self._http.post(f"{self.bot_url}/api/messages", json=activity) as response:
            body = await response.text()
            return response.status, _error_detail(body)

    def _activity(self, type_: str, **fields: Any) -> dict[str, Any]:
        me = self.officer
        sender: dict[str, Any] = {"id": me.user_id, "name": me.name}
        if me.aad_object_id:
            sender["aadObjectId"] = me.aad_object_id
        activity: dict[str, Any] = {
            "type": type_,
            "id": f"chat-{uuid.uuid4().hex}",
            "timestamp": system_clock().isoformat().replace("+00:00", "Z"),
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": sender,
            "conversation": {
                "id": me.conversation_id,
                "conversationType": "personal",
                "tenantId": self.tenant_id,
            },
            "recipient": {"id": BOT_ID, "name": "PCSO bot"},
            "channelData": {"tenant": {"id": self.tenant_id}},
            "locale": "en-GB",
        }
        activity.update(fields)
        return activity

    # the loopback Bot Connector

    def _connector_app(self) -> web.Application:
        app = web.Application()
        conversation = "/v3/conversations/{conversation}"
        app.router.add_post("/v3/conversations", self._on_create)
        app.router.add_post(conversation + "/activities", self._on_post)
        app.router.add_post(conversation + "/activities/{reply_to}", self._on_post)
        app.router.add_put(conversation + "/activities/{activity}", self._on_put)
        app.router.add_delete(conversation + "/activities/{activity}", self._on_delete)
        app.router.add_get(conversation + "/members", self._on_members)
        app.router.add_get(conversation + "/members/{member}", self._on_member)
        return app

    async def _on_post(self, request: web.Request) -> web.Response:
        activity = await _json(request)
        activity_id = f"chat-reply-{next(self._ids)}"
        self._show(activity, activity_id, updated=False)
        return web.json_response({"id": activity_id})

    async def _on_put(self, request: web.Request) -> web.Response:
        activity = await _json(request)
        activity_id = request.match_info["activity"]
        self._show(activity, activity_id, updated=True)
        return web.json_response({"id": activity_id})

    async def _on_delete(self, request: web.Request) -> web.Response:
        activity_id = request.match_info["activity"]
        if self._card is not None and self._card.activity_id == activity_id:
            self._card = None
        self._notify(["bot: (a message was deleted)"])
        return web.Response(status=200)

    async def _on_member(self, request: web.Request) -> web.Response:
        if request.match_info["member"] != self.officer.user_id:
            return web.json_response(
                {"error": {"code": "MemberNotFoundInConversation"}}, status=404
            )
        return web.json_response(self.officer.member(self.tenant_id))

    async def _on_members(self, _request: web.Request) -> web.Response:
        return web.json_response([self.officer.member(self.tenant_id)])

    async def _on_create(self, _request: web.Request) -> web.Response:
        """A 1:1 conversation with the officer is always this one."""
        return web.json_response({"id": self.officer.conversation_id}, status=201)

    # showing what the bot sent

    def _show(self, activity: dict[str, Any], activity_id: str, *, updated: bool) -> None:
        if activity.get("type", "message") != "message":
            return
        lines = ["(card updated)"] if updated else []
        text = activity.get("text")
        if isinstance(text, str) and text.strip():
            lines.extend(text.splitlines())
        cards = _adaptive_cards(activity)
        for card in cards:
            rendered, buttons = render_card(card)
            lines.extend(rendered.splitlines())
            self._card = _ShownCard(activity_id, buttons)
        if updated and not cards and self._card and self._card.activity_id == activity_id:
            self._card = None
        for attachment in activity.get("attachments") or []:
            if isinstance(attachment, dict) and attachment.get("contentType") != ADAPTIVE_CARD:
                lines.append(f"[attachment: {attachment.get('contentType')}]")
        if lines:
            self._notify(["bot: " + lines[0], *(INDENT + line for line in lines[1:])])

    def _notify(self, lines: list[str]) -> None:
        """Print something the bot sent; if the user was at a prompt, show it again."""
        if self._prompt is not None:
            self._out.write("\n")
        self._write("\n".join(lines))
        if self._prompt is not None:
            self._out.write(self._prompt)
            self._out.flush()

    def _write(self, text: str) -> None:
        self._out.write(text + "\n")
        self._out.flush()


def _question(card_input: CardInput) -> str:
    if card_input.choices:
        many = "numbers, comma-separated" if card_input.multi else "a number"
        return f"choose {many}, empty = leave blank"
    if card_input.kind == "Input.Toggle":
        return "y/n, empty = leave as it is"
    return f"{card_input.hint}, empty = leave blank"


def _parse_answer(card_input: CardInput, raw: str) -> tuple[str, str | None]:
    """(value to send, problem); an empty answer keeps the card's own value."""
    if raw == "":
        if card_input.kind == "Input.Toggle":
            return card_input.value or card_input.value_off, None
        return card_input.value or "", None
    if card_input.kind == "Input.Toggle":
        word = raw.lower()
        if word in ("y", "yes", "true", "on", "1"):
            return card_input.value_on, None
        if word in ("n", "no", "false", "off", "0"):
            return card_input.value_off, None
        return "", "answer y or n"
    if not card_input.choices:
        return raw, None
    picked = (
        [_choice(card_input, part.strip()) for part in raw.split(",")]
        if card_input.multi
        else [_choice(card_input, raw)]
    )
    if any(p is None for p in picked):
        return "", f"not one of the choices 1-{len(card_input.choices)}"
    return ",".join(p for p in picked if p is not None), None


def _choice(card_input: CardInput, answer: str) -> str | None:
    """A choice by its number, value or title."""
    if answer.isdecimal() and 1 <= int(answer) <= len(card_input.choices):
        return card_input.choices[int(answer) - 1][1]
    for title, value in card_input.choices:
        if answer.lower() in (title.lower(), value.lower()):
            return value
    return None


def _adaptive_cards(activity: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        a["content"]
        for a in activity.get("attachments") or []
        if isinstance(a, dict) and a.get("contentType") == ADAPTIVE_CARD
        if isinstance(a.get("content"), dict)
    ]


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_detail(body: str) -> str:
    return body.strip()[:200]


def _reason(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    if isinstance(error, aiohttp.ClientConnectorError):
        refused = isinstance(error.os_error, ConnectionRefusedError)
        return "nothing is listening there" if refused else "cannot connect"
    return type(error).__name__


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# --- entry point -------------------------------------------------------------------------


async def chat(
    collar: str,
    *,
    settings: Settings,
    bot_url: str | None = None,
    stdin: TextIO,
    stdout: TextIO,
    interactive: bool | None = None,
    settle: float = SETTLE_SECONDS,
) -> None:
    """The whole command: find the officer, reach the bot, talk until /quit."""
    officer = await load_officer(settings.database_url, collar)
    async with ChatSession(
        officer,
        bot_url=bot_url or DEFAULT_BOT_URL,
        tenant_id=tenant_for(settings),
        stdin=stdin,
        stdout=stdout,
        interactive=interactive,
        settle=settle,
    ) as session:
        await session.connect()
        await session.run()


def run(collar: str, bot_url: str | None, settings: Settings) -> int:
    """`pcso-bot chat`: the terminal's stdin and stdout."""
    asyncio.run(
        chat(collar, settings=settings, bot_url=bot_url, stdin=sys.stdin, stdout=sys.stdout)
    )
    return 0
