"""What Slack posts: the payload checked for the fields the chain relies on, the event
filter's tests, and a DM or button press read back as an `Incoming` turn (a button's data
with the message's `state.values` merged in, as an Adaptive Card's Action.Submit does)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from bot.channels.slack.renderer import TOGGLE_OFF, TOGGLE_ON, unescape
from bot.envelope import BadBody, loads
from bot.turns import Inbound, Where

CHANNEL = "slack"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@dataclass(frozen=True)
class Incoming:
    """One DM or button press: who sent it, where, and the message a pressed button is in."""

    inbound: Inbound
    kind: str
    user_id: str
    channel_id: str
    message_ts: str | None = None


def parse(body: bytes, content_type: str) -> dict[str, Any]:
    """The request's JSON payload, checked for the fields the chain relies on."""
    if content_type == FORM:
        form = parse_qs(body.decode("utf-8"))
        if "payload" not in form:
            raise ValueError("form has no payload")
        raw = form["payload"][0]
    elif content_type == JSON:
        raw = body.decode("utf-8")
    else:
        raise ValueError(f"unexpected content type {content_type[:60]!r}")
    try:
        payload = loads(raw)
    except BadBody as error:
        raise ValueError(f"payload {str(error).removeprefix('body ')}") from error
    problem = _shape_problem(payload)
    if problem:
        raise ValueError(problem)
    return payload  # type: ignore[no-any-return]


def _shape_problem(payload: Any) -> str | None:
    if not isinstance(payload, dict) or text_at(payload, "type") is None:
        return "payload has no type"
    kind = payload["type"]
    if kind == "url_verification" and text_at(payload, "challenge") is None:
        return "url_verification has no challenge"
    if kind == "event_callback" and (
        not isinstance(payload.get("event"), dict) or text_at(payload, "event_id") is None
    ):
        return "event_callback has no event or event_id"
    if kind == "block_actions" and (
        not isinstance(payload.get("actions"), list) or text_at(payload, "user", "id") is None
    ):
        return "block_actions has no actions or user"
    return None


def is_person_dm(payload: dict[str, Any]) -> bool:
    """A new message typed by a person in a DM with the bot: not a bot's, not an edit."""
    event = payload["event"]
    authorizations = payload.get("authorizations")
    bots = {
        a.get("user_id")
        for a in (authorizations if isinstance(authorizations, list) else [])
        if isinstance(a, dict) and a.get("is_bot")
    }
    user = text_at(event, "user")
    return (
        event.get("type") == "message"
        and event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and user is not None
        and user not in bots
        and text_at(event, "channel") is not None
    )


def is_our_button(payload: dict[str, Any]) -> bool:
    """A press of one of our buttons on a message (link buttons carry no value)."""
    actions = payload["actions"]
    action = actions[0] if actions and isinstance(actions[0], dict) else {}
    value = text_at(action, "value")
    return (
        action.get("type") == "button"
        and value is not None
        and button_data(value) is not None
        and _channel_of(payload) is not None
    )


def incoming(payload: dict[str, Any], api_url: str) -> Incoming:
    """A payload the event filter let through, as a turn."""
    if payload["type"] == "block_actions":
        return _pressed(payload, api_url)
    return _direct_message(payload, api_url)


def _direct_message(payload: dict[str, Any], api_url: str) -> Incoming:
    event = payload["event"]
    user, channel = str(event["user"]), str(event["channel"])
    team = text_at(payload, "team_id") or text_at(event, "team")
    inbound = Inbound(
        channel=CHANNEL,
        activity_id=payload["event_id"],
        where=_where(api_url, channel, user, team),
        text=unescape(text_at(event, "text") or ""),
    )
    return Incoming(inbound, "message", user, channel)


def _pressed(payload: dict[str, Any], api_url: str) -> Incoming:
    """A button's data with the message's inputs merged in (the button's own keys win)."""
    action = payload["actions"][0]
    user = str(text_at(payload, "user", "id"))
    channel = str(_channel_of(payload))
    team = text_at(payload, "team", "id") or text_at(payload, "user", "team_id")
    state = payload.get("state") if isinstance(payload.get("state"), dict) else {}
    values = (state or {}).get("values")
    inputs = input_values(values) if isinstance(values, dict) else {}
    pressed_at = text_at(action, "action_ts") or text_at(payload, "trigger_id")
    inbound = Inbound(
        channel=CHANNEL,
        activity_id=f"action:{user}:{pressed_at}" if pressed_at else None,
        where=_where(api_url, channel, user, team),
        data={**inputs, **(button_data(action["value"]) or {})},
    )
    ts = text_at(payload, "container", "message_ts") or text_at(payload, "message", "ts")
    return Incoming(inbound, "block_actions", user, channel, ts)


def _channel_of(payload: dict[str, Any]) -> str | None:
    return text_at(payload, "container", "channel_id") or text_at(payload, "channel", "id")


def _where(api_url: str, channel: str, user: str, team: str | None) -> Where:
    return Where(
        channel=CHANNEL,
        conversation_id=channel,
        service_url=api_url,
        tenant_id=team,
        reference={"channel": channel, "user": user, "team": team},
    )


def text_at(node: Any, *path: str) -> str | None:
    """The non-empty string at `path` in nested mappings, else None."""
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, str) and node else None


def button_data(value: str) -> dict[str, Any] | None:
    """A button's action data, or None if the value is not one of ours."""
    try:
        data = json.loads(value)
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("verb"), str) else None


def input_values(state_values: Mapping[str, Any]) -> dict[str, str]:
    """`state.values` of a message as {field id: value}; empty inputs are left out."""
    values: dict[str, str] = {}
    for block in state_values.values():
        if not isinstance(block, Mapping):
            continue
        for field_id, element in block.items():
            value = _element_value(element) if isinstance(element, Mapping) else None
            if value is not None:
                values[str(field_id)] = value
    return values


def _element_value(element: Mapping[str, Any]) -> str | None:
    """What the user chose or typed; anything not shaped as Slack sends it counts as empty."""
    kind = element.get("type")
    if kind == "static_select":
        option = element.get("selected_option")
        value = option.get("value") if isinstance(option, Mapping) else None
    elif kind == "multi_static_select":
        chosen = element.get("selected_options")
        picked = [
            str(o["value"])
            for o in (chosen if isinstance(chosen, list) else [])
            if isinstance(o, Mapping) and isinstance(o.get("value"), str)
        ]
        value = ",".join(picked)
    elif kind == "checkboxes":
        chosen = element.get("selected_options")
        options = chosen if isinstance(chosen, list) else []
        on = any(isinstance(o, Mapping) and o.get("value") == TOGGLE_ON for o in options)
        return TOGGLE_ON if on else TOGGLE_OFF
    elif kind == "datepicker":
        value = element.get("selected_date")
    else:
        value = element.get("value")
    return value if isinstance(value, str) and value else None
