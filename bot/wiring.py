"""The one place the channels' clients and the outbox are put together: `create_app` and
the job runner (`pcso-bot jobs run`) both build their outbox with `outbox` here."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels import slack, teams
from bot.channels.base import ChannelSender
from bot.channels.teams import BotConnector, TeamsAuth
from bot.clock import Clock
from bot.delivery import Outbox
from bot.settings import Settings


@dataclass(frozen=True)
class Channels:
    """What one process talks to the channels with; Slack only when it is configured."""

    teams: TeamsAuth
    connector: BotConnector
    slack: slack.Client | None = None


@contextlib.asynccontextmanager
async def service_channels(settings: Settings) -> AsyncIterator[Channels]:
    """The service's channels: the Bot Connector and the Slack client each keep one HTTP
    session, sized at start-up, until closed."""
    auth = teams.create_auth(settings)
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(teams.connector_session(settings))
        connector = teams.BotConnector(tokens=auth.tokens, session=session)
        stack.callback(connector.close)
        client = (
            await stack.enter_async_context(slack.web_client(settings))
            if slack.configured(settings)
            else None
        )
        yield Channels(teams=auth, connector=connector, slack=client)


def standalone_channels(settings: Settings) -> Channels:
    """Channels for a one-off run: each client opens an HTTP session per call."""
    auth = teams.create_auth(settings)
    client = slack.standalone_client(settings) if slack.configured(settings) else None
    connector = teams.BotConnector(tokens=auth.tokens, session=None)
    return Channels(teams=auth, connector=connector, slack=client)


def senders(channels: Channels, settings: Settings) -> dict[str, ChannelSender]:
    """A sender per channel, Teams first (an officer never in touch is tried in this order)."""
    found: dict[str, ChannelSender] = {
        teams.CHANNEL: teams.TeamsSender(connector=channels.connector)
    }
    if channels.slack is not None:
        found[slack.CHANNEL] = slack.SlackSender(client=channels.slack)
    return found


def outbox(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    clock: Clock,
    channels: Channels,
) -> Outbox:
    return Outbox(
        sessions=sessions, senders=senders(channels, settings), settings=settings, clock=clock
    )
