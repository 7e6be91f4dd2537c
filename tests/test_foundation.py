"""The foundation end to end: Teams activities over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

import dialogs.help
from storage.models import ConversationRef, Officer, ProcessedActivity
from tests.rig.connector import FakeConnector
from tests.rig.teams import TeamsUser


def row(rows, collar):  # type: ignore[no-untyped-def]
    return next(r for r in rows if r.collar_number == collar)


async def test_help_lists_what_a_pcso_can_do(sample_roster, teams_user: Callable[..., TeamsUser]):
    pcso = teams_user(row(sample_roster, "P301"))
    result = await pcso.say("help")
    assert result.status == 200
    assert len(result.replies) == 1
    seen = result.all_text()
    assert "What you can do (PCSOs)" in seen
    assert "whoami" in seen


async def test_whoami_names_team_and_supervisors(
    sample_roster, teams_user: Callable[..., TeamsUser]
):
    pcso = teams_user(row(sample_roster, "P311"))
    seen = (await pcso.say("whoami")).all_text()
    assert "Jamie" not in seen
    assert "Taylor Brooks" in seen
    assert "Collar number: P311" in seen
    assert "Team: Maidstone PSTF" in seen
    assert "Chris Walker (S101)" in seen and "Pat Lewis (S102)" in seen
    assert "Casey Morgan (TL202)" in seen


async def test_sergeant_whoami_lists_supervised_teams(
    sample_roster, teams_user: Callable[..., TeamsUser]
):
    sergeant = teams_user(row(sample_roster, "S101"))
    seen = (await sergeant.say("whoami")).all_text()
    assert "Teams you supervise: Maidstone CSU North, Maidstone PSTF" in seen


async def test_stranger_gets_one_short_refusal_and_nothing_is_stored(
    sample_roster, teams_user, sessions
):
    stranger = teams_user(
        user_id="29:stranger", aad_object_id="99999999-0000-4000-8000-000000000000"
    )
    result = await stranger.say("help")
    assert result.status == 200
    assert len(result.replies) == 1
    assert "not on this force's PCSO roster" in result.texts[0]
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConversationRef)) == 0


async def test_matched_by_email_from_member_lookup_then_ids_remembered(
    sample_roster, teams_user, connector: FakeConnector, sessions
):
    # P304 has no AAD id on the roster: Teams' member look-up gives the UPN.
    aad = "7a7a7a7a-0000-4000-8000-000000000304"
    connector.add_member(
        "29:riley", userPrincipalName="Riley.Evans@police.example", aadObjectId=aad
    )
    riley = teams_user(user_id="29:riley", aad_object_id=aad, name="Riley")
    assert "Riley Evans" in (await riley.say("whoami")).all_text()
    async with sessions() as session:
        officer = await session.scalar(select(Officer).where(Officer.collar_number == "P304"))
        assert officer.aad_object_id == aad
        assert officer.teams_user_id == "29:riley"
    connector.members.clear()  # now known by AAD id: no look-up needed
    assert "Riley Evans" in (await riley.say("whoami")).all_text()


async def test_email_match_refused_when_aad_id_differs(
    sample_roster, teams_user, connector: FakeConnector
):
    impostor_aad = "8b8b8b8b-0000-4000-8000-000000000000"
    connector.add_member("29:x", email="alex.carter@police.example", aadObjectId=impostor_aad)
    impostor = teams_user(user_id="29:x", aad_object_id=impostor_aad)
    assert "not on this force's PCSO roster" in (await impostor.say("whoami")).all_text()


async def test_conversation_reference_stored_and_refreshed(
    sample_roster, teams_user, connector: FakeConnector, sessions
):
    pcso = teams_user(row(sample_roster, "P302"))
    await pcso.install()
    async with sessions() as session:
        ref = await session.scalar(select(ConversationRef))
        assert ref.conversation_id == pcso.conversation_id
        assert ref.service_url == connector.url
        assert ref.reference["conversation"]["id"] == pcso.conversation_id
    pcso.service_url = connector.url + "/"  # Teams may move the officer to another serviceUrl
    await pcso.say("help")
    async with sessions() as session:
        refs = (await session.scalars(select(ConversationRef))).all()
        assert len(refs) == 1
        assert refs[0].service_url == connector.url + "/"


async def test_redelivered_activity_processed_once(sample_roster, teams_user, sessions):
    pcso = teams_user(row(sample_roster, "P301"))
    activity = pcso.activity(text="help")
    first = await pcso.post(activity)
    again = await pcso.post(activity)
    assert first.status == again.status == 200
    assert len(first.replies) == 1
    assert again.replies == []
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedActivity)) == 1


async def test_unknown_text_gets_a_short_clear_message(sample_roster, teams_user):
    pcso = teams_user(row(sample_roster, "P301"))
    result = await pcso.say("what is the meaning of life")
    assert result.texts == [
        "Sorry, I didn't understand 'what is the meaning of life'. "
        "Type help to see what you can do."
    ]


async def test_invoke_is_answered_in_the_http_response(sample_roster, teams_user):
    pcso = teams_user(row(sample_roster, "P301"))
    result = await pcso.execute("no.such.verb", {})
    assert result.status == 200
    assert result.body["statusCode"] == 200
    assert "no longer in use" in result.body["value"]


async def test_a_failed_turn_leaves_no_marker_and_its_redelivery_is_processed(
    sample_roster, teams_user, start_bot, monkeypatch, sessions
):
    calls = {"n": 0}
    real_whoami = dialogs.help.whoami

    async def fails_once(turn):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("connection reset in the middle of the turn")
        return await real_whoami(turn)

    monkeypatch.setattr(dialogs.help, "whoami", fails_once)
    url = await start_bot()
    pcso: TeamsUser = teams_user(row(sample_roster, "P301"), bot_url=url)
    activity = pcso.activity(text="whoami")
    first = await pcso.post(activity)
    assert "something went wrong" in first.all_text()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedActivity)) == 0
    again = await pcso.post(activity)  # Teams redelivers: this time it works
    assert "Alex Carter" in again.all_text()
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedActivity)) == 1


async def test_email_match_refused_when_the_officer_has_an_aad_id_and_the_activity_none(
    sample_roster, teams_user, connector: FakeConnector
):
    connector.add_member("29:noaad", email="alex.carter@police.example")
    someone = teams_user(user_id="29:noaad", aad_object_id=None)
    assert "not on this force's PCSO roster" in (await someone.say("whoami")).all_text()
