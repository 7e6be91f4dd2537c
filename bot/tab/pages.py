"""The supervision tab's pages: what the server shows in its shell for a page name and its
parameters, for a signed-in viewer, and what was shown (for the audit entry the server
writes). Who may see what is decided here, from the roster: a sergeant their teams, an
inspector their district's, an admin every team (`Viewer.teams`); a PCSO or team leader
only their own week.

Pages never write to the store. Links between pages are hash links the shell follows
(`#overview?team=3`, `#officer?collar=P301`, `#review?team=3&date=2026-12-01`, `#week`).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.tab.html import card_html, el, link
from bot.tab.kept_pages import KeptPages
from bot.tab.trend_pages import officer_page, overview_page, shown_teams
from bot.tab.view import PageError, Request, Shown, review_link
from dialogs.calendar import EARLIEST
from dialogs.my_week import week_card
from dialogs.review.card import review_card
from dialogs.review.view import load_review
from dialogs.router import Views
from dialogs.supervision import REVIEWERS
from dialogs.wording import short_day
from storage.models import Officer, Team
from storage.stamps import team_stamps

__all__ = ["PAGES", "KeptPages", "Page", "PageError", "Viewer", "render_page"]

PAGES = ("overview", "officer", "review", "week")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Viewer:
    """The signed-in officer, and the teams they may see (`storage.officers.visible_teams`
    for a sergeant, inspector or admin; none for a PCSO or team leader)."""

    officer: Officer
    teams: tuple[Team, ...]


@dataclass(frozen=True)
class Page:
    title: str
    html: str
    shown: dict[str, str]


async def render_page(
    name: str,
    params: Mapping[str, str],
    *,
    session: AsyncSession,
    viewer: Viewer,
    now: datetime,
    zone: ZoneInfo,
    views: Views,
    kept: KeptPages[Page] | None = None,
) -> Page:
    """The page `name` for the viewer; `PageError` for an unknown page (404), a bad
    parameter (400) or anything the viewer may not see (403). With `kept`, a page of
    `KEPT` drawn before for the same viewer and day is handed back while the stamps of
    the teams it shows stand (`bot/tab/kept_pages.py`)."""
    render = RENDERERS.get(name)
    if render is None:
        raise PageError(404, f"There is no page called '{name[:40]}'.")
    if name != "week" and viewer.officer.role not in REVIEWERS:
        raise PageError(403, "Only sergeants, inspectors and admins can see team pages.")
    today = now.astimezone(zone).date()
    request = Request(session, viewer.officer, viewer.teams, params, today, now, zone, views)
    shows = KEPT.get(name)
    if kept is None or shows is None:
        return await _drawn(name, render, request)
    team_ids = [t.id for t in await shows(request)]
    stamps = await team_stamps(session, team_ids)  # before anything the page shows
    key = kept.key(name, params, viewer.officer, viewer.teams, today)
    page = kept.find(key, today, stamps)
    if page is None:
        request = replace(request, stamps=stamps, kept_teams=kept.teams)
        page = await _drawn(name, render, request)
        kept.keep(key, today, stamps, team_ids, page)
    return page


async def _drawn(name: str, render: Renderer, request: Request) -> Page:
    title, html, shown = await render(request)
    return Page(title=title, html=str(html), shown={"page": name, **shown})


async def review_page(request: Request) -> tuple[str, Markup, Shown]:
    """The day's morning review of one of the viewer's teams, as the card shows it."""
    team = await request.team(required=True)
    assert team is not None
    day = _review_date(request)
    review = await load_review(request.session, team, day, request.zone, request.views)
    card = review_card(review, request.officer.id, request.zone)
    earlier, later = day - timedelta(days=1), day + timedelta(days=1)
    nav = el(
        "nav",
        {"class": "page-nav", "aria-label": "Other days"},
        link(review_link(team, earlier), f"‹ {short_day(earlier)}"),
        link(review_link(team, later), f"{short_day(later)} ›") if later <= request.today else None,
        link(f"#overview?team={team.id}", f"{team.name}: twelve weeks"),
    )
    note = el(
        "p",
        {"class": "note"},
        "Mark it reviewed with the Reviewed button on the review card in the chat, or by "
        f"typing: reviewed {team.name} {day.isoformat()}",
    )
    html = el("div", {"class": "page page-review"}, nav, card_html(card), note)
    shown = {"team": team.name, "day": day.isoformat()}
    return card.title, html, shown


def _review_date(request: Request) -> date:
    raw = request.params.get("date")
    if raw is None or raw == "":
        return request.today
    try:
        day = date.fromisoformat(raw) if ISO_DATE.match(raw) else None
    except ValueError:
        day = None
    if day is None or not EARLIEST <= day <= request.today:
        raise PageError(400, "The date must be a day up to today, written YYYY-MM-DD.")
    return day


async def week_page(request: Request) -> tuple[str, Markup, Shown]:
    """The viewer's own last seven days, from every workflow's `my week` part."""
    card = await week_card(
        request.views.my_week,
        request.session,
        request.officer.id,
        today=request.today,
        zone=request.zone,
    )
    html = el("div", {"class": "page page-week"}, card_html(card))
    shown = {"collar": request.officer.collar_number, "day": request.today.isoformat()}
    return card.title, html, shown


Renderer = Callable[[Request], Awaitable[tuple[str, Markup, Shown]]]
RENDERERS: dict[str, Renderer] = {
    "overview": overview_page,
    "officer": officer_page,
    "review": review_page,
    "week": week_page,
}
KEPT: dict[str, Callable[[Request], Awaitable[Sequence[Team]]]] = {"overview": shown_teams}
"""The pages kept while their teams' stamps stand, each with the teams it shows. Each reads
only stamped tables (`storage.stamps.STAMPED`)."""
