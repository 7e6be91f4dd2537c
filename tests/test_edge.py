"""Bad input from the network gets the right HTTP status: never a 500, never a traceback."""

from __future__ import annotations

import json

import dialogs.help
from tests.rig.teams import TeamsUser


def row(rows, collar):  # type: ignore[no-untyped-def]
    return next(r for r in rows if r.collar_number == collar)


async def test_malformed_json_is_400(sample_roster, teams_user):
    user: TeamsUser = teams_user(row(sample_roster, "P301"))
    result = await user.post(b"{not json")
    assert result.status == 400
    assert result.body == {"error": "body is not JSON"}


async def test_not_an_activity_is_400(sample_roster, teams_user):
    user: TeamsUser = teams_user(row(sample_roster, "P301"))
    for body, problem in (
        ([1, 2], "activity must be a JSON object"),
        ({"text": "hi"}, "activity has no type"),
        ({"type": "message", "from": {"id": "x"}}, "activity has no conversation.id"),
        ({**user.activity(text="hi"), "serviceUrl": "file:///etc"}, "activity has no serviceUrl"),
        ({**user.activity(), "text": {"nested": 1}}, "activity text must be a string"),
    ):
        result = await user.post(json.dumps(body))
        assert (result.status, result.body) == (400, {"error": problem}), body
        assert result.replies == []


async def test_body_over_the_limit_is_413(sample_roster, teams_user):
    user: TeamsUser = teams_user(row(sample_roster, "P301"))
    result = await user.say("x" * (300 * 1024))
    assert result.status == 413
    assert result.replies == []


async def test_other_tenant_gets_no_reply_and_403(sample_roster, teams_user, start_bot, caplog):
    url = await start_bot(allowed_tenants="11111111-2222-3333-4444-555555555555")
    outsider: TeamsUser = teams_user(
        row(sample_roster, "P301"), bot_url=url, tenant_id="99999999-0000-0000-0000-000000000000"
    )
    result = await outsider.say("whoami")
    assert result.status == 403
    assert result.replies == []
    assert "not in PCSO_ALLOWED_TENANTS" in caplog.text
    insider: TeamsUser = teams_user(row(sample_roster, "P301"), bot_url=url)
    assert "Alex Carter" in (await insider.say("whoami")).all_text()


async def test_authenticated_bot_refuses_a_request_without_a_token(
    sample_roster, teams_user, start_bot
):
    url = await start_bot(
        app_id="00000000-1111-2222-3333-444444444444",
        app_password="secret",
        app_tenant_id="11111111-2222-3333-4444-555555555555",
    )
    user: TeamsUser = teams_user(row(sample_roster, "P301"), bot_url=url)
    result = await user.say("whoami")
    assert result.status == 401
    assert result.replies == []


async def test_a_failing_turn_is_logged_and_the_user_gets_one_apology(
    sample_roster, teams_user, start_bot, monkeypatch, caplog
):
    async def broken(turn):  # type: ignore[no-untyped-def]
        raise RuntimeError("database went away")

    monkeypatch.setattr(dialogs.help, "whoami", broken)
    url = await start_bot()
    user: TeamsUser = teams_user(row(sample_roster, "P301"), bot_url=url)
    result = await user.say("whoami")
    assert result.status == 200
    assert result.texts == [
        "Sorry, something went wrong on my side and nothing was saved. Please try again shortly."
    ]
    assert "Traceback" not in result.all_text()
    assert "turn failed: type=message" in caplog.text
    invoke = await user.execute("no.such", {})  # the app still works afterwards
    assert invoke.status == 200


async def test_health_reports_database_and_scheduler(start_bot, http):
    bot_url = await start_bot(scheduler_enabled=True)
    async with http.get(f"{bot_url}/healthz") as response:
        assert response.status == 200
        health = await response.json()
    assert health["status"] == "ok"
    assert health["database"]["ok"] is True
    assert health["database"]["migrated"] is True
    assert health["scheduler"]["running"] is True
    assert health["teams"] == {"token": "not needed (local mode)"}


async def test_unknown_route_and_wrong_method(bot_url, http):
    async with http.get(f"{bot_url}/api/messages") as response:
        assert response.status == 405
    async with http.post(f"{bot_url}/nowhere") as response:
        assert response.status == 404


async def test_a_malformed_card_action_is_answered_not_logged_as_a_fault(
    sample_roster, teams_user, caplog
):
    user: TeamsUser = teams_user(row(sample_roster, "P301"))
    for value in ("not an object", {"action": "not an object"}, {"action": {"data": [1, 2]}}):
        result = await user.post(user.activity("invoke", name="adaptiveCard/action", value=value))
        assert result.status == 200, value
        assert result.body["statusCode"] == 200
        assert "help" in result.body["value"]
    assert "turn failed" not in caplog.text
