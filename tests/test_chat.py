"""`pcso-bot chat`: cards as text, numbered buttons, and a terminal session against the bot."""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import cli
from bot.chat import ChatOfficer, ChatSession, chat, render_card
from bot.cli import CommandError
from bot.settings import Settings
from storage.models import ConversationRef, Officer

ADAPTIVE = "application/vnd.microsoft.card.adaptive"

BRIEFING_CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [
        {"type": "TextBlock", "text": "Briefing 08:00", "weight": "Bolder", "size": "Medium"},
        {"type": "TextBlock", "text": "Led by Sam Okafor (TL201).", "wrap": True},
        {
            "type": "FactSet",
            "facts": [
                {"title": "Team", "value": "Maidstone CSU North"},
                {"title": "Date", "value": "Tuesday 1 December"},
            ],
        },
        {"type": "TextBlock", "text": "Hidden", "isVisible": False},
        {
            "type": "Container",
            "items": [
                {
                    "type": "Input.ChoiceSet",
                    "id": "attendance",
                    "label": "Not attending because",
                    "choices": [
                        {"title": "Rest day", "value": "rest_day"},
                        {"title": "Annual leave", "value": "annual_leave"},
                        {"title": "Sick", "value": "sick"},
                    ],
                },
                {
                    "type": "Input.Text",
                    "id": "note",
                    "label": "Note (optional)",
                    "maxLength": 500,
                },
                {"type": "Input.Toggle", "id": "tell_sergeant", "title": "Tell my sergeant"},
            ],
        },
    ],
    "actions": [
        {
            "type": "Action.Submit",
            "title": "In person",
            "data": {"verb": "briefing.attend", "attendance": "in_person"},
            "associatedInputs": "none",
        },
        {
            "type": "Action.Submit",
            "title": "Remote",
            "data": {"verb": "briefing.attend", "attendance": "remote"},
            "associatedInputs": "none",
        },
        {"type": "Action.Submit", "title": "Not attending", "data": {"verb": "briefing.attend"}},
        {"type": "Action.Execute", "title": "Ask later", "verb": "briefing.later", "data": {}},
        {
            "type": "Action.OpenUrl",
            "title": "Join remotely",
            "url": "https://teams.example/meet/briefing",
        },
    ],
}

UPDATED_CARD: dict[str, Any] = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [
        {"type": "TextBlock", "text": "Briefing 08:00", "weight": "Bolder"},
        {"type": "TextBlock", "text": "Recorded: not attending (annual leave)."},
    ],
    "actions": [
        {
            "type": "Action.Submit",
            "title": "Change answer",
            "data": {"verb": "briefing.change"},
            "associatedInputs": "none",
        }
    ],
}


def card_activity(card: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    activity: dict[str, Any] = {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE, "content": card}],
    }
    if text:
        activity["text"] = text
    return activity


# --- rendering ---------------------------------------------------------------------------


def test_card_renders_title_text_facts_inputs_and_numbered_buttons() -> None:
    text, buttons = render_card(BRIEFING_CARD)
    assert text.splitlines() == [
        "== Briefing 08:00 ==",
        "Led by Sam Okafor (TL201).",
        "Team: Maidstone CSU North",
        "Date: Tuesday 1 December",
        "[field: attendance] Not attending because: rest_day | annual_leave | sick",
        "[field: note] Note (optional) (text, up to 500 characters)",
        "[field: tell_sergeant] Tell my sergeant (yes/no)",
        "[1] In person  [2] Remote  [3] Not attending  [4] Ask later",
        "[link] Join remotely: https://teams.example/meet/briefing",
    ]
    assert [b.title for b in buttons] == ["In person", "Remote", "Not attending", "Ask later"]
    assert [b.number for b in buttons] == [1, 2, 3, 4]


def test_buttons_carry_their_data_and_the_inputs_they_send() -> None:
    _, buttons = render_card(BRIEFING_CARD)
    in_person, _, not_attending, later = buttons
    assert in_person.inputs == ()
    assert in_person.submission({}) == (
        None,
        {"verb": "briefing.attend", "attendance": "in_person"},
    )
    assert [i.id for i in not_attending.inputs] == ["attendance", "note", "tell_sergeant"]
    assert not_attending.inputs[0].choices[1] == ("Annual leave", "annual_leave")
    assert not_attending.submission({"attendance": "sick"}) == (
        None,
        {"verb": "briefing.attend", "attendance": "sick"},
    )
    assert later.submission({}) == (None, {"verb": "briefing.later"})


def test_teams_im_back_and_string_data_are_sent_as_text() -> None:
    card = {
        "type": "AdaptiveCard",
        "body": [],
        "actions": [
            {
                "type": "Action.Submit",
                "title": "Help",
                "data": {"msteams": {"type": "imBack", "value": "help"}},
            },
            {"type": "Action.Submit", "title": "Who", "data": "whoami"},
        ],
    }
    _, (im_back, plain) = render_card(card)
    assert im_back.submission({}) == ("help", None)
    assert plain.submission({}) == ("whoami", None)


def test_action_sets_show_cards_and_columns_are_rendered_in_order() -> None:
    card = {
        "type": "AdaptiveCard",
        "body": [
            {"type": "TextBlock", "text": "Returns", "weight": "Bolder"},
            {"type": "TextBlock", "text": "Tasks", "weight": "Bolder"},
            {
                "type": "ColumnSet",
                "columns": [
                    {"items": [{"type": "TextBlock", "text": "1. Patrol High St"}]},
                    {
                        "items": [
                            {
                                "type": "Input.Number",
                                "id": "cads_attended",
                                "label": "CADs",
                                "min": 0,
                                "max": 999,
                            }
                        ]
                    },
                ],
            },
            {
                "type": "ActionSet",
                "actions": [{"type": "Action.Submit", "title": "Done", "data": {"verb": "x"}}],
            },
        ],
        "actions": [
            {
                "type": "Action.ShowCard",
                "title": "Add a note",
                "card": {
                    "type": "AdaptiveCard",
                    "body": [{"type": "Input.Text", "id": "notes", "label": "Notes"}],
                    "actions": [
                        {
                            "type": "Action.Submit",
                            "title": "Send",
                            "data": {"verb": "returns.submit"},
                        }
                    ],
                },
            }
        ],
    }
    text, buttons = render_card(card)
    assert text.splitlines() == [
        "== Returns ==",
        "-- Tasks --",
        "1. Patrol High St",
        "[field: cads_attended] CADs (number, 0-999)",
        "[1] Done",
        "Add a note:",
        "  > [field: notes] Notes (text)",
        "  > [2] Send",
    ]
    assert [i.id for i in buttons[0].inputs] == ["cads_attended"]
    assert [i.id for i in buttons[1].inputs] == ["cads_attended", "notes"]


# --- a session against a scripted bot ----------------------------------------------------


class ScriptedBot:
    """Stands in for the bot: records activities and answers through the chat's connector."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/messages", self.messages)
        return app

    async def messages(self, request: web.Request) -> web.Response:
        activity = await request.json()
        self.received.append(activity)
        if activity["type"] == "message":
            base = f"{activity['serviceUrl']}/v3/conversations/{activity['conversation']['id']}"
            async with aiohttp.ClientSession() as http:
                if activity.get("value"):
                    url = f"{base}/activities/{activity['replyToId']}"
                    async with http.put(url, json=card_activity(UPDATED_CARD)) as response:
                        assert response.status == 200
                else:
                    reply = {"type": "message", "text": f"You said {activity['text']}"}
                    url = f"{base}/activities/{activity['id']}"
                    async with http.post(url, json=reply) as response:
                        assert response.status == 200
        return web.Response(status=200)


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest.fixture
async def scripted_bot() -> AsyncIterator[tuple[ScriptedBot, str]]:
    bot = ScriptedBot()
    runner, url = await serve(bot.app())
    yield bot, url
    await runner.cleanup()


RILEY = ChatOfficer(
    collar="P304", name="Riley Evans", role="pcso", email="riley.evans@police.example"
)


async def test_pressing_a_button_asks_for_inputs_and_submits_to_the_card(scripted_bot) -> None:
    bot, url = scripted_bot
    lines = ["3", "2", "on leave", "", "1", "7", "/say 1", "/quit", "never sent"]
    out = io.StringIO()
    async with ChatSession(
        RILEY, bot_url=url, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out, settle=0.01
    ) as session:
        await session.connect()
        async with aiohttp.ClientSession() as http:  # a proactive prompt from the bot
            conversation = f"{session.service_url}/v3/conversations/a:chat-p304"
            async with http.post(f"{conversation}/activities", json=card_activity(BRIEFING_CARD)):
                pass
        await session.run()
    shown = out.getvalue()

    connect, not_attending, change, seven, one = bot.received
    assert connect["type"] == "conversationUpdate"
    assert connect["from"] == {"id": "29:chat-p304", "name": "Riley Evans"}  # no AAD id
    assert connect["channelId"] == "msteams"
    assert connect["channelData"]["tenant"]["id"] == connect["conversation"]["tenantId"]
    assert not_attending["value"] == {
        "verb": "briefing.attend",
        "attendance": "annual_leave",
        "note": "on leave",
        "tell_sergeant": "false",
    }
    assert not_attending["replyToId"] == change["replyToId"] == "chat-reply-1"
    assert change["value"] == {"verb": "briefing.change"}
    assert (seven["text"], one["text"]) == ("7", "1")
    assert "value" not in seven

    assert "bot: == Briefing 08:00 ==" in shown
    assert "[1] In person  [2] Remote  [3] Not attending  [4] Ask later" in shown
    assert "1) Rest day (rest_day)" in shown
    assert "bot: (card updated)\n     == Briefing 08:00 ==" in shown
    assert "[1] Change answer" in shown
    assert "bot: You said 7" in shown
    assert shown.rstrip().endswith("bye")
    assert "never sent" not in shown


async def test_member_lookup_answers_with_the_officers_email(scripted_bot) -> None:
    _, url = scripted_bot
    async with (
        ChatSession(RILEY, bot_url=url, stdin=io.StringIO(""), stdout=io.StringIO()) as session,
        aiohttp.ClientSession() as http,
    ):
        members = f"{session.service_url}/v3/conversations/a:chat-p304/members"
        async with http.get(f"{members}/29:chat-p304") as response:
            member = await response.json()
        async with http.get(f"{members}/29:someone-else") as response:
            assert response.status == 404
    assert member["email"] == member["userPrincipalName"] == "riley.evans@police.example"
    assert member["name"] == "Riley Evans"
    assert "aadObjectId" not in member


async def test_a_choice_outside_the_list_is_asked_again(scripted_bot) -> None:
    bot, url = scripted_bot
    out = io.StringIO()
    script = "3\n9\nsick\n\nn\n/quit\n"
    async with ChatSession(
        RILEY, bot_url=url, stdin=io.StringIO(script), stdout=out, settle=0.01
    ) as session:
        session_url = f"{session.service_url}/v3/conversations/a:chat-p304/activities"
        async with (
            aiohttp.ClientSession() as http,
            http.post(session_url, json=card_activity(BRIEFING_CARD)),
        ):
            pass
        await session.run()
    assert "(not one of the choices 1-3; try again)" in out.getvalue()
    assert bot.received[-1]["value"] == {
        "verb": "briefing.attend",
        "attendance": "sick",
        "tell_sergeant": "false",
    }


# --- against the real bot ----------------------------------------------------------------


async def run_chat(collar: str, settings: Settings, bot_url: str, *lines: str) -> str:
    out = io.StringIO()
    stdin = io.StringIO("".join(f"{line}\n" for line in lines))
    await chat(collar, settings=settings, bot_url=bot_url, stdin=stdin, stdout=out, settle=0.01)
    return out.getvalue()


async def test_chat_with_the_real_bot(
    sample_roster, settings: Settings, bot_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    shown = await run_chat("p301", settings, bot_url, "help", "whoami", "1", "/quit", "whoami")
    lines = shown.splitlines()
    assert lines[0].startswith(f"Chatting as Alex Carter (P301, pcso) with the bot at {bot_url}")
    assert "/quit to leave" in lines[0]
    assert "bot: == What you can do (PCSOs) ==" in lines
    assert any(line.strip().startswith("whoami — ") for line in lines)
    assert "bot: == Who you are to this bot ==" in lines
    assert "     Name: Alex Carter" in lines
    assert "     Collar number: P301" in lines
    assert "you> 1" in lines  # no buttons shown, so "1" is sent as text
    assert "bot: Sorry, I didn't understand '1'. Type help to see what you can do." in lines
    assert lines.count("bot: == Who you are to this bot ==") == 1  # nothing after /quit
    assert lines[-1] == "bye"
    async with sessions() as session:
        reference = await session.scalar(select(ConversationRef))
        assert reference is not None
        assert reference.conversation_id == "a:chat-p301"
        assert reference.service_url.startswith("http://127.0.0.1:")


async def test_the_new_cards_read_right_in_the_terminal(
    sample_roster, settings: Settings, bot_url: str
) -> None:
    """The briefing's "Not attending" form, then the sergeant's review with its details
    (folded in Teams) shown under their button, and task lines as written."""
    shown = await run_chat("p301", settings, bot_url, "briefing", "3", "3", "", "/quit")
    lines = shown.splitlines()
    assert "     [1] In person  [2] Remote" in lines
    assert "     Not attending:" in lines
    assert any(line.startswith("       > [field: attendance] Reason: ") for line in lines)
    assert "       > [3] Send" in lines
    assert "     Your answer: Sick" in lines
    await run_chat("tl201", settings, bot_url, "task Patrol town centre | OSARA-22 | P301", "/quit")
    review = (await run_chat("s101", settings, bot_url, "review csu north", "/quit")).splitlines()
    assert review.index("     [1] Reviewed") < review.index("     Details:")
    assert "       > -- Briefing today, Tue 1 Dec 2026 --" in review
    tasking = (await run_chat("tl201", settings, bot_url, "tasking", "/quit")).splitlines()
    assert "     Task 1: Patrol town centre [OSARA-22] — Alex Carter" in tasking
    assert "     Add a task:" in tasking
    assert any(line.startswith("       > [field: assignees_8] Task 8 PCSOs: ") for line in tasking)


def test_folded_content_and_escaped_lines_are_shown_as_written() -> None:
    card = {
        "type": "AdaptiveCard",
        "body": [
            {"type": "TextBlock", "text": "Title"},
            {"type": "TextBlock", "text": "1\\. Patrol High St\n\\- leaflets"},
            {
                "type": "ActionSet",
                "actions": [
                    {
                        "type": "Action.ToggleVisibility",
                        "title": "Details",
                        "targetElements": ["details-0"],
                    }
                ],
            },
            {
                "type": "Container",
                "id": "details-0",
                "isVisible": False,
                "items": [{"type": "TextBlock", "text": "Hidden until asked"}],
            },
            {
                "type": "Container",
                "isVisible": False,
                "items": [{"type": "TextBlock", "text": "x"}],
            },
        ],
        "actions": [
            {
                "type": "Action.Execute",
                "title": "Reviewed",
                "verb": "review.ack",
                "data": {"verb": "review.ack"},
                "fallback": {"type": "Action.Submit", "title": "Reviewed", "data": {}},
            }
        ],
    }
    text, buttons = render_card(card)
    assert text.splitlines() == [
        "== Title ==",
        "1. Patrol High St",
        "- leaflets",
        "Details:",
        "  > Hidden until asked",
        "[1] Reviewed",
    ]
    assert [b.title for b in buttons] == ["Reviewed"]


async def test_officer_without_aad_id_is_matched_by_email(
    sample_roster, settings: Settings, bot_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    shown = await run_chat("P304", settings, bot_url, "whoami")
    assert "     Name: Riley Evans" in shown
    assert "     Collar number: P304" in shown
    async with sessions() as session:
        riley = await session.scalar(select(Officer).where(Officer.collar_number == "P304"))
        assert riley is not None
        assert riley.teams_user_id == "29:chat-p304"


async def test_unknown_collar_is_refused(sample_roster, settings: Settings, bot_url: str) -> None:
    with pytest.raises(CommandError, match="no officer with collar number X999"):
        await run_chat("X999", settings, bot_url, "help")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_bot_not_running_says_how_to_start_it(sample_roster, settings: Settings) -> None:
    with pytest.raises(CommandError, match="make run") as raised:
        await run_chat("P301", settings, f"http://127.0.0.1:{free_port()}", "help")
    assert "cannot reach the bot" in str(raised.value)


def test_cli_unknown_collar_is_one_line_and_status_2(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert cli.main(["chat", "--as", "X999", "--bot-url", "http://127.0.0.1:1"]) == 2
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines() == [
        "pcso-bot: no officer with collar number X999 is on the roster"
    ]
    assert captured.out == ""


def test_cli_registers_chat() -> None:
    args = cli.build_parser().parse_args(["chat", "--as", "P301"])
    assert (args.collar, args.bot_url) == ("P301", None)
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["chat"])
