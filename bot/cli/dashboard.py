"""`pcso-bot dashboard link --as COLLAR [--url URL]`: a signed link to the supervision tab,
valid for 15 minutes, for local mode (docs/guide.md, "The supervision tab").

The link is signed with the store's `tab-link` key (`storage/keys.py`; made here the first
time), so the service on the same database accepts it without any setting. With
MicrosoftAppId set the service signs officers in with Teams alone and refuses links, so the
command refuses too (exit 2) rather than print a link that cannot work.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from bot.cli.common import CommandError, in_transaction, load_settings
from bot.clock import system_clock

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

DEFAULT_URL = "http://127.0.0.1:3978"


def add_dashboard(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("dashboard", help="the supervision tab")
    dsub = p.add_subparsers(dest="dashboard_command", required=True)
    link = dsub.add_parser(
        "link",
        help="print a signed link to the supervision tab, valid for 15 minutes (local mode)",
        description=(
            "Print a link that opens the supervision tab as the officer COLLAR, valid for 15 "
            "minutes. Local mode only (no MicrosoftAppId): in Teams the tab signs officers in "
            "with Teams."
        ),
    )
    link.add_argument(
        "--as", dest="collar", required=True, metavar="COLLAR", help="the officer's collar number"
    )
    link.add_argument(
        "--url",
        type=base_url,
        default=DEFAULT_URL,
        help=f"where the service is running (default {DEFAULT_URL})",
    )
    link.set_defaults(func=_link)


def base_url(text: str) -> str:
    from bot.tab.links import checked_base_url

    try:
        return checked_base_url(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _link(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.authenticated:
        raise CommandError(
            "MicrosoftAppId is set, so the supervision tab signs officers in with Teams and "
            "refuses links: open the Supervision tab in Teams (links are for local mode only)"
        )
    from bot.tab import links
    from storage import keys, officers

    now = system_clock()

    async def sign(session: AsyncSession) -> tuple[str, str]:
        officer = await officers.by_collar(session, args.collar)
        if officer is None:
            raise CommandError(
                f"no officer with collar number {args.collar.strip()} is on the roster"
            )
        if not officer.active:
            raise CommandError(f"{officer.collar_number} is not active on the roster")
        secret = await keys.get_or_create(session, links.KEY_NAME, now=now)
        return officer.collar_number, links.sign(secret, officer.collar_number, now=now)

    collar, token = asyncio.run(in_transaction(sign))
    made = links.link(args.url, token, now=now)
    until = made.expires.astimezone(settings.zone).strftime("%H:%M")
    print(made.url)
    print(f"Opens the supervision tab as {collar} until {until} ({settings.timezone}): 15 minutes.")
    return 0
