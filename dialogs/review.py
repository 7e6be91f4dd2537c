"""Workflow 5: the sergeant's morning review, one card per team, exceptions first.

At the team's review time each supervising sergeant gets the team's card: what needs
attention, today's briefing attendance, the previous briefing day's tasks, returns and
BWV answers. `review [TEAM] [DATE]` gives it on demand to sergeants of the team,
inspectors of its district and admins; "Reviewed" (`review.ack`, typed `reviewed [TEAM]
[DATE]`) records who read it.
Every card sent or shown, and every read, is written to the audit log.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.away import label as away_label
from dialogs.bwv import CATEGORY
from dialogs.bwv import TITLES as BWV_TITLES
from dialogs.calendar import briefing_days_back, is_briefing_day, previous_briefing_day
from dialogs.core import Action, Card, Reply, Section, Turn, UserError
from dialogs.counts import count_facts, count_values
from dialogs.jobs import TeamJobContext, fan_out, on_briefing_days, team_job
from dialogs.officer_day import ANSWER_TITLES, local_hhmm, short_day
from dialogs.router import Router
from dialogs.supervision import (
    OUTCOME_TITLES,
    REVIEWERS,
    choose_team,
    labels,
    names,
    parse_date,
    split_date,
)
from storage import audit, officers, supervision
from storage.models import ATTENDANCE_ANSWERS, BWV_STATUSES, Officer, Team
from storage.review import Person, Review, ReviewDays, TaskLine, build_review

VERB = "review.ack"
JOB = "morning-review"
SILENT_DAYS = 3


def register(router: Router) -> None:
    router.command(
        "review",
        show_review,
        roles=REVIEWERS,
        usage="review [TEAM] [DATE]",
        summary="a team's morning review, e.g. review Maidstone PSTF 2026-12-01",
    )
    router.command(
        "reviewed",
        mark_reviewed,
        roles=REVIEWERS,
        usage="reviewed [TEAM] [DATE]",
        summary="mark a team's morning review as read (the Reviewed button, typed)",
    )
    router.verb(VERB, acknowledge, roles=REVIEWERS)
    router.job(
        team_job(
            name=JOB,
            run=send_reviews,
            due=on_briefing_days("review_time"),
            grace=timedelta(hours=3),
            summary="the morning review card to each supervising sergeant",
        )
    )


def review_days(team: Team, day: date) -> ReviewDays:
    return ReviewDays(
        day=day,
        previous=previous_briefing_day(team, day),
        recent=tuple(briefing_days_back(team, day, SILENT_DAYS)),
        briefing_today=is_briefing_day(team, day),
    )


async def load_review(session: AsyncSession, team: Team, day: date, zone: ZoneInfo) -> Review:
    return await build_review(session, team, review_days(team, day), zone)


# --- on demand and "Reviewed" ------------------------------------------------------------


async def show_review(turn: Turn) -> list[Reply]:
    team_words, day = split_date(turn.text, turn.today)
    team = await choose_team(turn, team_words, command="review")
    await _check_can_see(turn, team)
    review = await load_review(turn.session, team, day, turn.zone)
    await audit.record(
        turn.session,
        "review.view",
        at=turn.now,
        officer=turn.officer,
        team=team.name,
        day=day.isoformat(),
    )
    return [Reply(card=review_card(review, turn.officer.id, turn.zone))]


async def acknowledge(turn: Turn) -> list[Reply]:
    """`review.ack`: the "Reviewed" button; the card is updated in place."""
    data = turn.data or {}
    team = await choose_team(turn, str(data.get("team") or ""), command="review")
    day = parse_date(data.get("date"), "date")
    return await _mark_read(turn, team, day, replace=True)


async def mark_reviewed(turn: Turn) -> list[Reply]:
    """`reviewed [TEAM] [DATE]`: the typed equivalent of the "Reviewed" button."""
    team_words, day = split_date(turn.text, turn.today)
    team = await choose_team(turn, team_words, command="reviewed")
    return await _mark_read(turn, team, day, replace=False)


async def _mark_read(turn: Turn, team: Team, day: date, *, replace: bool) -> list[Reply]:
    """Record (once) and audit that this officer read the team's review for the day."""
    await _check_can_see(turn, team)
    _read, new = await supervision.mark_read(
        turn.session, team_id=team.id, day=day, officer_id=turn.officer.id, read_at=turn.now
    )
    if new:
        await audit.record(
            turn.session,
            "review.ack",
            at=turn.now,
            officer=turn.officer,
            team=team.name,
            day=day.isoformat(),
        )
    review = await load_review(turn.session, team, day, turn.zone)
    return [Reply(card=review_card(review, turn.officer.id, turn.zone), replace=replace)]


async def _check_can_see(turn: Turn, team: Team) -> None:
    if not await officers.can_see_team(turn.session, turn.officer, team):
        raise UserError("Sorry, only the team's sergeants, its inspector and admins can see that.")


# --- the scheduled review ----------------------------------------------------------------


async def send_reviews(context: TeamJobContext) -> int:
    """One card per supervising sergeant, keyed per sergeant, team and day."""
    team, session, zone = context.team, context.session, context.settings.zone
    review = await load_review(session, team, context.day, zone)

    def card(sergeant: Officer) -> Reply:
        return Reply(card=review_card(review, sergeant.id, zone))

    sergeants = await officers.sergeants_of(session, team.id)
    sent = await fan_out(context, job=JOB, to=sergeants, reply=card, suffix=f"team{team.id}")
    for sergeant in sent:
        await audit.record(
            session,
            "review.sent",
            at=context.recorded_at,
            actor="system",
            to=sergeant.collar_number,
            team=team.name,
            day=context.day.isoformat(),
        )
    return len(sent)


# --- the card ----------------------------------------------------------------------------


def review_card(review: Review, viewer_id: int, zone: ZoneInfo) -> Card:
    """Exceptions first; one line when there is nothing to report. The "Reviewed" button
    shows until the viewer has marked this review as read."""
    team, day = review.team, review.days.day
    title = f"Morning review: {team.name}, {short_day(day)}"
    if review.nothing_to_report:
        sections: tuple[Section, ...] = (
            Section(lines=("Nothing to report: no answers, tasks, returns or flags recorded.",)),
        )
    else:
        sections = (
            Section(heading="Needs your attention", lines=exception_lines(review, zone)),
            _attendance(review, zone),
            _tasks(review),
            *_pcso_returns(review),
            _bwv(review),
        )
    read_by = [p.id for p, _ in review.reads]
    if review.reads:
        seen = "; ".join(f"{p.name} at {local_hhmm(at, zone)}" for p, at in review.reads)
        sections = (*sections, Section(lines=(f"Reviewed by {seen}.",)))
    actions: tuple[Action, ...] = ()
    if viewer_id not in read_by:
        data = {"verb": VERB, "team": team.name, "date": day.isoformat()}
        actions = (Action("Reviewed", data, style="positive"),)
    return Card(title=title, sections=sections, actions=actions)


def exception_lines(review: Review, zone: ZoneInfo) -> tuple[str, ...]:
    flags, prev = review.flags, review.days.previous
    lines = [
        f"Cannot reach {p.label} since {short_day(since.astimezone(zone).date())}"
        + (f" ({why[:80]})" if why else "")
        for p, since, why in flags.unreachable
    ]
    if flags.silent:
        lines.append(f"No briefing answers three briefing days running: {labels(flags.silent)}")
    if flags.need_help and prev:
        lines.append(f"Asked for help with BWV on {short_day(prev)}: {labels(flags.need_help)}")
    lines.extend(_overdue_line(p, last, review.days.day) for p, last in flags.overdue)
    lines.extend(_vulnerable_lines(review))
    if flags.no_sergeant:
        lines.append("Supervision: no active sergeant supervises this team.")
    lines.extend(
        f"Supervision: {p.label} oversees {n} PCSOs, more than the ratio of "
        f"{review.team.supervision_ratio}."
        for p, n in flags.overloaded
    )
    return tuple(lines) or ("No exceptions.",)


def _overdue_line(who: Person, last: date | None, day: date) -> str:
    if last is None:
        return f"One-to-one overdue: {who.label} (none recorded)"
    return f"One-to-one overdue: {who.label} (last {short_day(last)}, {(day - last).days} days ago)"


def _vulnerable_lines(review: Review) -> list[str]:
    flags, prev = review.flags, review.days.previous
    if not (flags.vulnerable_team or flags.vulnerable_pcsos) or prev is None:
        return []
    parts = [f"team return {flags.vulnerable_team}"] if flags.vulnerable_team else []
    parts.extend(f"{p.label} {n}" for p, n in flags.vulnerable_pcsos)
    return [
        f"Engagements with vulnerable people on {short_day(prev)}: {', '.join(parts)}. "
        f'Check the footage is categorised "{CATEGORY}".'
    ]


def _answered(who: Person, review: Review, zone: ZoneInfo) -> str:
    """A name, marked with the time when the answer came after the review time."""
    at = review.late.get(who.id)
    return who.name if at is None else f"{who.name} (late, {local_hhmm(at, zone)})"


def _attendance(review: Review, zone: ZoneInfo) -> Section:
    heading = f"Briefing today, {short_day(review.days.day)}"
    if not review.days.briefing_today and not review.attendance:
        return Section(heading=heading, lines=("Not a briefing day.",))
    facts: list[tuple[str, str]] = []
    for answer in ATTENDANCE_ANSWERS:
        answered = ", ".join(_answered(p, review, zone) for p in review.attendance.get(answer, ()))
        away = [f"{p.name} (away)" for p in review.away.get(answer, ())]
        shown = ", ".join(x for x in (answered, *away) if x)
        if shown:
            facts.append((ANSWER_TITLES[answer], shown))
    facts.extend(
        (f"Away, {away_label(reason)}", names(people))
        for reason, people in review.away.items()
        if reason not in ATTENDANCE_ANSWERS
    )
    facts.append(("No answer", names(review.no_answer) or "none"))
    return Section(heading=heading, facts=tuple(facts))


def _tasks(review: Review) -> Section:
    prev = review.days.previous
    if prev is None:
        return Section(heading="Tasks", lines=("No previous briefing day.",))
    heading = f"Tasks and returns, {short_day(prev)}"
    lines = [_task_text(t) for t in review.tasks] or ["No tasks were set."]
    if review.outstanding:
        lines.append("Outstanding: " + ", ".join(f"task {t.position}" for t in review.outstanding))
    returns = review.returns
    if returns is None:
        lines.append("Returns: not received.")
        return Section(heading=heading, lines=tuple(lines))
    by = review.returns_by.name if review.returns_by else "unknown"
    lines.append(f"Returns from {by}." + (f" Notes: {returns.notes}" if returns.notes else ""))
    return Section(heading=heading, lines=tuple(lines), facts=count_facts(returns.counts))


def _task_text(task: TaskLine) -> str:
    ref = f" [{task.reference}]" if task.reference else ""
    who = names(task.assignees)
    if task.outcome is None:
        result = "no outcome"
    else:
        result = OUTCOME_TITLES[task.outcome.outcome].lower()
        result += f": {task.outcome.note}" if task.outcome.note else ""
    return f"{task.position}. {task.description}{ref} — {who} — {result}"


def _pcso_returns(review: Review) -> tuple[Section, ...]:
    prev = review.days.previous
    if not review.team.pcso_returns or prev is None:
        return ()
    lines = [
        f"{p.name}: "
        + ", ".join(f"{label} {value}" for label, value in count_facts(count_values(row)))
        + (f". {row.notes}" if row.notes else "")
        for p, row in review.pcso_returns
    ]
    if review.pcso_returns_missing:
        lines.append(f"No return: {names(review.pcso_returns_missing)}")
    return (Section(heading=f"PCSO returns, {short_day(prev)}", lines=tuple(lines) or ("None.",)),)


def _bwv(review: Review) -> Section:
    prev = review.days.previous
    if prev is None:
        return Section(heading="BWV", lines=("No previous briefing day.",))
    facts = [
        (BWV_TITLES[status], names(review.bwv[status]))
        for status in BWV_STATUSES
        if status in review.bwv
    ]
    facts.append(("No answer", names(review.bwv_no_answer) or "none"))
    return Section(heading=f"BWV, {short_day(prev)}", facts=tuple(facts))
