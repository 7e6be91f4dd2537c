"""Seeded generators of hostile Teams activities and Slack requests, for the fuzz suite.

Each generator takes a `random.Random`, so a run is reproducible from its seed. They make
what an attacker or a broken client would send: every activity type, every verb, wrong
types, nulls, huge and deeply nested values, unicode edge cases (lone surrogates, NUL,
control and bidi characters), duplicate ids, invoke bodies, and signed or unsigned Slack
Events API and interactivity payloads.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

VERBS: dict[str, dict[str, Sequence[str]]] = {
    "briefing.attend": {
        "attendance": (
            "in_person",
            "remote",
            "rest_day",
            "annual_leave",
            "sick",
            "training",
            "other_duty",
            "court",
        ),
    },
    "bwv.confirm": {"bwv_status": ("categorised", "no_footage", "need_help")},
    "tasking.submit": {},
    "returns.submit": {"outcome_1": ("done", "part_done", "not_done")},
    "review.ack": {},
    "one_to_one.record": {"pnb_checked": ("true", "false")},
}
TEXT_FIELDS = (
    "note",
    "notes",
    "description_1",
    "reference_1",
    "assignees_1",
    "note_1",
    "team",
    "date",
    "collar",
    "held_on",
    "osara_progress",
    "engagement_notes",
    "cads_attended",
    "themis_updated",
    "intel_submitted",
    "engagements",
    "vulnerable_engagements",
)
COMMANDS = (
    "help",
    "whoami",
    "briefing",
    "in person",
    "rest day",
    "bwv",
    "categorised",
    "vulnerability",
    "my week",
    "away 2026-12-01 to 2026-12-14 annual leave",
    "away 0001-01-01 to 9999-12-31",
    "back",
    "tasking",
    "task Patrol | OSARA-1 | P301",
    "returns",
    "review",
    "review Maidstone CSU North 0001-01-01",
    "review Maidstone PSTF 2026-12-01",
    "one-to-one P301",
    "rollup",
    "rollup Maidstone",
)
ACTIVITY_TYPES = (
    "message",
    "message",
    "message",
    "invoke",
    "invoke",
    "conversationUpdate",
    "installationUpdate",
    "messageReaction",
    "typing",
    "event",
    "endOfConversation",
    "messageUpdate",
    "x" * 300,
)
INVOKE_NAMES = (
    "adaptiveCard/action",
    "adaptiveCard/action",
    "task/fetch",
    "composeExtension/query",
    "signin/verifyState",
    "config/fetch",
    "",
    "x" * 500,
)
NASTY_STRINGS = (
    "",
    " ",
    "\x00",
    "ok \ud800",
    "\udfff\ud800",
    "note\x00with NUL",
    "\u202eevil\u202c",
    "e\u0301" * 200,
    "🚓" * 300,
    "\r\n\t\x1b[31m",
    "<at>Bot</at>" * 50,
    "<at>" * 2000,
    "' OR 1=1 --",
    '=HYPERLINK("http://x")',
    "%s%s%n",
    "\ufeff\u200b",
)


def text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(NASTY_STRINGS)
    if roll < 0.5:
        return rng.choice(string.printable) * rng.choice((1, 100, 501, 1001, 5000, 20000))
    if roll < 0.75:
        return rng.choice(COMMANDS)
    return "".join(chr(rng.randrange(0, 0x3000)) for _ in range(rng.randrange(0, 60)))


def nested(rng: random.Random, depth: int) -> Any:
    value: Any = text(rng)
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"k": value}
    return value


def junk(rng: random.Random) -> Any:
    """A value of the wrong type (or a right-looking one that is hostile)."""
    return rng.choice(
        (
            None,
            True,
            0,
            -1,
            2**63,
            1e308,
            [],
            {},
            ["x"],
            {"id": None},
            text(rng),
            nested(rng, rng.randrange(1, 60)),
        )
    )


def card_data(rng: random.Random) -> dict[str, Any]:
    verb = rng.choice([*VERBS, "no.such.verb", "", "x" * 300])
    data: dict[str, Any] = {"verb": verb if rng.random() < 0.95 else junk(rng)}
    for field, choices in VERBS.get(verb, {}).items():
        data[field] = rng.choice(choices) if rng.random() < 0.7 else junk(rng)
    for field in rng.sample(TEXT_FIELDS, rng.randrange(0, 6)):
        data[field] = text(rng) if rng.random() < 0.7 else junk(rng)
    if rng.random() < 0.1:
        data["msteams"] = junk(rng)
    return data


Identity = dict[str, Any]


def teams_activity(
    rng: random.Random,
    *,
    people: Sequence[Identity],
    service_url: str,
    tenant: str,
    used_ids: list[str],
) -> dict[str, Any] | bytes:
    """One activity as Teams might (mis)send it: valid envelope most of the time."""
    if rng.random() < 0.03:
        return rng.choice(
            (
                b"",
                b"{",
                b"\xff\xfe",
                b"[" * 5000 + b"]" * 5000,
                b'{"type": "message", "value": ' + b'{"k": ' * 3000 + b"1" + b"}" * 3001,
                b"null",
                b"[]",
                b'"text"',
            )
        )
    who = rng.choice(people)
    kind = rng.choice(ACTIVITY_TYPES)
    activity_id = rng.choice(used_ids) if used_ids and rng.random() < 0.1 else f"f-{rng.random()}"
    used_ids.append(activity_id)
    activity: dict[str, Any] = {
        "type": kind,
        "id": activity_id,
        "timestamp": "2026-12-01T08:05:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": who["user_id"], "name": who["name"], "aadObjectId": who["aad"]},
        "conversation": {"id": who["conversation"], "conversationType": "personal"},
        "recipient": {"id": "28:pcso-bot", "name": "PCSO bot"},
        "channelData": {"tenant": {"id": tenant}},
    }
    if kind == "message":
        if rng.random() < 0.4:
            activity["value"] = card_data(rng)
        else:
            activity["text"] = text(rng)
        if rng.random() < 0.2:
            activity["replyToId"] = text(rng)[:300]
    elif kind == "invoke":
        activity["name"] = rng.choice(INVOKE_NAMES)
        action: dict[str, Any] = {"type": "Action.Execute", "verb": "", "data": card_data(rng)}
        action["verb"] = action["data"].pop("verb")
        activity["value"] = {"action": action} if rng.random() < 0.8 else junk(rng)
    elif kind in ("conversationUpdate", "installationUpdate"):
        activity["membersAdded"] = rng.choice(
            ([None], [{"id": "28:pcso-bot"}], [{"id": None}], junk(rng), [junk(rng)])
        )
        activity["action"] = rng.choice(("add", "remove", junk(rng)))
    mutate(rng, activity)
    return activity


MUTATED_PATHS: tuple[tuple[str, ...], ...] = (
    ("id",),
    ("type",),
    ("text",),
    ("name",),
    ("serviceUrl",),
    ("from",),
    ("from", "id"),
    ("from", "aadObjectId"),
    ("from", "name"),
    ("conversation",),
    ("conversation", "id"),
    ("conversation", "tenantId"),
    ("recipient", "id"),
    ("channelData",),
    ("channelData", "tenant"),
    ("channelData", "tenant", "id"),
    ("replyToId",),
    ("value",),
    ("timestamp",),
    ("channelId",),
    ("entities",),
    ("attachments",),
    ("locale",),
)


def mutate(rng: random.Random, activity: dict[str, Any]) -> None:
    """Break a few fields: wrong types, nulls, huge values, or hostile strings."""
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        path = rng.choice(MUTATED_PATHS)
        node: Any = activity
        for key in path[:-1]:
            if not isinstance(node, dict) or not isinstance(node.get(key), dict):
                node = None
                break
            node = node[key]
        if isinstance(node, dict):
            node[path[-1]] = junk(rng) if rng.random() < 0.6 else text(rng)


def encode(activity: dict[str, Any] | bytes) -> bytes:
    if isinstance(activity, bytes):
        return activity
    # ensure_ascii: a lone surrogate travels as the escape "\ud800", as an attacker sends it
    return json.dumps(activity, ensure_ascii=True).encode()


def slack_payload(
    rng: random.Random, *, users: Sequence[str], team: str, used_ids: list[str]
) -> tuple[bytes, str]:
    """An Events API callback or an interactivity form, as (body, content type)."""
    user = rng.choice(users)
    roll = rng.random()
    if roll < 0.05:
        return rng.choice((b"\xff\xfe", b"", b"{", b"[" * 5000 + b"]" * 5000)), rng.choice(
            ("application/json", "application/x-www-form-urlencoded", "text/plain")
        )
    if roll < 0.6:
        event_id = rng.choice(used_ids) if used_ids and rng.random() < 0.1 else f"Ev{rng.random()}"
        used_ids.append(event_id)
        payload: dict[str, Any] = {
            "type": rng.choice(("event_callback", "event_callback", "url_verification", "x")),
            "team_id": team,
            "event_id": event_id,
            "challenge": text(rng),
            "authorizations": rng.choice(
                ([{"team_id": team, "user_id": "U0BOT", "is_bot": True}], junk(rng))
            ),
            "event": {
                "type": rng.choice(("message", "app_mention", junk(rng))),
                "channel_type": rng.choice(("im", "channel", junk(rng))),
                "channel": f"D{user}",
                "user": user if rng.random() < 0.9 else junk(rng),
                "text": text(rng) if rng.random() < 0.9 else junk(rng),
                "ts": f"{rng.randrange(10**9, 2 * 10**9)}.{rng.randrange(10**6):06d}",
                "team": team,
            },
        }
        if rng.random() < 0.2:
            payload["event"]["subtype"] = rng.choice(("bot_message", "message_changed", junk(rng)))
        mutate_tree(rng, payload)
        return json.dumps(payload, ensure_ascii=True).encode(), "application/json"
    action = {
        "type": "button",
        "action_id": text(rng)[:255],
        "block_id": text(rng)[:255],
        "value": json.dumps(card_data(rng)) if rng.random() < 0.8 else junk(rng),
        "action_ts": f"{rng.randrange(10**9, 2 * 10**9)}.{rng.randrange(10**6):06d}",
    }
    state_value = rng.choice(
        (
            {"type": "static_select", "selected_option": {"text": "x"}},
            {"type": "static_select", "selected_option": {"value": text(rng)}},
            {"type": "plain_text_input", "value": text(rng)},
            {"type": "checkboxes", "selected_options": junk(rng)},
            {"type": "datepicker", "selected_date": text(rng)},
            junk(rng),
        )
    )
    interaction: dict[str, Any] = {
        "type": rng.choice(("block_actions", "block_actions", "view_submission", junk(rng))),
        "user": {"id": user, "team_id": team},
        "team": {"id": team},
        "container": {
            "type": "message",
            "message_ts": "1764576001.000001",
            "channel_id": f"D{user}",
        },
        "channel": {"id": f"D{user}"},
        "message": {"ts": "1764576001.000001", "text": "x"},
        "state": {"values": {"b1": {rng.choice(TEXT_FIELDS): state_value}}},
        "actions": rng.choice(([action], [], junk(rng), [junk(rng)])),
    }
    mutate_tree(rng, interaction)
    form = urlencode({"payload": json.dumps(interaction, ensure_ascii=True)}).encode()
    return form, "application/x-www-form-urlencoded"


def mutate_tree(rng: random.Random, payload: dict[str, Any]) -> None:
    """Replace a few values anywhere in the payload with junk."""
    for _ in range(rng.choice((0, 0, 1, 2))):
        node: Any = payload
        while isinstance(node, dict) and node:
            key = rng.choice(list(node))
            if not isinstance(node[key], dict) or rng.random() < 0.4:
                node[key] = junk(rng)
                break
            node = node[key]
