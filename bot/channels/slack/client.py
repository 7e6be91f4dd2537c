"""The Slack Web API client: one per process, shared by the transport and the outbox."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TypeAlias

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings

Client: TypeAlias = AsyncWebClient

RATE_LIMIT_RETRIES = 2
SLACK_NOT_CONFIGURED = "Slack is not configured: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN"
SLACK_OFF = "Slack is off: SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are not both set"


def configured(settings: Settings) -> bool:
    return bool(settings.slack_signing_secret and settings.slack_bot_token)


@contextlib.asynccontextmanager
async def web_client(settings: Settings) -> AsyncIterator[AsyncWebClient]:
    """The Web API client on one HTTP session: 429s wait for `Retry-After` and are retried."""
    timeout = aiohttp.ClientTimeout(total=settings.delivery_timeout_seconds)
    async with aiohttp.ClientSession(timeout=timeout, trust_env=True) as session:
        yield standalone_client(settings, session=session)


def standalone_client(
    settings: Settings, *, session: aiohttp.ClientSession | None = None
) -> AsyncWebClient:
    """A Web API client; with no session it opens one per call (for one-off CLI runs)."""
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        session=session,
        timeout=int(settings.delivery_timeout_seconds),
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )
