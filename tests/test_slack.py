"""The Slack transport end to end: signed requests to `POST /api/slack` from a Slack user,
replies counted at a fake Slack Web API on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import bot.app
import dialogs.help
from bot.channels.base import DeliveryError
from bot.channels.slack import SlackSender, SlackTransport, web_client
from bot.channels.slack.payloads import input_values
from bot.channels.slack.renderer import message, to_blocks
from bot.jobs import run_job, standalone_outbox
from bot.settings import Settings
from bot.turns import APOLOGY, REFUSAL
from dialogs import build_router
from dialogs.briefing.cards import briefing_card
from dialogs.briefing.models import AttendanceAnswer
from dialogs.bwv.models import BwvAnswer
from dialogs.core import Action, Card, Field, Fold, Reply, Section, Table
from dialogs.officer_day import ABSENCE_REASONS
from storage.models import ConversationRef, Delivery, Officer, ProcessedActivity, Team
from tests.rig.officer_day import Clock
from tests.rig.slack import (
    FakeSlack,
    Message,
    SlackUser,
    block_texts,
    dm_channel,
    state_values,
)

SECRET = "test-secret"
TOKEN = "xoxb-test"
TUESDAY = datetime(2026, 12, 1, 8, 5, tzinfo=UTC)  # 08:05 GMT on a briefing day

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def slack_api() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(token=TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def transports(monkeypatch: pytest.MonkeyPatch) -> list[SlackTransport]:
    """The transports the app builds, so a test can wait for their turns to finish."""
    made: list[SlackTransport] = []

    def record(**arguments: Any) -> SlackTransport:
        made.append(SlackTransport(**arguments))
        return made[-1]

    monkeypatch.setattr(bot.app, "SlackTransport", record)
    return made


@pytest.fixture
def start_slack_bot(
    slack_api: FakeSlack, transports: list[SlackTransport], start_bot: Any
) -> Callable[..., Awaitable[str]]:
    """`slack_api` first, so the fake Slack outlives the app's last turn."""

    async def start(**overrides: Any) -> str:
        return await start_bot(
            slack_signing_secret=SECRET,
            slack_bot_token=TOKEN,
            slack_api_url=f"{slack_api.url}/api/",
            **overrides,
        )

    return start


@pytest.fixture
async def slack_url(start_slack_bot: Callable[..., Awaitable[str]]) -> str:
    return await start_slack_bot()


@pytest.fixture
def user(http: aiohttp.ClientSession, slack_url: str, clock: Clock) -> Callable[[str], SlackUser]:
    return lambda user_id: SlackUser(http, slack_url, SECRET, user_id, clock)


async def settled(transports: list[SlackTransport]) -> None:
    for transport in transports:
        assert await transport.settle(within=10)


async def count(sessions: Sessions, model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def officer(sessions: Sessions, collar: str) -> Officer:
    async with sessions() as session:
        found = await session.scalar(select(Officer).where(Officer.collar_number == collar))
        assert found is not None
        return found


async def reply_to(slack_api: FakeSlack, person: SlackUser, n: int = 1) -> Message:
    """The `n`th message posted into the person's DM, once it has arrived."""
    await slack_api.wait_for("chat.postMessage", n)
    return slack_api.posted(person.channel_id)[n - 1]


# --- verification ------------------------------------------------------------------------


async def test_url_verification_echoes_the_challenge(user, slack_api):
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    response = await user("U0P301").post_json(
        {"token": "x", "challenge": challenge, "type": "url_verification"}
    )
    assert (response.status, response.body) == (200, {"challenge": challenge})
    assert slack_api.calls == []


async def test_bad_signature_is_401_and_nothing_is_processed(
    sample_roster, user, slack_api, sessions, transports, caplog
):
    pcso = user("U0P301")
    forged = await pcso.post_json(pcso.event("whoami", event_id="EvFORGED"), secret="guess")
    assert (forged.status, forged.body) == (401, {"error": "bad signature"})
    unsigned = await pcso.post(
        json.dumps(pcso.event("whoami")).encode(),
        "application/json",
        headers={"X-Slack-Signature": ""},
    )
    assert unsigned.status == 401
    assert "Slack request refused: bad signature" in caplog.text
    await settled(transports)
    assert slack_api.calls == []
    assert await count(sessions, ProcessedActivity) == 0
    genuine = await pcso.deliver(pcso.event("whoami", event_id="EvFORGED"))
    assert genuine.status == 200
    assert "Alex Carter" in (await reply_to(slack_api, pcso)).seen()


async def test_stale_or_future_timestamp_is_401(sample_roster, user, slack_api, sessions, clock):
    pcso = user("U0P301")
    for skew in (-301, 301):
        response = await pcso.say("whoami", timestamp=int(clock().timestamp()) + skew)
        assert (response.status, response.body) == (
            401,
            {"error": "request timestamp is more than 5 minutes from now"},
        )
    assert slack_api.calls == []
    assert await count(sessions, ProcessedActivity) == 0


async def test_malformed_requests_are_400_and_oversized_413(sample_roster, user, slack_api):
    pcso = user("U0P301")
    for body, content_type, problem in (
        (b"{not json", "application/json", "payload is not JSON"),
        (b"[1, 2]", "application/json", "payload has no type"),
        (b"text=hello", "application/x-www-form-urlencoded", "form has no payload"),
        (b"payload=%7Bnope", "application/x-www-form-urlencoded", "payload is not JSON"),
        (b'{"type": "event_callback"}', "application/json", "event_callback has no event"),
        (b"hello", "text/plain", "unexpected content type 'text/plain'"),
    ):
        response = await pcso.post(body, content_type)
        assert response.status == 400, body
        assert response.body["error"].startswith(problem), body
    huge = await pcso.say("x" * (300 * 1024))
    assert huge.status == 413
    assert slack_api.calls == []


async def test_bot_without_slack_settings_answers_404_not_a_server_error(bot_url, http):
    async with http.post(f"{bot_url}/api/slack", json={"type": "url_verification"}) as answer:
        assert answer.status == 404
        assert "SLACK_SIGNING_SECRET" in (await answer.json())["error"]


# --- direct messages ---------------------------------------------------------------------


async def test_officer_dms_whoami_and_is_answered_in_the_dm(
    sample_roster, user, slack_api, sessions
):
    pcso = user("U0P301")
    response = await pcso.say("whoami")
    assert response.status == 200
    reply = await reply_to(slack_api, pcso)
    assert reply.channel == "D0P301"
    assert "Who you are to this bot" in reply.seen()
    assert "*Name*\nAlex Carter" in block_texts(reply.blocks)
    assert reply.blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Who you are to this bot", "emoji": True},
    }
    async with sessions() as session:
        ref = await session.scalar(select(ConversationRef))
    assert ref is not None
    assert (ref.channel, ref.conversation_id, ref.tenant_id) == ("slack", "D0P301", "T0FORCE")
    assert ref.reference == {"channel": "D0P301", "user": "U0P301", "team": "T0FORCE"}


async def test_stranger_gets_one_refusal_even_when_slack_retries(
    sample_roster, user, slack_api, sessions, transports
):
    stranger = user("U0NOBODY")
    callback = stranger.event("help")
    assert (await stranger.deliver(callback)).status == 200
    refusal = await reply_to(slack_api, stranger)
    assert refusal.text == REFUSAL
    assert refusal.blocks == []
    assert (await stranger.deliver(callback, retry=1)).status == 200
    await settled(transports)
    assert len(slack_api.of("chat.postMessage")) == 1
    assert len(slack_api.of("users.info", ok_only=False)) == 1
    assert await count(sessions, ConversationRef) == 0


async def test_officer_without_slack_id_is_matched_by_email_then_remembered(
    sample_roster, user, slack_api, sessions, transports
):
    slack_api.add_user("U0MORGAN", email="Morgan.Hughes@police.example")
    morgan = user("U0MORGAN")
    await morgan.say("whoami")
    assert "Morgan Hughes" in (await reply_to(slack_api, morgan)).seen()
    assert (await officer(sessions, "P303")).slack_user_id == "U0MORGAN"
    await morgan.say("whoami")
    assert "Morgan Hughes" in (await reply_to(slack_api, morgan, 2)).seen()
    await settled(transports)
    assert [c.args["user"] for c in slack_api.of("users.info")] == ["U0MORGAN"]


async def test_someone_else_with_a_matched_officers_email_is_refused(
    sample_roster, user, slack_api, sessions, caplog
):
    slack_api.add_user("U0IMPOSTOR", email="alex.carter@police.example")
    impostor = user("U0IMPOSTOR")
    await impostor.say("whoami")
    assert (await reply_to(slack_api, impostor)).text == REFUSAL
    assert (await officer(sessions, "P301")).slack_user_id == "U0P301"
    assert "claims the email of P301" in caplog.text


async def test_a_retried_event_is_processed_once(
    sample_roster, slack_api, start_slack_bot, http, sessions, transports, monkeypatch, clock
):
    clock.now = TUESDAY
    pcso = SlackUser(http, await start_slack_bot(), SECRET, "U0P302", clock)
    callback = pcso.event("in person")
    first, again = await asyncio.gather(pcso.deliver(callback), pcso.deliver(callback, retry=1))
    assert (first.status, again.status) == (200, 200)
    assert (await pcso.deliver(callback, retry=2)).status == 200
    await settled(transports)
    assert len(slack_api.of("chat.postMessage")) == 1
    assert "Recorded" in slack_api.posted()[0].seen()
    assert await count(sessions, AttendanceAnswer) == 1
    assert await count(sessions, ProcessedActivity) == 1


async def test_bot_messages_edits_and_channel_messages_are_ignored(
    sample_roster, user, slack_api, sessions, transports
):
    pcso = user("U0P301")
    for ignored in (
        pcso.event("whoami", bot_id="B0OTHER"),
        pcso.event("whoami", subtype="message_changed"),
        pcso.event("whoami", channel_type="channel", channel="C0GENERAL"),
        pcso.event("whoami", user="U0BOT"),  # the bot's own message
        {**pcso.event("whoami"), "event": {"type": "app_home_opened", "user": "U0P301"}},
    ):
        assert (await pcso.deliver(ignored)).status == 200
    await settled(transports)
    assert slack_api.calls == []
    assert await count(sessions, ProcessedActivity) == 0


async def test_the_ack_comes_back_at_once_while_a_slow_turn_runs(
    sample_roster, slack_api, start_slack_bot, http, monkeypatch, clock
):
    release = asyncio.Event()
    whoami = dialogs.help.whoami

    async def slow(turn):  # type: ignore[no-untyped-def]
        await asyncio.wait_for(release.wait(), timeout=10)
        return await whoami(turn)

    monkeypatch.setattr(dialogs.help, "whoami", slow)
    pcso = SlackUser(http, await start_slack_bot(), SECRET, "U0P301", clock)
    response = await pcso.say("whoami")
    assert response.status == 200
    assert response.seconds < 3.0
    assert slack_api.calls == []  # acknowledged before any reply
    release.set()
    assert "Alex Carter" in (await reply_to(slack_api, pcso)).seen()


async def test_a_failing_turn_is_logged_and_apologised_for_once(
    sample_roster, slack_api, start_slack_bot, http, monkeypatch, caplog, sessions, clock
):
    async def broken(turn):  # type: ignore[no-untyped-def]
        raise RuntimeError("database went away")

    monkeypatch.setattr(dialogs.help, "whoami", broken)
    pcso = SlackUser(http, await start_slack_bot(), SECRET, "U0P301", clock)
    await pcso.say("whoami")
    apology = await reply_to(slack_api, pcso)
    assert apology.text == APOLOGY
    assert "Traceback" not in apology.seen()
    assert "Slack turn failed: kind=message" in caplog.text
    assert "database went away" in caplog.text
    async with sessions() as session:  # no marker: Slack's retry would be processed afresh
        assert await session.scalar(select(func.count()).select_from(ProcessedActivity)) == 0


async def test_the_ack_follows_the_commit(
    sample_roster, slack_api, start_slack_bot, http, sessions, clock
):
    pcso = SlackUser(http, await start_slack_bot(), SECRET, "U0P301", clock)
    response = await pcso.say("whoami")
    assert response.status == 200
    async with sessions() as session:  # committed before Slack was told "received"
        assert await session.scalar(select(func.count()).select_from(ProcessedActivity)) == 1
        assert await session.scalar(select(func.count()).select_from(ConversationRef)) == 1


async def test_shutdown_waits_for_turns_in_flight(
    sample_roster, slack_api, settings, transports, http, monkeypatch, clock
):
    whoami = dialogs.help.whoami

    async def slow(turn):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.5)
        return await whoami(turn)

    monkeypatch.setattr(dialogs.help, "whoami", slow)
    app = bot.app.create_app(
        settings.model_copy(
            update={
                "slack_signing_secret": SECRET,
                "slack_bot_token": TOKEN,
                "slack_api_url": f"{slack_api.url}/api/",
            }
        ),
        clock=clock,
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    pcso = SlackUser(http, f"http://127.0.0.1:{runner.addresses[0][1]}", SECRET, "U0P301", clock)
    assert (await pcso.say("whoami")).status == 200
    assert slack_api.calls == []
    await runner.cleanup()
    assert "Alex Carter" in slack_api.posted("D0P301")[0].seen()


# --- buttons -----------------------------------------------------------------------------


async def test_a_briefing_button_records_the_answer_and_updates_the_card(
    sample_roster, slack_api, start_slack_bot, http, sessions, monkeypatch, clock
):
    clock.now = TUESDAY
    pcso = SlackUser(http, await start_slack_bot(), SECRET, "U0P301", clock)
    await pcso.say("briefing")
    card = await reply_to(slack_api, pcso)
    assert "Briefing: Maidstone CSU North" in card.seen()
    buttons = [
        e["text"]["text"] for b in card.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["In person", "Remote", "Not attending"]

    pressed = await pcso.press(card, "Not attending", attendance="sick", note="GP at 09:00 & back")
    assert pressed.status == 200
    [update] = await slack_api.wait_for("chat.update")
    assert (update.args["channel"], update.args["ts"]) == ("D0P301", card.ts)
    seen = slack_api.messages[card.ts].seen()
    assert "*Recorded*" in seen
    assert "*Your answer*\nSick" in seen
    assert "GP at 09:00 &amp; back" in seen  # escaped for mrkdwn
    [answer] = await answers(sessions)
    assert (answer.attendance, answer.note, answer.source) == ("sick", "GP at 09:00 & back", "card")
    assert answer.day.isoformat() == "2026-12-01"

    await pcso.press(slack_api.messages[card.ts], "In person")
    await slack_api.wait_for("chat.update", 2)
    assert [a.attendance for a in await answers(sessions)] == ["sick", "in_person"]
    assert "*Your answer*\nIn person" in slack_api.messages[card.ts].seen()
    assert len(slack_api.of("chat.postMessage")) == 1  # updated in place, never re-posted


async def test_the_bwv_answer_and_the_vulnerable_contact_by_slack_buttons(
    sample_roster, slack_api, start_slack_bot, http, sessions, clock
):
    """`bwv.confirm` over Slack: a typed category, then the vulnerable-contact button on the
    card it answers with; each tap keeps the other answer, and the card is updated in place."""
    clock.now = TUESDAY + timedelta(hours=7, minutes=30)  # 15:35, after the BWV reminder
    pcso = SlackUser(http, await start_slack_bot(), SECRET, "U0P301", clock)
    await pcso.say("categorised")
    card = await reply_to(slack_api, pcso)
    assert "Did you engage with a vulnerable person today?" in card.seen()

    pressed = await pcso.press(card, "Yes")
    assert pressed.status == 200
    [update] = await slack_api.wait_for("chat.update")
    assert (update.args["channel"], update.args["ts"]) == ("D0P301", card.ts)
    async with sessions() as session:
        rows = (await session.scalars(select(BwvAnswer).order_by(BwvAnswer.id))).all()
    assert [(r.bwv_status, r.vulnerable_contact) for r in rows] == [
        ("categorised", None),
        ("categorised", "yes"),
    ]
    assert len(slack_api.of("chat.postMessage")) == 1  # updated in place, never re-posted


async def test_a_button_on_a_deleted_message_gets_a_new_message(
    sample_roster, slack_api, start_slack_bot, http, sessions, monkeypatch, clock
):
    clock.now = TUESDAY
    pcso = SlackUser(http, await start_slack_bot(), SECRET, "U0P302", clock)
    await pcso.say("briefing")
    card = await reply_to(slack_api, pcso)
    slack_api.fail("chat.update", "message_not_found")
    await pcso.press(card, "Remote")
    fresh = await reply_to(slack_api, pcso, 2)
    assert "*Your answer*\nRemote" in fresh.seen()
    assert [a.attendance for a in await answers(sessions)] == ["remote"]


async def answers(sessions: Sessions) -> list[AttendanceAnswer]:
    async with sessions() as session:
        rows = await session.scalars(select(AttendanceAnswer).order_by(AttendanceAnswer.id))
        return list(rows.all())


# --- proactive sending -------------------------------------------------------------------


def proactive_card() -> Reply:
    card = Card(
        title="Briefing: Maidstone CSU North",
        sections=(Section(facts=(("When", "Tue 1 Dec 2026, 08:00"),)),),
        actions=(Action("In person", {"verb": "briefing.attend", "attendance": "in_person"}),),
    )
    return Reply(text="Good morning.", card=card)


@pytest.fixture
async def sender(slack_api: FakeSlack) -> AsyncIterator[SlackSender]:
    settings = Settings(
        _env_file=None, slack_bot_token=TOKEN, slack_api_url=f"{slack_api.url}/api/"
    )
    async with web_client(settings) as client:
        yield SlackSender(client=client)


async def test_sender_opens_the_dm_and_posts_a_card(sender, slack_api):
    ts = await sender.send({"user": "U0P301", "team": "T0FORCE"}, proactive_card())
    [opened] = slack_api.of("conversations.open")
    assert opened.args["users"] == "U0P301"
    message = slack_api.messages[ts]
    assert message.channel == "D0P301"
    assert message.text.startswith("Good morning.\nBriefing: Maidstone CSU North")
    assert message.blocks[1]["type"] == "header"
    button = message.blocks[-1]["elements"][0]
    assert json.loads(button["value"]) == {"verb": "briefing.attend", "attendance": "in_person"}
    again = await sender.send({"channel": "D0P301", "user": "U0P301"}, Reply(text="Reminder"))
    assert slack_api.messages[again].text == "Reminder"
    assert len(slack_api.of("conversations.open")) == 1


async def test_sender_waits_out_retry_after_and_sends_once(sender, slack_api):
    slack_api.throttle("chat.postMessage", times=1, retry_after="1")
    ts = await sender.send({"channel": "D0P301"}, proactive_card())
    throttled, sent = slack_api.of("chat.postMessage", ok_only=False)
    assert (throttled.status, sent.status) == (429, 200)
    assert sent.at - throttled.at >= 1.0
    assert sent.answer["ts"] == ts
    assert len(slack_api.messages) == 1


async def test_sender_reports_failures_for_the_outbox(sender, slack_api):
    slack_api.throttle("chat.postMessage", times=3, retry_after="0")
    with pytest.raises(DeliveryError) as throttled:
        await sender.send({"channel": "D0P301"}, Reply(text="hello"))
    assert (throttled.value.status, throttled.value.retry_after) == (429, 0.0)
    slack_api.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(DeliveryError) as gone:
        await sender.send({"channel": "D0GONE"}, Reply(text="hello"))
    assert gone.value.status == 404
    opened = await sender.open_conversation(
        {"channel": "D0GONE", "user": "U0P301"},
        user_id="U0P301",
        tenant_id=None,
        reply=Reply(text="hi"),
    )
    assert (opened.conversation_id, opened.reference["channel"]) == ("D0P301", "D0P301")
    assert slack_api.messages[opened.activity_id].text == "hi"
    with pytest.raises(DeliveryError) as nobody:
        await sender.send({}, Reply(text="hello"))
    assert nobody.value.status == 400


# --- Block Kit rendering (unit) ----------------------------------------------------------


def briefing_prompt(answer: AttendanceAnswer | None = None) -> Card:
    team = Team(
        name="Maidstone CSU North",
        briefing_time=dt_time(8, 0),
        review_time=dt_time(8, 30),
        remote_link="https://teams.microsoft.com/l/meetup-join/briefing",
    )
    return briefing_card(team, TUESDAY.date(), "Sam Okafor", answer, ZoneInfo("Europe/London"))


def test_briefing_card_as_blocks():
    blocks = to_blocks(briefing_prompt())
    kinds = ["header", "section", "section", "actions", "divider", "input", "input", "actions"]
    assert [b["type"] for b in blocks] == kinds
    assert blocks[0]["text"]["text"] == "Briefing: Maidstone CSU North"
    assert [f["text"] for f in blocks[1]["fields"]] == [
        "*When*\nTue 1 Dec 2026, 08:00",
        "*Led by*\nSam Okafor",
    ]
    # "Not attending" has its own form: the reason (required) and a note, then its button.
    reason, note = blocks[5], blocks[6]
    assert (reason["block_id"], reason["element"]["action_id"]) == ("attendance", "attendance")
    assert reason["element"]["type"] == "static_select"
    assert [o["value"] for o in reason["element"]["options"]] == list(ABSENCE_REASONS)
    assert "initial_option" not in reason["element"]
    assert reason["optional"] is False
    assert note["element"] == {
        "type": "plain_text_input",
        "action_id": "note",
        "multiline": False,
        "max_length": 500,
        "placeholder": {
            "type": "plain_text",
            "text": "No names of members of the public",
            "emoji": True,
        },
    }
    buttons = blocks[3]["elements"] + blocks[7]["elements"]
    assert [(b["text"]["text"], b.get("style")) for b in buttons] == [
        ("In person", "primary"),
        ("Remote", None),
        ("Join on Teams", None),
        ("Not attending", None),
    ]
    assert json.loads(buttons[0]["value"]) == {
        "verb": "briefing.attend",
        "day": "2026-12-01",
        "attendance": "in_person",
    }
    assert json.loads(buttons[3]["value"]) == {"verb": "briefing.attend", "day": "2026-12-01"}
    assert buttons[2]["url"] == "https://teams.microsoft.com/l/meetup-join/briefing"
    assert "value" not in buttons[2]
    assert len({b["action_id"] for b in buttons}) == len(buttons)
    assert blocks[3]["block_id"] != blocks[7]["block_id"]


def test_answered_card_shows_the_answer_and_round_trips_its_inputs():
    answer = AttendanceAnswer(
        attendance="sick",
        note="<Clinic> & back by 12",
        answered_at=datetime(2026, 12, 1, 8, 3, tzinfo=UTC),
        late=False,
    )
    card = briefing_prompt(answer)
    blocks = to_blocks(card)
    seen = block_texts(blocks)
    assert "*Recorded*" in seen
    assert "*Note*\n&lt;Clinic&gt; &amp; back by 12" in seen
    reason = next(b for b in blocks if b.get("block_id") == "attendance")
    assert reason["element"]["initial_option"]["value"] == "sick"
    assert input_values(state_values(blocks, {})) == {
        "attendance": "sick",
        "note": "<Clinic> & back by 12",
    }
    assert input_values(state_values(blocks, {"attendance": "court", "note": ""})) == {
        "attendance": "court"
    }
    text = message(Reply(card=card))["text"]
    # The notification's words (the card's summary) first, then the card as text.
    assert text.startswith("Briefing 08:00\nBriefing: Maidstone CSU North\nWhen: Tue 1 Dec")
    assert "Note: &lt;Clinic&gt; &amp; back by 12" in text


def test_every_field_kind_maps_to_a_slack_element_and_back():
    card = Card(
        title="One-to-one: Alex Carter (P301)",
        fields=(
            Field("held_on", "Held on", kind="date", value="2026-12-01", required=True),
            Field("osara_progress", "OSARA plan progress", multiline=True, max_length=1000),
            Field("pnb_checked", "Pocket notebook checked", kind="toggle", value="false"),
            Field("cads_attended", "CADs attended", kind="number", minimum=0, maximum=999),
        ),
        actions=(Action("Record one-to-one", {"verb": "one_to_one.record", "collar": "P301"}),),
    )
    blocks = to_blocks(card)
    elements = {b["block_id"]: b["element"] for b in blocks if b["type"] == "input"}
    assert elements["held_on"]["type"] == "datepicker"
    assert elements["held_on"]["initial_date"] == "2026-12-01"
    assert elements["osara_progress"]["multiline"] is True
    assert elements["pnb_checked"]["type"] == "checkboxes"
    assert "initial_options" not in elements["pnb_checked"]
    assert elements["cads_attended"]["type"] == "number_input"
    assert elements["cads_attended"]["is_decimal_allowed"] is False
    assert (elements["cads_attended"]["min_value"], elements["cads_attended"]["max_value"]) == (
        "0",
        "999",
    )
    hint = next(b["hint"]["text"] for b in blocks if b.get("block_id") == "cads_attended")
    assert hint == "A whole number from 0 to 999."
    typed = {"osara_progress": "Plan 22 on track", "pnb_checked": "true", "cads_attended": "4"}
    assert input_values(state_values(blocks, typed)) == {
        "held_on": "2026-12-01",
        "osara_progress": "Plan 22 on track",
        "pnb_checked": "true",
        "cads_attended": "4",
    }
    assert input_values(state_values(blocks, {}))["pnb_checked"] == "false"


def test_a_full_tasking_card_fits_slacks_block_limit():
    fields = tuple(
        Field(f"{name}_{n}", f"Task {n} {name}", max_length=300)
        for n in range(1, 9)
        for name in ("description", "reference", "assignees")
    )
    card = Card(
        title="Tasking: Maidstone CSU North, Tue 1 Dec 2026",
        sections=(Section(lines=("Assign by collar number.",)),),
        fields=fields,
        actions=(Action("Post tasking", {"verb": "tasking.submit", "team": "North"}),),
    )
    assert len(to_blocks(card)) == 27


def test_tables_folds_forms_and_several_choices_in_slack():
    """The same structure as in Teams, within Slack's limits: a table as preformatted
    columns, folded details after a divider, a button's form above its button, a choice of
    several as a multi-select (sent back comma-separated), a row's button beside its line."""
    card = Card(
        title="Weekly roll-up",
        sections=(
            Section(lines=("Worst first.",), table=Table(("Team", "BWV"), (("PSTF", "0%"),))),
            Section(
                lines=("Alex Carter (P301): overdue",), actions=(Action("Record", {"verb": "o"}),)
            ),
        ),
        fields=(
            Field(
                "assignees_1",
                "Task 1 PCSOs",
                kind="choice",
                choices=(("P301", "Alex Carter"), ("P302", "Jordan Patel")),
                several=True,
                value="P302",
            ),
        ),
        more=(Fold("Add a task", fields=(Field("description_4", "Task 4"),)),),
        actions=(
            Action("In person", {"verb": "b", "attendance": "in_person"}),
            Action("Not attending", {"verb": "b"}, fields=(Field("attendance", "Reason"),)),
        ),
        details=(Fold("Details", sections=(Section(heading="BWV", lines=("None.",)),)),),
        summary="Weekly roll-up: 1 team",
    )
    blocks = to_blocks(card)
    assert [b["type"] for b in blocks] == [
        "header",
        "section",
        "section",
        "section",
        "input",
        "divider",
        "section",
        "input",
        "actions",
        "divider",
        "input",
        "actions",
        "divider",
        "section",
        "section",
    ]
    assert blocks[2]["text"]["text"] == "```Team  BWV\nPSTF  0%```"
    assert blocks[3]["accessory"]["text"]["text"] == "Record"
    pick = blocks[4]["element"]
    assert pick["type"] == "multi_static_select"
    assert [o["value"] for o in pick["initial_options"]] == ["P302"]
    typed = {"assignees_1": "P301,P302", "attendance": "sick"}
    assert input_values(state_values(blocks, typed))["assignees_1"] == "P301,P302"
    assert blocks[11]["elements"][0]["text"]["text"] == "Not attending"
    assert blocks[-1]["text"]["text"] == "*BWV*\nNone."
    ids = [e["action_id"] for b in blocks for e in b.get("elements", [])]
    ids += [b["accessory"]["action_id"] for b in blocks if "accessory" in b]
    assert len(ids) == len(set(ids))
    text = message(Reply(card=card))["text"]
    assert text.startswith("Weekly roll-up: 1 team\nWeekly roll-up\n")
    assert "None." in text  # the folded details are in the notification's text too


def test_what_slack_cannot_carry_is_refused_not_cut():
    heavy = Card(title="Heavy", actions=(Action("Go", {"verb": "x", "blob": "y" * 2000}),))
    with pytest.raises(ValueError, match="Slack allows 2000"):
        to_blocks(heavy)
    crowded = Card(title="Crowded", fields=tuple(Field(f"f{n}", f"F{n}") for n in range(50)))
    with pytest.raises(ValueError, match="Slack allows 50"):
        to_blocks(crowded)


def test_slack_app_manifest_points_at_the_endpoint_with_the_scopes_it_needs():
    manifest = (Path(__file__).parent.parent / "manifest" / "slack-app.yaml").read_text()
    assert manifest.count("request_url: https://YOUR-HOST/api/slack") == 2
    for line in ("- message.im", "is_enabled: true", "messages_tab_enabled: true"):
        assert line in manifest
    for scope in ("chat:write", "im:history", "im:read", "im:write", "users:read"):
        assert f"      - {scope}\n" in manifest
    assert "      - users:read.email\n" in manifest


# --- scheduled prompts through the outbox -----------------------------------------------


async def test_scheduled_prompts_reach_each_officer_on_their_latest_channel(
    sample_roster,
    slack_api,
    start_slack_bot,
    http,
    sessions,
    settings,
    teams_user,
    connector,
    clock,
):
    url = await start_slack_bot()
    on_slack = SlackUser(http, url, SECRET, "U0P311", clock)  # P311 talks to the bot in Slack
    await on_slack.say("whoami")
    await reply_to(slack_api, on_slack)
    leader = next(r for r in sample_roster if r.collar_number == "TL202")
    await teams_user(leader).install()  # TL202 uses Teams; P312 has never talked to the bot
    connector.clear()
    slack_settings = settings.model_copy(
        update={
            "slack_signing_secret": SECRET,
            "slack_bot_token": TOKEN,
            "slack_api_url": f"{slack_api.url}/api/",
        }
    )
    result = await run_job(
        sessions=sessions,
        jobs=build_router().jobs,
        settings=slack_settings,
        outbox=standalone_outbox(sessions, slack_settings, clock),
        name="briefing-prompts",
        now=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        team="Maidstone PSTF",
    )

    assert (result.run.recorded, result.sent, result.failed) == (3, 3, 0)
    assert [m.card["body"][0]["text"] for m in connector.messages() if m.card] == [
        "Briefing: Maidstone PSTF"
    ]
    assert "Briefing: Maidstone PSTF" in slack_api.posted(on_slack.channel_id)[-1].seen()
    opened = slack_api.of("conversations.open")
    assert [c.args["users"] for c in opened] == ["U0P312"]
    assert "Briefing: Maidstone PSTF" in slack_api.posted(dm_channel("U0P312"))[-1].seen()
    async with sessions() as session:
        channels = sorted((await session.scalars(select(Delivery.channel))).all())
    assert channels == ["msteams", "slack", "slack"]


async def test_a_reply_slack_refuses_after_the_commit_is_sent_by_the_outbox(
    sample_roster, user, slack_api, sessions
):
    pcso = user("U0P301")
    slack_api.fail("chat.postMessage", "internal_error")
    assert (await pcso.say("in person")).status == 200
    reply = await reply_to(slack_api, pcso)  # the outbox's attempt, after the refused one
    assert "In person" in reply.seen() and APOLOGY not in reply.seen()
    assert await count(sessions, AttendanceAnswer) == 1
    async with sessions() as session:
        jobs = (await session.scalars(select(Delivery.job))).all()
    assert jobs == ["reply"]
