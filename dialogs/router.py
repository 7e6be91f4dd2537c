"""Routes a turn to the workflow that owns it: a card verb, a typed command, or a phrase."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from dialogs.core import Reply, Turn, UserError
from dialogs.jobs import Job
from storage.models import Role

Handler = Callable[[Turn], Awaitable[list[Reply]]]

ROLE_NAMES = {
    Role.PCSO.value: "PCSOs",
    Role.TEAM_LEADER.value: "team leaders",
    Role.SERGEANT.value: "sergeants",
    Role.INSPECTOR.value: "inspectors",
    Role.ADMIN.value: "admins",
}


# A Teams mention. `[^<]*` rather than `.*?`: a mention's text holds no `<` (Teams escapes
# it), and a lazy `.*?` rescans the rest of the text from every unclosed `<at>` (quadratic).
MENTION = re.compile(r"<at>[^<]*</at>")


def normalise(text: str) -> str:
    """Lower-case, trimmed, single-spaced; Teams mentions and trailing punctuation removed."""
    text = MENTION.sub(" ", text or "")
    text = re.sub(r"\s+", " ", text).strip().lower()
    return text.rstrip(".!?")


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    roles: frozenset[str] | None
    usage: str
    summary: str
    listed: bool

    def allows(self, role: str) -> bool:
        return self.roles is None or role in self.roles


class Router:
    """Workflows register commands (typed words) and verbs (card actions) here."""

    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._verbs: dict[str, Command] = {}
        self.jobs: dict[str, Job] = {}

    def command(
        self,
        name: str,
        handler: Handler,
        *,
        summary: str = "",
        usage: str = "",
        roles: Collection[str] | None = None,
        listed: bool = True,
    ) -> None:
        """`name` matches the whole text or its first words; the rest is `Turn.text`'s args."""
        key = normalise(name)
        if key in self._commands:
            raise ValueError(f"command {key!r} registered twice")
        self._commands[key] = Command(
            key, handler, frozenset(roles) if roles else None, usage or key, summary, listed
        )

    def verb(self, name: str, handler: Handler, *, roles: Collection[str] | None = None) -> None:
        if name in self._verbs:
            raise ValueError(f"verb {name!r} registered twice")
        self._verbs[name] = Command(
            name, handler, frozenset(roles) if roles else None, name, "", False
        )

    def job(self, job: Job) -> None:
        """A scheduled job of the workflow (see `dialogs.jobs`)."""
        if job.name in self.jobs:
            raise ValueError(f"job {job.name!r} registered twice")
        self.jobs[job.name] = job

    def commands_for(self, role: str) -> list[Command]:
        return [c for c in self._commands.values() if c.listed and c.allows(role)]

    def match(self, text: str) -> tuple[Command, str] | None:
        """The longest registered command that starts the text, and the rest of the text."""
        said = normalise(text)
        best: Command | None = None
        for name, command in self._commands.items():
            if (said == name or said.startswith(name + " ")) and (
                best is None or len(name) > len(best.name)
            ):
                best = command
        if best is None:
            return None
        words = len(best.name.split(" "))
        rest = " ".join(MENTION.sub(" ", text).split()[words:])
        return best, rest.strip()

    async def dispatch(self, turn: Turn) -> list[Reply]:
        if turn.verb is not None:
            command = self._verbs.get(turn.verb)
            if command is None:
                raise UserError(
                    "That button is no longer in use. Type help to see what you can do."
                )
            self._check_role(command, turn)
            return await command.handler(turn)
        found = self.match(turn.text)
        if found is None:
            return [Reply(text=not_understood(turn.text))]
        command, rest = found
        self._check_role(command, turn)
        turn.text = rest
        return await command.handler(turn)

    @staticmethod
    def _check_role(command: Command, turn: Turn) -> None:
        if not command.allows(turn.officer.role):
            allowed = ", ".join(ROLE_NAMES[r] for r in sorted(command.roles or ()))
            raise UserError(f"Sorry, '{command.usage}' is only for {allowed}.")


def not_understood(text: str) -> str:
    shown = normalise(text)[:40]
    if not shown:
        return "Type help to see what you can do."
    return f"Sorry, I didn't understand '{shown}'. Type help to see what you can do."
