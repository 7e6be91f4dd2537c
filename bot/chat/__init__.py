"""`pcso-bot chat --as COLLAR`: talk to a running local bot as an officer, in the terminal.

The command plays the Microsoft Teams channel on loopback: the session (`session`) posts
Bot Framework activities to the bot and serves a small Bot Connector of its own
(`connector`) for the bot's replies; cards are shown as text (`cards`) and their inputs
asked for one by one (`answers`).
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.chat.cards import Button, CardInput, render_card
from bot.chat.officer import ChatOfficer, load_officer, tenant_for
from bot.chat.session import DEFAULT_BOT_URL, SETTLE_SECONDS, ChatSession
from bot.settings import Settings

__all__ = [
    "Button",
    "CardInput",
    "ChatOfficer",
    "ChatSession",
    "chat",
    "render_card",
    "run",
]


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
