"""Configuration from environment variables and a `.env` file.

The names are the documented ones (docs/guide.md, "Settings").
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from bot.logs import LogSettings

# No default store: the operator says where it is (`make run` writes a local `.env` with
# DATABASE_URL=sqlite:///pcso.db), so no command creates a database where it happens to run.
DEFAULT_DATABASE_URL = ""
# The Microsoft 365 Agents SDK's names for the bot's identity, accepted beside the Bot
# Framework's `MicrosoftAppId`, `MicrosoftAppPassword` and `MicrosoftAppTenantId`.
AGENTS_CONNECTION = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


class Settings(LogSettings):
    """Everything an operator can set. Field aliases are the documented variable names;
    the logging settings (`PCSO_LOG_LEVEL`, `PCSO_LOG_FORMAT`) come from `LogSettings`."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, case_sensitive=False
    )

    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    # Which SDK authenticates with Teams (bot/channels/teams/auth.py): botbuilder (the Bot
    # Framework SDK, archived) or agents (the Microsoft 365 Agents SDK). Both read the bot's
    # identity under the Bot Framework's names or the Agents SDK's own.
    teams_sdk: Literal["botbuilder", "agents"] = Field(
        "botbuilder", validation_alias="PCSO_TEAMS_SDK"
    )
    app_id: str = Field(
        "", validation_alias=AliasChoices("MicrosoftAppId", f"{AGENTS_CONNECTION}CLIENTID")
    )
    app_password: str = Field(
        "",
        validation_alias=AliasChoices("MicrosoftAppPassword", f"{AGENTS_CONNECTION}CLIENTSECRET"),
    )
    app_type: str = Field("SingleTenant", validation_alias="MicrosoftAppType")
    app_tenant_id: str = Field(
        "",
        validation_alias=AliasChoices("MicrosoftAppTenantId", f"{AGENTS_CONNECTION}TENANTID"),
    )
    allowed_tenants: str = Field("", validation_alias="PCSO_ALLOWED_TENANTS")
    # Where inbound Bot Framework tokens are verified: the public cloud by default; set both
    # for a sovereign cloud, or for tests against a local OpenID issuer.
    openid_metadata_url: str = Field("", validation_alias="PCSO_OPENID_METADATA_URL")
    token_issuer: str = Field("", validation_alias="PCSO_TOKEN_ISSUER")
    # Where the supervision tab's sign-in tokens come from (Teams single sign-on, Entra ID):
    # the public cloud's authority by default; a sovereign cloud's, or a test's local issuer.
    tab_authority: str = Field(
        "https://login.microsoftonline.com", validation_alias="PCSO_TAB_AUTHORITY"
    )
    timezone: str = Field("Europe/London", validation_alias="PCSO_TIMEZONE")
    slack_bot_token: str = Field("", validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str = Field("", validation_alias="SLACK_SIGNING_SECRET")
    slack_api_url: str = Field(
        "https://slack.com/api/", validation_alias=AliasChoices("PCSO_SLACK_API_URL")
    )
    retention_days: int = Field(2190, ge=30, validation_alias="PCSO_RETENTION_DAYS")
    referral_contact: str = Field(
        "Central Referral Unit (24 hours): call via the force control room",
        validation_alias="PCSO_REFERRAL_CONTACT",
    )
    max_body_bytes: int = Field(256 * 1024, validation_alias="PCSO_MAX_BODY_BYTES")
    scheduler_enabled: bool = Field(True, validation_alias="PCSO_SCHEDULER_ENABLED")
    instance_name: str = Field("", validation_alias="PCSO_INSTANCE_NAME")
    # Proactive delivery (bot/delivery/): Teams' limits, retries and the outbox lease.
    tenant_rate: float = Field(50.0, gt=0, validation_alias="PCSO_TENANT_RATE")
    conversation_rate: float = Field(7.0, gt=0, validation_alias="PCSO_CONVERSATION_RATE")
    delivery_concurrency: int = Field(50, ge=1, validation_alias="PCSO_DELIVERY_CONCURRENCY")
    delivery_max_attempts: int = Field(6, ge=1, validation_alias="PCSO_DELIVERY_MAX_ATTEMPTS")
    delivery_backoff_seconds: float = Field(
        1.0, gt=0, validation_alias="PCSO_DELIVERY_BACKOFF_SECONDS"
    )
    delivery_backoff_max_seconds: float = Field(
        60.0, gt=0, validation_alias="PCSO_DELIVERY_BACKOFF_MAX_SECONDS"
    )
    delivery_timeout_seconds: float = Field(
        30.0, gt=0, validation_alias="PCSO_DELIVERY_TIMEOUT_SECONDS"
    )
    delivery_lease_seconds: float = Field(
        60.0, gt=0, validation_alias="PCSO_DELIVERY_LEASE_SECONDS"
    )
    # The turn path (bot/channels/teams, bot/turns.py): Teams redelivers an activity it has
    # not seen answered within 15 s, so a reply still on its way after the deadline finishes
    # in the background (or goes through the outbox) while the request is answered.
    reply_deadline_seconds: float = Field(
        11.0, gt=0, le=13, validation_alias="PCSO_REPLY_DEADLINE_SECONDS"
    )
    lookup_timeout_seconds: float = Field(
        3.0, gt=0, le=10, validation_alias="PCSO_LOOKUP_TIMEOUT_SECONDS"
    )
    # One HTTP connection pool for every call to the Bot Connector (replies, look-ups and
    # proactive sends), sized at start-up.
    teams_connections: int = Field(256, ge=1, validation_alias="PCSO_TEAMS_CONNECTIONS")
    # The Teams app package and the Slack app manifest (`pcso-bot manifest build`, which checks
    # them): the bot's public HTTPS host name (no scheme, port or path), and the publisher and
    # pages Teams shows with the app. The service serves no such pages, so the URLs have no
    # default: they are the force's own support, privacy and terms pages.
    public_host: str = Field("", validation_alias="PCSO_PUBLIC_HOST")
    developer_name: str = Field("PCSO daily-workflow bot", validation_alias="PCSO_DEVELOPER_NAME")
    website_url: str = Field("", validation_alias="PCSO_WEBSITE_URL")
    privacy_url: str = Field("", validation_alias="PCSO_PRIVACY_URL")
    terms_url: str = Field("", validation_alias="PCSO_TERMS_URL")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/London)") from error
        return value

    @field_validator("tab_authority")
    @classmethod
    def _authority_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if not value.startswith(("https://", "http://")):
            raise ValueError(f"{value!r} is not a URL (e.g. https://login.microsoftonline.com)")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        """Accept the plain URLs operators write and pick the async driver."""
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value[len("postgresql://") :]
        if value.startswith("sqlite:///"):
            value = "sqlite+aiosqlite:///" + value[len("sqlite:///") :]
        if value.startswith("postgresql+asyncpg://") and "sslmode=" in value:
            # libpq's `sslmode=require` (what pg_dump and psql take) is asyncpg's `ssl=`.
            value = re.sub(r"([?&])sslmode=", r"\1ssl=", value)
        return value

    @model_validator(mode="after")
    def _tenant_for_single_tenant(self) -> Settings:
        if self.app_id and self.app_type.lower() == "singletenant" and not self.app_tenant_id:
            raise ValueError(
                "MicrosoftAppTenantId (or CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID) "
                "is required when MicrosoftAppType is SingleTenant"
            )
        return self

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> Settings:
        """A claim must outlive one send, or another instance could take it over mid-send."""
        if self.delivery_lease_seconds <= self.delivery_timeout_seconds:
            raise ValueError(
                "PCSO_DELIVERY_LEASE_SECONDS must be longer than PCSO_DELIVERY_TIMEOUT_SECONDS"
            )
        return self

    @property
    def authenticated(self) -> bool:
        """False when no app id is set: local, unauthenticated, loopback-only mode."""
        return bool(self.app_id)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def tab_resource(self) -> str | None:
        """The supervision tab's Application ID URI, `api://HOST/APP-ID`, as the Teams app
        package's `webApplicationInfo.resource` says it; None without both."""
        host = self.public_host.strip().lower()
        if not (self.app_id and host):
            return None
        return f"api://{host}/{self.app_id.strip().lower()}"

    @property
    def single_tenant(self) -> bool:
        return self.authenticated and self.app_type.lower() == "singletenant"

    @property
    def allowed_tenant_ids(self) -> frozenset[str]:
        """`PCSO_ALLOWED_TENANTS`; empty means the app's own tenant for a SingleTenant app,
        and any tenant otherwise."""
        listed = frozenset(t.strip() for t in self.allowed_tenants.split(",") if t.strip())
        if not listed and self.single_tenant:
            return frozenset({self.app_tenant_id.strip()})
        return listed
