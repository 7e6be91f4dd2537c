"""Microsoft Teams: the Bot Framework transport, the proactive sender and the Adaptive Card
renderer. The only package that imports botbuilder."""

from bot.channels.teams.adapter import UNAUTHENTICATED_WARNING, Adapter, create_adapter
from bot.channels.teams.connector import BotConnector, connector_session
from bot.channels.teams.sender import TeamsSender
from bot.channels.teams.transport import CHANNEL, TeamsTransport

__all__ = [
    "CHANNEL",
    "UNAUTHENTICATED_WARNING",
    "Adapter",
    "BotConnector",
    "TeamsSender",
    "TeamsTransport",
    "connector_session",
    "create_adapter",
]
