"""`pcso-bot serve [--host H] [--port P]`: run the bot service (scheduler included)."""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging

from bot.cli.common import CommandError, load_settings, require_migrated, safe_url


def add_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the bot service (scheduler included)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3978)
    p.set_defaults(func=_serve)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _serve(args: argparse.Namespace) -> int:
    # The service's modules (the channel SDKs among them) load only for this command.
    from aiohttp import web

    from bot.app import create_app
    from bot.channels.teams import UNAUTHENTICATED_WARNING

    settings = load_settings()
    if not settings.authenticated and not _is_loopback(args.host):
        raise CommandError(
            f"refusing to listen on {args.host}: with no MicrosoftAppId set the bot is "
            "unauthenticated and may only listen on loopback (127.0.0.1)"
        )
    asyncio.run(require_migrated(settings))
    log = logging.getLogger("pcso-bot")
    if not settings.authenticated:
        log.warning(UNAUTHENTICATED_WARNING)
    log.info("serving on http://%s:%d (database: %s)", args.host, args.port, safe_url(settings))
    web.run_app(create_app(settings), host=args.host, port=args.port, print=None)
    return 0
