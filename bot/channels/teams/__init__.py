"""Microsoft Teams: the Bot Framework transport, the proactive sender and the Adaptive Card
renderer, on one of two SDKs (`PCSO_TEAMS_SDK`): only `botbuilder.py` imports the Bot
Framework SDK and only `agents.py` the Microsoft 365 Agents SDK, each for authentication
alone (auth.py); the rest is common to both."""

from bot.channels.teams.auth import UNAUTHENTICATED_WARNING, TeamsAuth, create_auth
from bot.channels.teams.connector import BotConnector, connector_session
from bot.channels.teams.sender import TeamsSender
from bot.channels.teams.transport import CHANNEL, TeamsTransport

__all__ = [
    "CHANNEL",
    "UNAUTHENTICATED_WARNING",
    "BotConnector",
    "TeamsAuth",
    "TeamsSender",
    "TeamsTransport",
    "connector_session",
    "create_auth",
]
