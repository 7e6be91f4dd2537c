"""One officer's terminal conversation with a running bot, played as the Teams channel.

What the user types is POSTed as Bot Framework activities to the bot's `/api/messages`;
what the bot sends arrives at the loopback connector and is printed, cards as text. Typing
a button's number presses it (an Action.Submit), after asking for the card's input values.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

import aiohttp

from bot.chat.answers import parse_answer, question
from bot.chat.cards import ADAPTIVE_CARD, Button, CardInput, adaptive_cards, render_card
from bot.chat.connector import LoopbackConnector
from bot.chat.officer import LOCAL_TENANT, ChatOfficer
from bot.chat.terminal import LineReader, is_tty
from bot.clock import system_clock
from bot.errors import CommandError

DEFAULT_BOT_URL = "http://127.0.0.1:3978"
BOT_ID = "28:pcso-bot"
QUIT_WORDS = frozenset({"/quit", "/exit"})
SAY_PREFIX = "/say "
INDENT = "     "
SETTLE_SECONDS = 0.2
SEND_TIMEOUT_SECONDS = 60.0
START_HINT = "start it with `make run` (or `pcso-bot serve`) and try again"


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
        self._interactive = is_tty(stdin) if interactive is None else interactive
        self._settle = settle
        self._card: _ShownCard | None = None
        self._prompt: str | None = None
        self._connector = LoopbackConnector(
            officer, tenant_id, show=self._show, deleted=self._deleted
        )
        self._http: aiohttp.ClientSession | None = None
        self._reader: LineReader | None = None
        self.service_url = ""

    # lifecycle

    async def __aenter__(self) -> ChatSession:
        self.service_url = await self._connector.start()
        self._http = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT_SECONDS)
        )
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._http is not None:
            await self._http.close()
        await self._connector.stop()

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
        self._reader = LineReader(self._stdin)
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
            raw = await self._ask(f"{INDENT}{question(card_input)}> ")
            if raw is None:
                return None
            answer, problem = parse_answer(card_input, raw.strip())
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

    # showing what the bot sent

    def _show(self, activity: dict[str, Any], activity_id: str, updated: bool) -> None:
        if activity.get("type", "message") != "message":
            return
        lines = ["(card updated)"] if updated else []
        text = activity.get("text")
        if isinstance(text, str) and text.strip():
            lines.extend(text.splitlines())
        cards = adaptive_cards(activity)
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

    def _deleted(self, activity_id: str) -> None:
        if self._card is not None and self._card.activity_id == activity_id:
            self._card = None
        self._notify(["bot: (a message was deleted)"])

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


def _error_detail(body: str) -> str:
    return body.strip()[:200]


def _reason(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "no answer in time"
    if isinstance(error, aiohttp.ClientConnectorError):
        refused = isinstance(error.os_error, ConnectionRefusedError)
        return "nothing is listening there" if refused else "cannot connect"
    return type(error).__name__
