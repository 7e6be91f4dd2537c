"""Authentication first, tenant second: Bot Framework tokens checked against a local OpenID
issuer (tests/rig/openid.py), which the service is pointed at by its settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from dialogs.briefing.models import AttendanceAnswer
from storage.models import ProcessedActivity
from tests.rig.openid import FakeIssuer, SigningKey, hs256_with_public_key, unsigned_token
from tests.rig.teams import TENANT, TeamsUser

APP_ID = "00000000-1111-2222-3333-444444444444"
OTHER_TENANT = "99999999-0000-0000-0000-000000000000"


@pytest.fixture
def issuer() -> Iterator[FakeIssuer]:
    with FakeIssuer().serving() as running:
        yield running


@pytest.fixture
async def secure_url(start_bot: Any, issuer: FakeIssuer) -> str:
    """A bot with an app id (SingleTenant in the rig's tenant) that trusts the local issuer."""
    return await start_bot(
        app_id=APP_ID,
        app_password="secret",
        app_type="SingleTenant",
        app_tenant_id=TENANT,
        openid_metadata_url=issuer.metadata_url,
        token_issuer=issuer.issuer,
    )


@pytest.fixture
def alex(sample_roster, teams_user, secure_url: str) -> TeamsUser:  # type: ignore[no-untyped-def]
    row = next(r for r in sample_roster if r.collar_number == "P301")
    return teams_user(row, bot_url=secure_url)


def answer(user: TeamsUser) -> dict[str, Any]:
    """An Action.Execute invoke: answered in the HTTP response, no connector call needed."""
    value = {
        "action": {
            "type": "Action.Execute",
            "verb": "briefing.attend",
            "data": {"attendance": "in_person"},
        }
    }
    return user.activity("invoke", name="adaptiveCard/action", value=value)


async def stored(sessions) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        processed = await session.scalar(select(func.count()).select_from(ProcessedActivity))
        answers = await session.scalar(select(func.count()).select_from(AttendanceAnswer))
    return processed or 0, answers or 0


async def test_a_valid_token_is_accepted(alex: TeamsUser, issuer: FakeIssuer, sessions):
    token = issuer.token(audience=APP_ID, service_url=alex.service_url)
    result = await alex.post(answer(alex), Authorization=f"Bearer {token}")
    assert result.status == 200, result.body
    assert result.body["statusCode"] == 200
    assert "In person" in str(result.body["value"])
    assert await stored(sessions) == (1, 1)


def forgeries(issuer: FakeIssuer, user: TeamsUser) -> dict[str, str]:
    """Every kind of bad Authorization header, by name."""
    good = {"audience": APP_ID, "service_url": user.service_url}
    stranger = SigningKey.make(issuer.keys[0].kid)  # same kid, a key nobody published
    claims = {"iss": issuer.issuer, "aud": APP_ID, "serviceurl": user.service_url}
    far = {**claims, "exp": 4102444800, "nbf": 0}
    return {
        "no header": "",
        "not bearer": "Basic dXNlcjpwYXNz",
        "garbage": "Bearer garbage",
        "three words": "Bearer a b",
        "forged signature": f"Bearer {issuer.token(key=stranger, **good)}",
        "expired": f"Bearer {issuer.token(expires_in=-3600, **good)}",
        "not yet valid": f"Bearer {issuer.token(not_before_in=3600, **good)}",
        "wrong audience": f"Bearer {issuer.token(**{**good, 'audience': 'someone-else'})}",
        "wrong issuer": f"Bearer {issuer.token(issuer='https://evil.example', **good)}",
        "wrong service url": f"Bearer {issuer.token(**{**good, 'service_url': 'https://x.example/'})}",
        "unknown kid": f"Bearer {issuer.token(kid='no-such-key', **good)}",
        "alg none": f"Bearer {unsigned_token(far, {'alg': 'none', 'kid': issuer.keys[0].kid})}",
        "HS256 with the public key": f"Bearer {hs256_with_public_key(far, issuer.keys[0])}",
        "not a JWT": "Bearer " + "x" * 5000,
    }


async def test_every_bad_token_is_401_and_nothing_is_processed(
    alex: TeamsUser, issuer: FakeIssuer, sessions
):
    for name, header in forgeries(issuer, alex).items():
        headers = {"Authorization": header} if header else {}
        result = await alex.post(answer(alex), **headers)
        assert (result.status, result.body) == (401, {"error": "unauthorized"}), name
        assert result.replies == [], name
    assert await stored(sessions) == (0, 0)


async def test_a_key_that_does_not_endorse_the_channel_is_refused(
    sample_roster, teams_user, start_bot, sessions
):
    with FakeIssuer(
        keys=[SigningKey.make("slack-only", endorsements=("slack",))]
    ).serving() as only:
        url = await start_bot(
            app_id=APP_ID,
            app_password="secret",
            app_tenant_id=TENANT,
            openid_metadata_url=only.metadata_url,
            token_issuer=only.issuer,
        )
        row = next(r for r in sample_roster if r.collar_number == "P301")
        user: TeamsUser = teams_user(row, bot_url=url)
        token = only.token(audience=APP_ID, service_url=user.service_url)
        result = await user.post(answer(user), Authorization=f"Bearer {token}")
    assert result.status == 401
    assert await stored(sessions) == (0, 0)


async def test_authentication_comes_before_the_tenant(
    sample_roster, teams_user, secure_url: str, issuer: FakeIssuer, sessions
):
    row = next(r for r in sample_roster if r.collar_number == "P301")
    outsider: TeamsUser = teams_user(row, bot_url=secure_url, tenant_id=OTHER_TENANT)
    unauthenticated = await outsider.post(answer(outsider))
    assert unauthenticated.status == 401  # not 403: who is asking is checked first

    token = issuer.token(audience=APP_ID, service_url=outsider.service_url)
    authenticated = await outsider.post(answer(outsider), Authorization=f"Bearer {token}")
    assert (authenticated.status, authenticated.body) == (403, {"error": "tenant not allowed"})
    assert await stored(sessions) == (0, 0)


async def test_single_tenant_allows_only_its_own_tenant_by_default(
    sample_roster, teams_user, secure_url: str, issuer: FakeIssuer, sessions
):
    """`PCSO_ALLOWED_TENANTS` is empty here: the app's own tenant is the allow-list."""
    row = next(r for r in sample_roster if r.collar_number == "P301")
    for tenant, status in ((OTHER_TENANT, 403), (TENANT, 200)):
        user: TeamsUser = teams_user(row, bot_url=secure_url, tenant_id=tenant)
        token = issuer.token(audience=APP_ID, service_url=user.service_url)
        result = await user.post(answer(user), Authorization=f"Bearer {token}")
        assert result.status == status, tenant
    assert await stored(sessions) == (1, 1)
