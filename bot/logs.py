"""How every `pcso-bot` command logs: one stream (stderr), one level, text or JSON lines.

What the logs hold, at INFO and above: what the service did (started, sent, caught up,
refused, failed), with the ids an operator needs to follow it (activity ids, team names,
collar numbers, job names, channel ids). Never what an officer typed, names or e-mail
addresses: the records are built with that rule, and the libraries that could break it
(SQLAlchemy quotes a failed statement's parameters in its errors) are configured here or
where they are created. DEBUG (`PCSO_LOG_LEVEL=DEBUG` or `pcso-bot --debug`) is for a
developer's machine and may hold more.

Libraries that speak every minute at INFO (APScheduler's "Running job"/"executed
successfully" around the planner, its "Added job" on every re-plan) are kept at WARNING, and
the access log leaves out health checks, unless the level is DEBUG. A request too malformed
for aiohttp to read (a header over its 8,190-byte limit, broken framing) is answered 400 by
aiohttp itself, which logs it with a traceback at ERROR: here it is one WARNING line naming
the kind of mistake, never the request's bytes.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["LEVELS", "LogSettings", "configure"]

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers that would otherwise fill an operator's journal with routine lines.
QUIET = ("apscheduler", "alembic", "msal", "urllib3", "asyncio")


class LogSettings(BaseSettings):
    """The two logging settings, read on their own so that logging works (and can report)
    even when the rest of the configuration is wrong."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, case_sensitive=False
    )

    log_level: str = Field("INFO", validation_alias="PCSO_LOG_LEVEL")
    log_format: Literal["text", "json"] = Field("text", validation_alias="PCSO_LOG_FORMAT")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LEVELS:
            raise ValueError(f"unknown log level {value!r}: one of {', '.join(LEVELS)}")
        return level

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


def configure(level: str = "INFO", fmt: str = "text", *, debug: bool = False) -> None:
    """Send every log record to stderr at `level` (DEBUG with `debug`), as text or JSON."""
    if debug:
        level = "DEBUG"
    handler = _Stderr()
    handler.setFormatter(_json_formatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _Stderr)]:
        root.removeHandler(old)  # configured again (in one process): replace, never double
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(level if level == "DEBUG" else "WARNING")
    access = logging.getLogger("aiohttp.access")
    for old_filter in list(access.filters):
        access.removeFilter(old_filter)
    if level != "DEBUG":
        access.addFilter(_without_health_checks)
    server = logging.getLogger("aiohttp.server")
    for old_filter in list(server.filters):
        server.removeFilter(old_filter)
    server.addFilter(_malformed_request_in_one_line)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler on whatever `sys.stderr` is when a record is written (not when it was
    made), so that a caller who swaps stderr (a test harness) never has records written to
    a stream it has closed."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def _without_health_checks(record: logging.LogRecord) -> bool:
    """A load balancer or container runtime asks /healthz every few seconds: those requests
    are not worth a line each (their failures show in the health answer and its warning)."""
    return '"GET /healthz ' not in record.getMessage()


def _malformed_request_in_one_line(record: logging.LogRecord) -> bool:
    """A client's unreadable request (aiohttp's `HttpProcessingError` with a 4xx code, already
    answered with it) is the client's mistake, not the service's: one WARNING line."""
    from aiohttp.http_exceptions import HttpProcessingError

    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, HttpProcessingError) and 400 <= error.code < 500:
        said = record.getMessage()
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.msg, record.args = "%s: refused %d (%s)", (said, error.code, type(error).__name__)
        record.exc_info, record.exc_text = None, None
    return True


def _json_formatter() -> logging.Formatter:
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, and the
    traceback as `exc_info` when there is one."""
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
    )
