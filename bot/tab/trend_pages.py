"""The twelve-week pages: a supervisor's overview of their teams (or one team) and one
PCSO's page, drawn from `dialogs.trends` (docs/supervision-tab.md says what each chart
and column counts)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from markupsafe import Markup

from bot.tab.charts import figure_text, grouped_bars, rate_lines, sparkline, stacked_bars
from bot.tab.html import Child, data_table, el, link, markup, text
from bot.tab.signal_list import discussed, open_signals
from bot.tab.view import (
    PageError,
    Request,
    Shown,
    district_link,
    districts_of,
    officer_link,
    review_link,
    team_names,
)
from dialogs.sections import (
    ATTENDANCE_CHART,
    RATES_CHART,
    TEAM,
    VULNERABLE_CHART,
    Cell,
    Series,
    Tally,
    TrendScope,
    TrendWeeks,
)
from dialogs.signals import KINDS, Signal, discussed_signals, find_signals, signal_order
from dialogs.signals.kinds import TITLES
from dialogs.trends import Trends, load_trends, trend_weeks
from dialogs.wording import short_day
from storage import officers
from storage.models import Officer, Role, Team

CHARTS = (
    (
        ATTENDANCE_CHART,
        "Briefing attendance",
        "Each briefing day of each member counted once, week by week: by their answer, away "
        "(booked), or no answer.",
    ),
    (
        RATES_CHART,
        "Rates",
        "Week by week: briefing attendance, tasking returns completed, BWV answered on days "
        "on duty, and VPC-categorised of the days with a vulnerable contact.",
    ),
    (
        VULNERABLE_CHART,
        "Vulnerable contacts",
        "Week by week: days a member said they engaged with a vulnerable person, and the "
        "engagements with vulnerable people the returns record (each counted apart).",
    ),
)
DRAW = {
    ATTENDANCE_CHART: stacked_bars,
    RATES_CHART: rate_lines,
    VULNERABLE_CHART: grouped_bars,
}


PCSO_TABLE_TEAMS = 3
"""The most teams whose overview lists every PCSO (a sergeant's usual span). An overview of
more teams, or an inspector's or an admin's, has a row per team instead, each opening the
team's own page, where its PCSOs and its open signals are listed."""


def per_team(request: Request, teams: Sequence[Team]) -> bool:
    """Whether the overview of `teams` has a row per team rather than per PCSO."""
    return request.officer.role != Role.SERGEANT.value or len(teams) > PCSO_TABLE_TEAMS


async def overview_page(request: Request) -> tuple[str, Markup, Shown]:
    """The viewer's teams (or the one in `team`, or a district's in `district`): the charts,
    a row per PCSO (or, over many teams, per team), the open signals, and the links to
    today's reviews. Teams in more than one district, with a row per team (an admin's
    force), open on the list of districts instead."""
    chosen, district, teams = await overview_teams(request)
    if chosen:
        title = f"Supervision: {chosen.name}"
    elif district:
        title = f"Supervision: {district}"
    else:
        title = "Supervision: your teams"
        if per_team(request, teams) and len(districts_of(teams)) > 1:
            return await districts_page(request)
    shown = {"teams": team_names(teams), "day": request.today.isoformat()}
    if district:
        shown["district"] = district
    if not teams:
        html = el("div", {"class": "page page-overview"}, el("p", None, NO_TEAMS))
        return title, html, shown
    weeks = trend_weeks(request.today)
    by_team = chosen is None and per_team(request, teams)
    figures = await team_figures(request, teams, by_officer=not by_team)
    series = charts(summed(figures.values()), weeks.mondays, "overview")
    if by_team:
        parts: tuple[Child, ...] = (
            signals_by_team(teams, figures),
            series,
            teams_table(teams, figures, weeks.mondays),
        )
    else:
        signals = sorted((s for f in figures.values() for s in f.signals), key=signal_order)
        parts = (open_signals(signals), series, members_table([figures[t.id] for t in teams]))
    history = await discussed_signals(
        request.session, teams, first=weeks.first, last=request.today, zone=request.zone
    )
    html = el(
        "div",
        {"class": "page page-overview"},
        _team_choice(request.teams, chosen, district),
        window(weeks),
        _reviews(teams, request),
        *parts,
        discussed(history, request.zone, heading="Signals discussed in the twelve weeks"),
    )
    return title, html, shown


@dataclass(frozen=True)
class TeamFigures:
    """What an overview shows of one team: its weekly series (each with the place of its
    part, for the charts), its signals and how many members it has; and, on an overview
    with a row per team, the team's row, or, with a row per PCSO, each member's row
    (written once) and the columns they have. None of it depends on the other teams, so
    it is kept per team and day while the team's stamp stands, and a page drawn again
    after a write to one of its teams counts that team alone."""

    series: tuple[tuple[int, Series], ...]
    signals: tuple[Signal, ...]
    members: int
    cells: tuple[Cell, ...] = ()
    rows: tuple[tuple[Child, ...], ...] = ()
    labels: tuple[str, ...] = ()
    spark: str | None = None

    @property
    def open_signals(self) -> int:
        return sum(1 for s in self.signals if s.open)


async def team_figures(
    request: Request, teams: Sequence[Team], *, by_officer: bool
) -> dict[int, TeamFigures]:
    """Each team's figures: kept ones whose team's stamp stands (`request.stamps`, read
    before anything else the page shows), the others counted together, in one set of
    statements, and kept."""
    kept = request.kept_teams if request.stamps is not None else None
    stamps = request.stamps or {}
    found: dict[int, TeamFigures] = {}
    if kept is not None:
        for team in teams:
            figures = kept.find((team.id, by_officer), request.today, stamps.get(team.id))
            if figures is not None:
                found[team.id] = figures
    stale = [t for t in teams if t.id not in found]
    if not stale:
        return found
    members, trends, signals = await counted(request, stale, by_officer=by_officer)
    for team in stale:
        scope = TrendScope(frozenset({team.id}))
        mine = tuple(s for s in signals if s.team.id == team.id)
        rows, labels, spark = _member_rows(trends, scope, mine) if by_officer else ((), (), None)
        figures = TeamFigures(
            series=tuple(
                (n, series)
                for n, part in enumerate(trends.parts)
                for series in part.series(trends.context, scope)
            ),
            signals=mine,
            members=len(members.get(team.id, ())),
            cells=() if by_officer else tuple(trends.row((team.id, TEAM))),
            rows=rows,
            labels=labels,
            spark=spark,
        )
        found[team.id] = figures
        if kept is not None:
            kept.keep((team.id, by_officer), request.today, stamps.get(team.id), figures)
    return found


MemberRows = tuple[tuple[tuple[Child, ...], ...], tuple[str, ...], str | None]


def _member_rows(trends: Trends, scope: TrendScope, signals: Sequence[Signal]) -> MemberRows:
    """A row per member of the scope's team (their twelve weeks' figures, their open signals
    and a line of the first rate, week by week), the columns' labels and the rate drawn."""
    open_count = Counter(s.officer.id for s in signals if s.open)
    rows = [(team, member, trends.cells(member)) for team, member in trends.members(scope)]
    if not rows:
        return (), (), None
    labels = tuple(c.label for c in rows[0][2])
    spark = next((c.label for c in rows[0][2] if _is_rate(c)), None)
    body = tuple(
        (
            link(officer_link(member), member.name),
            member.collar_number,
            team.name,
            *(_cell(c) for c in cells),
            el("span", {"class": "figure", "data-key": "signals.open"}, open_count[member.id]),
            *([_spark(cells, trends.weeks.mondays)] if spark else []),
        )
        for team, member, cells in rows
    )
    return body, labels, spark


async def counted(
    request: Request, teams: Sequence[Team], *, by_officer: bool
) -> tuple[Mapping[int, Sequence[Officer]], Trends, list[Signal]]:
    """The teams' members now, their twelve weeks (per member, or per team) and their
    signals."""
    members = await officers.members_of_teams(request.session, [t.id for t in teams])
    trends = await load_trends(
        request.views,
        request.session,
        teams,
        today=request.today,
        zone=request.zone,
        by_officer=by_officer,
        members=members,
    )
    signals = await find_signals(
        request.session, teams, today=request.today, zone=request.zone, members=members
    )
    return members, trends, list(signals)


def summed(figures: Iterable[TeamFigures]) -> list[Series]:
    """The teams' series added up week by week, in their parts' order (a part may draw a
    series for some teams only, as the PCSO returns do for the teams that use them). Added
    as numbers, as `Tally`'s `+` adds them, a `Tally` made once a week at the end."""
    sums: dict[tuple[int, str], tuple[Series, list[int], list[int | None]]] = {}
    for team in figures:
        for n, series in team.series:
            found = sums.get((n, series.key))
            if found is None:
                counts = [t.count for t in series.weeks]
                sums[(n, series.key)] = (series, counts, [t.of for t in series.weeks])
                continue
            _, counts, dues = found
            for week, tally in enumerate(series.weeks):
                counts[week] += tally.count
                if tally.of is not None:
                    dues[week] = tally.of + (dues[week] or 0)
    return [
        replace(series, weeks=tuple(map(Tally, counts, dues)))
        for _, (series, counts, dues) in sorted(sums.items(), key=lambda item: item[0][0])
    ]


async def overview_teams(request: Request) -> tuple[Team | None, str | None, list[Team]]:
    """The team an overview is of (its `team` parameter), or its district (`district`), and
    the teams it shows, by name: that team, the district's, or all the viewer's."""
    chosen = await request.team()
    district = None if chosen else await request.district()
    if chosen:
        teams = [chosen]
    elif district:
        teams = [t for t in request.teams if t.district.casefold() == district.casefold()]
    else:
        teams = list(request.teams)
    return chosen, district, sorted(teams, key=lambda t: t.name)


async def shown_teams(request: Request) -> list[Team]:
    """The teams the overview asked for shows (what it is kept against)."""
    return (await overview_teams(request))[2]


async def districts_page(request: Request) -> tuple[str, Markup, Shown]:
    """The districts of the viewer's teams (an admin's force), each opening its overview as
    its inspector sees it: the force's figures are read district by district, as the
    chain of command returns them, and a page stays one district's size."""
    names = districts_of(request.teams)
    counts = await officers.member_counts(request.session, [t.id for t in request.teams])
    rows = []
    for name in names:
        teams = sorted(
            (t for t in request.teams if t.district.casefold() == name.casefold()),
            key=lambda t: t.name,
        )
        rows.append(
            (
                link(district_link(name), name),
                _comma([link(f"#overview?team={t.id}", t.name) for t in teams]),
                el(
                    "span",
                    {"class": "figure", "data-key": "members"},
                    sum(counts.get(t.id, 0) for t in teams),
                ),
            )
        )
    html = el(
        "div",
        {"class": "page page-overview page-districts"},
        _team_choice(request.teams, None, None),
        el(
            "p",
            {"class": "note"},
            "Your teams are in more than one district. A district's name opens its "
            "overview, as its inspector sees it: twelve weeks of charts, a row per team and "
            "its open signals; a team's name opens the team's page.",
        ),
        el(
            "section",
            {"class": "members districts"},
            el("h3", None, "Districts"),
            data_table(["District", "Teams", "Members"], rows),
        ),
    )
    shown = {"districts": ", ".join(names), "day": request.today.isoformat()}
    return "Supervision: your districts", html, shown


NO_TEAMS = "You have no teams on the roster to supervise. Ask your administrator."


async def officer_page(request: Request) -> tuple[str, Markup, Shown]:
    """One PCSO's (or team leader's) twelve weeks."""
    officer, team = await request.member()
    _, trends, signals = await counted(request, [team], by_officer=True)
    scope = TrendScope(frozenset({team.id}), officer.id)
    if not trends.members(scope):
        raise PageError(404, f"{officer.collar_number} is not a member of {team.name}.")
    cells = trends.cells(officer)
    mine = [s for s in signals if s.officer.id == officer.id]
    history = await discussed_signals(
        request.session, [team], first=trends.weeks.first, last=request.today, zone=request.zone
    )
    marked = {s.key: s for s in [*history, *mine] if s.officer.id == officer.id and not s.open}
    facts = el(
        "dl",
        {"class": "facts"},
        [(el("dt", None, c.label), el("dd", None, _cell(c))) for c in cells],
    )
    html = el(
        "div",
        {"class": "page page-officer", "data-collar": officer.collar_number},
        el(
            "nav",
            {"class": "page-nav"},
            link(f"#overview?team={team.id}", f"‹ {team.name}"),
            link(review_link(team, request.today), "Today's review"),
        ),
        el("p", {"class": "who"}, f"{_role(officer)}, {team.name}"),
        window(trends.weeks),
        open_signals(mine),
        el("section", {"class": "totals"}, el("h3", None, "Twelve weeks"), facts),
        charts(trends.series(scope), trends.weeks.mondays, f"officer-{officer.collar_number}"),
        discussed(
            sorted(marked.values(), key=_marked_at, reverse=True),
            request.zone,
            heading="Signals discussed",
        ),
    )
    shown = {"team": team.name, "collar": officer.collar_number, "day": request.today.isoformat()}
    return f"{officer.name} ({officer.collar_number})", html, shown


def _role(officer: Officer) -> str:
    return "Team leader" if officer.role == "team_leader" else "PCSO"


def window(weeks: TrendWeeks) -> Markup:
    return el(
        "p",
        {
            "class": "window",
            "data-first": weeks.first.isoformat(),
            "data-last": weeks.last.isoformat(),
        },
        f"Twelve weeks from {short_day(weeks.first)}, counted up to {short_day(weeks.last)}. "
        "Today's answers are still coming in: they are in today's review.",
    )


def _team_choice(teams: Sequence[Team], chosen: Team | None, district: str | None) -> Markup | None:
    """Links to the viewer's other overviews: all their teams and each team; or, over
    several districts, all districts, each district and the teams of the one open."""
    if len(teams) < 2:
        return None
    names = districts_of(teams)
    if len(names) < 2:
        items = [("#overview", "All your teams", chosen is None)]
        shown = list(teams)
    else:
        here = district or (chosen.district if chosen else None)
        items = [("#overview", "All districts", chosen is None and district is None)]
        items += [
            (district_link(n), n, chosen is None and (district or "").casefold() == n.casefold())
            for n in names
        ]
        shown = [t for t in teams if here and t.district.casefold() == here.casefold()]
    items += [
        (f"#overview?team={t.id}", t.name, chosen is not None and chosen.id == t.id)
        for t in sorted(shown, key=lambda t: t.name)
    ]
    return el(
        "nav",
        {"class": "team-choice", "aria-label": "Teams"},
        el(
            "ul",
            None,
            [
                el("li", None, el("a", {"href": h, "aria-current": "page" if on else None}, text))
                for h, text, on in items
            ],
        ),
    )


def _reviews(teams: Sequence[Team], request: Request) -> Markup:
    return el(
        "p",
        {"class": "reviews"},
        "Today's review: ",
        _comma([link(review_link(t, request.today), t.name) for t in teams]),
    )


def _comma(items: Sequence[Markup]) -> list[Child]:
    out: list[Child] = []
    for n, item in enumerate(items):
        out.extend([", "] if n else [])
        out.append(item)
    return out


def charts(series: Sequence[Series], mondays: Sequence[date], prefix: str) -> Markup:
    """The three charts of the series, full width on a phone and in a grid on a desktop."""
    drawn = []
    for kind, title, description in CHARTS:
        mine = [s for s in series if s.chart == kind]
        if mine:
            drawn.append(DRAW[kind](f"{prefix}-{kind}", title, description, mondays, mine))
    return el("div", {"class": "charts"}, drawn)


def _marked_at(signal: Signal) -> datetime:
    return signal.discussion.at if signal.discussion else datetime.min.replace(tzinfo=UTC)


def members_table(teams: Sequence[TeamFigures]) -> Markup:
    """A row per member, team by team, under the columns of the first team's first member."""
    first = next((t for t in teams if t.rows), None)
    body = [row for team in teams for row in team.rows]
    columns = ["PCSO", "Collar", "Team"]
    if first is not None:
        columns += [*first.labels, "Open signals"]
        if first.spark:
            columns.append(f"{first.spark}, week by week")
    return el(
        "section",
        {"class": "members"},
        el("h3", None, "PCSOs and team leaders, twelve weeks"),
        data_table(columns, body) if body else el("p", None, "No members on the roster."),
    )


def teams_table(
    teams: Sequence[Team], figures: Mapping[int, TeamFigures], mondays: Sequence[date]
) -> Markup:
    """A row per team: its twelve weeks' figures, its open signals and a line of the first
    rate, week by week; the team's name opens its page (a row per PCSO)."""
    rows = [(team, figures[team.id].cells) for team in teams]
    labels = [c.label for c in rows[0][1]] if rows else []
    spark = next((c.label for c in rows[0][1] if _is_rate(c)), None) if rows else None
    columns = ["Team", "Members", *labels, "Open signals"]
    if spark:
        columns.append(f"{spark}, week by week")
    body = [
        (
            link(f"#overview?team={team.id}", team.name),
            el("span", {"class": "figure", "data-key": "members"}, figures[team.id].members),
            *(_cell(c) for c in cells),
            el(
                "span",
                {"class": "figure", "data-key": "signals.open"},
                figures[team.id].open_signals,
            ),
            *([_spark(cells, mondays)] if spark else []),
        )
        for team, cells in rows
    ]
    return el(
        "section",
        {"class": "members teams"},
        el("h3", None, "Teams, twelve weeks"),
        el("p", {"class": "note"}, "A team's name opens its page: a row per PCSO."),
        data_table(columns, body),
    )


def signals_by_team(teams: Sequence[Team], figures: Mapping[int, TeamFigures]) -> Markup:
    """The open signals over many teams: how many each team has of each kind, the team's
    name opening its page, where they are listed with their evidence."""
    counts = Counter((t.id, s.kind) for t in teams for s in figures[t.id].signals if s.open)
    totals = Counter({t.id: figures[t.id].open_signals for t in teams})
    kinds = [k for k in KINDS if any(counts[(t.id, k)] for t in teams)]
    opened = sum(totals.values())
    body = [
        (
            link(f"#overview?team={team.id}", team.name),
            el("span", {"class": "figure", "data-key": "signals.open"}, totals[team.id]),
            *(counts[(team.id, k)] or "—" for k in kinds),
        )
        for team in teams
        if totals[team.id]
    ]
    return el(
        "section",
        {"class": "signals open-signals", "data-count": opened},
        el("h3", None, f"Open signals ({opened})"),
        el(
            "p",
            {"class": "note"},
            "Patterns to raise with the officer, for discussion, never a finding. Team by "
            "team: a team's name opens its page, with each signal and its evidence.",
        ),
        data_table(["Team", "Open", *(TITLES[k] for k in kinds)], body)
        if body
        else el("p", None, "None open."),
    )


def _is_rate(cell: Cell) -> bool:
    return cell.weeks[0].of is not None


def _spark(cells: Sequence[Cell], mondays: Sequence[date]) -> Markup:
    first = next(c for c in cells if _is_rate(c))
    return sparkline(first.label, first.weeks, mondays)


def _cell(cell: Cell) -> Markup:
    """A table cell's figure, written as one string (a table has hundreds)."""
    count = sum(t.count for t in cell.weeks)
    dues = [t.of for t in cell.weeks if t.of is not None]
    of = sum(dues) if dues else None  # `cell.total`, without a `Tally` made a week
    data_of = "" if of is None else f' data-of="{of}"'
    return markup(
        f'<span class="figure" data-key="{text(cell.key)}" data-count="{count}"{data_of}>'
        f"{_figure(Tally(count, of))}</span>"
    )


def _figure(tally: Tally) -> str:
    """'87%' with '20 of 23' under it; '—' when nothing was due; or the count."""
    if tally.of is None or not tally.of:
        return f'<span class="value">{text(figure_text(tally))}</span>'
    percent = round(100 * tally.count / tally.of)
    return (
        f'<span class="value">{percent}%</span><span class="of">{tally.count} of {tally.of}</span>'
    )
