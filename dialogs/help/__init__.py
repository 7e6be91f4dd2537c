"""`help` (what this officer can do, by role) and `whoami` (who the bot thinks they are)."""

from __future__ import annotations

from dialogs.core import Card, Reply, Section, Turn
from dialogs.router import ROLE_NAMES, Router
from storage import officers

ROLE_TITLES = {
    "pcso": "PCSO",
    "team_leader": "PCSO team leader",
    "sergeant": "Sergeant",
    "inspector": "Inspector",
    "admin": "Administrator",
}


def register(router: Router) -> None:
    router.command("help", _help_for(router), summary="what you can do here")
    router.command("whoami", whoami, summary="who I think you are, your team and supervisors")
    router.command("who am i", whoami, listed=False)


def _help_for(router: Router):  # type: ignore[no-untyped-def]
    async def help_(turn: Turn) -> list[Reply]:
        role = turn.officer.role
        lines = tuple(
            f"{c.usage} — {c.summary}" if c.summary else c.usage
            for c in sorted(router.commands_for(role), key=lambda c: c.usage)
        )
        card = Card(
            title=f"What you can do ({ROLE_NAMES[role]})",
            sections=(
                Section(lines=lines),
                Section(
                    lines=(
                        "Answer prompts with one tap, or type the answer "
                        "(for example 'in person', 'remote', 'rest day').",
                    )
                ),
            ),
        )
        return [Reply(card=card)]

    return help_


async def whoami(turn: Turn) -> list[Reply]:
    me = turn.officer
    facts: list[tuple[str, str]] = [
        ("Name", me.name),
        ("Collar number", me.collar_number),
        ("Role", ROLE_TITLES.get(me.role, me.role)),
        ("District", me.district or "—"),
    ]
    team = await officers.team(turn.session, me.team_id)
    if team is not None:
        facts.append(("Team", team.name))
        sergeants = await officers.sergeants_of(turn.session, team.id)
        leaders = await officers.team_leaders_of(turn.session, team.id)
        facts.append(("Team leaders", _names(leaders)))
        facts.append(("Supervising sergeants", _names(sergeants)))
    supervised = await officers.supervised_teams(turn.session, me.id)
    if supervised:
        facts.append(("Teams you supervise", ", ".join(t.name for t in supervised)))
    return [
        Reply(card=Card(title="Who you are to this bot", sections=(Section(facts=tuple(facts)),)))
    ]


def _names(people) -> str:  # type: ignore[no-untyped-def]
    return ", ".join(f"{p.name} ({p.collar_number})" for p in people) or "none on the roster"
