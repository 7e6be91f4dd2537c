"""The Bot Framework adapter: how the service authenticates with Teams (inbound tokens are
validated by it; outbound credentials come from it)."""

from __future__ import annotations

from typing import TypeAlias

from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)

from bot.settings import Settings

Adapter: TypeAlias = CloudAdapter

UNAUTHENTICATED_WARNING = (
    "NO MicrosoftAppId IS SET: the bot accepts UNAUTHENTICATED activities and must only "
    "listen on loopback. Set MicrosoftAppId/MicrosoftAppPassword for any real deployment."
)


def create_adapter(settings: Settings) -> CloudAdapter:
    """The adapter for the configured app id: it validates inbound tokens and holds the
    credentials the `BotConnector` sends with."""
    return CloudAdapter(ConfigurationBotFrameworkAuthentication(settings.bot_framework_config()))
