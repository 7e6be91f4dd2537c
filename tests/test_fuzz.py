"""The fuzz suite: thousands of seeded hostile requests against the real endpoints.

5,000 Teams activities and 1,000 Slack requests (signed and unsigned, Events API and
interactivity) per database, from rostered officers and strangers. It asserts what the edge
promises: a deliberate status (never a 5xx), no exception text and no apology in any reply
(nothing a client sends is a fault of ours), and afterwards every stored value within its
allowed set and length. The seed is fixed, so a failure is reproducible; `PCSO_FUZZ_SEED`
picks another.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import JSON, String, select

from storage.models import Base
from tests.rig.connector import FakeConnector
from tests.rig.fuzz import VERBS, encode, slack_payload, teams_activity
from tests.rig.slack import TEAM, FakeSlack, SlackUser
from tests.rig.teams import TENANT

SEED = int(os.environ.get("PCSO_FUZZ_SEED", "20261201"))
TEAMS_REQUESTS = 5000
SLACK_REQUESTS = 1000
CONCURRENCY = 8
DELIBERATE = {200, 202, 400, 401, 403, 413, 415}
SECRET = "fuzz-signing-secret"
TOKEN = "xoxb-fuzz"
LEAKS = ("Traceback", "Exception", "Error:", 'File "', "sqlalchemy", "asyncpg", "nothing was saved")
ALLOWED = {
    "attendance": set(VERBS["briefing.attend"]["attendance"]),
    "bwv_status": set(VERBS["bwv.confirm"]["bwv_status"]),
    "vulnerable_contact": {"yes", "no"},
    "outcome": set(VERBS["returns.submit"]["outcome_1"]),
    "role": {"pcso", "team_leader", "sergeant", "inspector", "admin"},
}


def leaked(text: str) -> str | None:
    return next((leak for leak in LEAKS if leak in text), None)


def people(rows) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Rostered officers (by AAD id or Teams id) and strangers."""
    found = [
        {
            "user_id": f"29:{row.collar_number.lower()}",
            "aad": row.aad_object_id,
            "name": row.name,
            "conversation": f"a:fuzz-{row.collar_number.lower()}",
        }
        for row in rows
    ]
    strangers = [
        {"user_id": f"29:stranger-{n}", "aad": None, "name": "Stranger", "conversation": f"a:s{n}"}
        for n in range(3)
    ]
    return found + strangers


async def check_store(sessions) -> None:  # type: ignore[no-untyped-def]
    """Every stored string within its column's length, free of NUL and lone surrogates, and
    every enumerated field within its allowed set."""
    problems: list[str] = []
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column in table.columns:
                    problems.extend(_problems(table.name, column, row[column.name]))
    assert problems == [], problems[:20]


def _problems(table: str, column: Any, value: Any) -> list[str]:
    where = f"{table}.{column.name}"
    if isinstance(column.type, JSON):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except (UnicodeEncodeError, TypeError, ValueError) as error:
            return [f"{where}: {error}"]
        return []
    if not isinstance(value, str):
        return []
    found = []
    if isinstance(column.type, String) and column.type.length and len(value) > column.type.length:
        found.append(f"{where}: {len(value)} > {column.type.length}")
    if "\x00" in value:
        found.append(f"{where}: NUL")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        found.append(f"{where}: lone surrogate")
    if column.name in ALLOWED and value not in ALLOWED[column.name]:
        found.append(f"{where}: {value!r} not allowed")
    return found


async def quiet(slack_api: FakeSlack, *, still: float = 1.0, within: float = 30.0) -> None:
    """Wait until the replies posted after Slack's acknowledgements have all arrived."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    seen = -1
    while seen != len(slack_api.calls) and loop.time() < deadline:
        seen = len(slack_api.calls)
        await asyncio.sleep(still)


async def bounded(jobs: list[Any]) -> list[Any]:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(job: Any) -> Any:
        async with gate:
            return await job

    return await asyncio.gather(*(one(job) for job in jobs))


async def test_teams_fuzz_never_5xx_never_leaks_and_stores_only_valid_values(
    sample_roster, start_bot, http, connector: FakeConnector, sessions, caplog
):
    caplog.set_level(logging.ERROR)
    url = await start_bot()
    rng = random.Random(SEED)
    crowd = people(sample_roster)
    used: list[str] = []
    bodies = [
        encode(
            teams_activity(
                rng, people=crowd, service_url=connector.url, tenant=TENANT, used_ids=used
            )
        )
        for _ in range(TEAMS_REQUESTS)
    ]

    async def post(body: bytes) -> tuple[int, str]:
        headers = {"Content-Type": "application/json"}
        async with http.post(f"{url}/api/messages", data=body, headers=headers) as response:
            return response.status, await response.text()

    results = await bounded([post(body) for body in bodies])

    statuses = Counter(status for status, _ in results)
    print(f"\nTeams fuzz (seed {SEED}): {dict(sorted(statuses.items()))}")
    assert set(statuses) <= DELIBERATE, statuses
    assert [(s, t) for s, t in results if leaked(t)] == []
    sent = [json.dumps(s.activity) for s in connector.sent]
    assert [t for t in sent if leaked(t)] == []
    assert "turn failed" not in caplog.text
    await check_store(sessions)


@pytest.fixture
async def slack_api() -> Any:
    fake = FakeSlack(token=TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


async def test_slack_fuzz_never_5xx_never_leaks_and_stores_only_valid_values(
    sample_roster, start_bot, http, slack_api: FakeSlack, sessions, clock, caplog
):
    caplog.set_level(logging.ERROR)
    url = await start_bot(
        slack_signing_secret=SECRET, slack_bot_token=TOKEN, slack_api_url=f"{slack_api.url}/api/"
    )
    rng = random.Random(SEED + 1)
    users = ["U0P301", "U0P302", "U0TL201", "U0S101", "U0STRANGER"]
    for user in users[:-1]:
        slack_api.add_user(user, email=f"{user.lower()}@police.example")
    signer = SlackUser(http, url, SECRET, users[0], clock)
    used: list[str] = []

    async def post(body: bytes, content_type: str) -> tuple[int, str]:
        roll = rng.random()
        if roll < 0.8:
            answer = await signer.post(body, content_type)
        elif roll < 0.9:
            answer = await signer.post(body, content_type, secret="wrong")
        else:
            answer = await signer.post(
                body, content_type, headers={"X-Slack-Signature": "v0=é" * rng.randrange(1, 50)}
            )
        return answer.status, json.dumps(answer.body)

    payloads = [
        slack_payload(rng, users=users, team=TEAM, used_ids=used) for _ in range(SLACK_REQUESTS)
    ]
    results = await bounded([post(body, kind) for body, kind in payloads])
    await quiet(slack_api)

    statuses = Counter(status for status, _ in results)
    print(f"\nSlack fuzz (seed {SEED + 1}): {dict(sorted(statuses.items()))}")
    assert set(statuses) <= DELIBERATE, statuses
    assert [(s, t) for s, t in results if leaked(t)] == []
    said = [json.dumps(call.args) for call in slack_api.calls]
    assert [t for t in said if leaked(t)] == []
    assert "turn failed" not in caplog.text
    await check_store(sessions)
