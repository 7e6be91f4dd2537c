"""The Bot Framework adapter: how the service authenticates with Teams, and what it says
when a turn fails."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import TypeAlias

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity, ActivityTypes

from bot.channels.teams.activities import invoke_response, message_body
from bot.settings import Settings
from bot.turns import APOLOGY

log = logging.getLogger(__name__)

Adapter: TypeAlias = CloudAdapter

UNAUTHENTICATED_WARNING = (
    "NO MicrosoftAppId IS SET: the bot accepts UNAUTHENTICATED activities and must only "
    "listen on loopback. Set MicrosoftAppId/MicrosoftAppPassword for any real deployment."
)


def create_adapter(settings: Settings) -> CloudAdapter:
    """The adapter for the configured app id; it receives turns and sends proactively."""
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(settings.bot_framework_config()))
    adapter.on_turn_error = on_turn_error
    return adapter


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """A fault inside a turn: log it with context, apologise once, never show a traceback."""
    activity = context.activity
    log.error(
        "turn failed: type=%s id=%s conversation=%s",
        activity.type,
        activity.id,
        getattr(activity.conversation, "id", None),
        exc_info=error,
    )
    try:
        if activity.type == ActivityTypes.invoke:
            await invoke_response(context, HTTPStatus.OK, message_body(APOLOGY))
        elif activity.type == ActivityTypes.message:
            await context.send_activity(Activity(type=ActivityTypes.message, text=APOLOGY))
    except Exception:
        log.exception("could not send the apology")
