"""`pcso-bot chat --as COLLAR [--bot-url URL]`: the terminal client (`bot.chat`)."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.common import load_settings, require_migrated


def add_chat(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "chat", help="talk to a running local bot as an officer, cards shown as text"
    )
    p.add_argument(
        "--as", dest="collar", required=True, metavar="COLLAR", help="the officer's collar number"
    )
    p.add_argument(
        "--bot-url", default=None, help="the running bot (default: http://127.0.0.1:3978)"
    )
    p.set_defaults(func=_chat)


def _chat(args: argparse.Namespace) -> int:
    settings = load_settings()
    asyncio.run(require_migrated(settings))  # it reads the officer from the roster
    from bot.chat import run

    return run(args.collar, args.bot_url, settings)
