"""Slack: the Events API transport and its request chain, the Web API sender and the
Block Kit renderer. The only package that imports slack_sdk."""

from bot.channels.slack.client import (
    SLACK_NOT_CONFIGURED,
    SLACK_OFF,
    Client,
    configured,
    standalone_client,
    web_client,
)
from bot.channels.slack.payloads import CHANNEL
from bot.channels.slack.sender import SlackSender
from bot.channels.slack.transport import SlackTransport

__all__ = [
    "CHANNEL",
    "SLACK_NOT_CONFIGURED",
    "SLACK_OFF",
    "Client",
    "SlackSender",
    "SlackTransport",
    "configured",
    "standalone_client",
    "web_client",
]
