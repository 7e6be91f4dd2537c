"""The rostered officer the terminal plays, and the tenant it plays them in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.errors import CommandError
from bot.settings import Settings

LOCAL_TENANT = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class ChatOfficer:
    collar: str
    name: str
    role: str
    email: str
    aad_object_id: str | None = None
    active: bool = True

    @property
    def user_id(self) -> str:
        return f"29:chat-{self.collar.lower()}"

    @property
    def conversation_id(self) -> str:
        return f"a:chat-{self.collar.lower()}"

    def member(self, tenant_id: str) -> dict[str, Any]:
        """The Teams member look-up answer (`TeamsChannelAccount`)."""
        member: dict[str, Any] = {
            "id": self.user_id,
            "name": self.name,
            "email": self.email,
            "userPrincipalName": self.email,
            "tenantId": tenant_id,
            "userRole": "user",
        }
        if self.aad_object_id:
            member["aadObjectId"] = self.aad_object_id
        return member


async def load_officer(database_url: str, collar: str) -> ChatOfficer:
    """The rostered officer with this collar number; CommandError if there is none."""
    from storage import officers
    from storage.db import create_engine, create_sessionmaker

    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            officer = await officers.by_collar(session, collar)
    except (SQLAlchemyError, OSError) as error:
        raise CommandError(
            f"cannot read the roster from the database ({type(error).__name__}); "
            "check DATABASE_URL and run `pcso-bot db upgrade`"
        ) from error
    finally:
        await engine.dispose()
    if officer is None:
        raise CommandError(f"no officer with collar number {collar.strip()} is on the roster")
    return ChatOfficer(
        collar=officer.collar_number,
        name=officer.name,
        role=officer.role,
        email=officer.email,
        aad_object_id=officer.aad_object_id,
        active=officer.active,
    )


def tenant_for(settings: Settings) -> str:
    """A tenant the bot accepts: the first allowed one, the app's own, or a local one."""
    allowed = sorted(settings.allowed_tenant_ids)
    return allowed[0] if allowed else settings.app_tenant_id or LOCAL_TENANT
