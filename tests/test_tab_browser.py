"""The supervision tab end to end, in a real browser: Debian's Chromium driven by Playwright
(no browser downloaded; skipped with the reason where it is missing, failed under CI=true),
on the real app on a loopback port in local mode, signed in with links made by the real
`pcso-bot dashboard link`, over the demo district (`bot.demo`: three teams, twelve weeks of
history, every signal once).

One browser, one context per officer: the sergeant of two teams (S401) on the overview at
1,280 and 375 px, one team, an officer with a signal and today's review; the inspector
(I901) on the district; a PCSO on their week, refused the overview and another officer's
page in words; the other sergeant (S402) refused S401's team. Each page's charts are drawn
and its figures are the store's, counted here independently with plain SQL; every expected
signal is listed by its key; each page shown is one `tab.view` in the audit log; no script
error; nothing scrolls sideways at 375 px. Screenshots land in build/tab/ (`ROLE-PAGE-WIDTH.png`).

On SQLite only: the tab's store queries are tested on both databases in
tests/test_trends.py, tests/test_tab_pages.py and tests/test_tab_access.py; this is about
what the browser shows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import bindparam, text

from bot.demo import District
from dialogs.signals.kinds import signal_key
from tests.rig import databases
from tests.rig.district import build_district
from tests.rig.officer_day import Clock
from tests.rig.tab_browser import DESKTOP, PHONE, launched
from tests.test_tab_access import NOTICE, SHOWN, dashboard_link, made_at, until

ZONE = ZoneInfo("Europe/London")
SHOTS = Path(__file__).resolve().parent.parent / "build" / "tab"
SITTINGBOURNE, FAVERSHAM, PSTF = "Sittingbourne CSU", "Faversham CSU", "Swale PSTF"
PCSO = "P401"


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """SQLite only (the module docstring says why)."""
    return databases.sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    async with launched() as browser:
        yield browser


# --- what the store holds, counted with plain SQL ---------------------------------------------


def window(today: date) -> tuple[date, date]:
    """The tab's twelve Monday-started weeks, up to yesterday."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=11), today - timedelta(days=1)


def by_week(days: list[date]) -> dict[str, int]:
    """Days counted by the Monday of their week (ISO dates, as the charts' `data-week`)."""
    return dict(Counter((d - timedelta(days=d.weekday())).isoformat() for d in days))


async def days_where(
    sessions: Any, table: str, where: str, team_ids: list[int], today: date
) -> list[date]:
    """The days of `table`'s rows of the teams in the window meeting `where`."""
    first, last = window(today)
    query = text(
        f"SELECT day FROM {table} WHERE team_id IN :teams AND day BETWEEN :first AND :last "
        f"AND {where}"
    ).bindparams(bindparam("teams", expanding=True))
    async with sessions() as session:
        found = await session.execute(query, {"teams": team_ids, "first": first, "last": last})
        return [date.fromisoformat(str(day)) for (day,) in found]


async def per_officer(
    sessions: Any, where: str, team_ids: list[int], today: date
) -> dict[str, int]:
    """Each member's BWV rows in the window meeting `where`, by collar number."""
    first, last = window(today)
    query = text(
        "SELECT o.collar_number, COUNT(b.id) FROM officers o LEFT JOIN bwv_answers b "
        f"ON b.officer_id = o.id AND b.day BETWEEN :first AND :last AND {where} "
        "WHERE o.team_id IN :teams GROUP BY o.collar_number"
    ).bindparams(bindparam("teams", expanding=True))
    async with sessions() as session:
        found = await session.execute(query, {"teams": team_ids, "first": first, "last": last})
        return {collar: count for collar, count in found}


async def tab_views(sessions: Any) -> list[tuple[str, str]]:
    async with sessions() as session:
        found = await session.execute(text("SELECT actor, action FROM audit_log ORDER BY id"))
        return [(actor, action) for actor, action in found]


# --- what the page shows -----------------------------------------------------------------------

DRAWN = """(series) => Object.fromEntries(Array.from(
  document.querySelectorAll(`#main svg.chart-svg [data-series="${series}"][data-week]`),
  (mark) => [mark.dataset.week, Number(mark.dataset.count ?? mark.dataset.value)]))"""
CHARTS = """() => Array.from(document.querySelectorAll('#main svg.chart-svg')).map((svg) => ({
  kind: svg.dataset.chart,
  marks: svg.querySelectorAll('[data-series][data-week]').length,
  height: svg.getBoundingClientRect().height}))"""
CELLS = """(key) => Object.fromEntries(Array.from(document.querySelectorAll('#main .members tr'))
  .filter((row) => row.querySelector('a[href^="#officer?collar="]'))
  .map((row) => [row.querySelector('a').getAttribute('href').split('=')[1],
                 Number(row.querySelector(`.figure[data-key="${key}"]`).dataset.count)]))"""
OPEN_PER_TEAM = """() => Object.fromEntries(Array.from(
  document.querySelectorAll('#main .open-signals tbody tr'),
  (row) => [row.cells[0].textContent.trim(), Number(row.cells[1].textContent)]))"""
SIGNALS = """(where) => Array.from(document.querySelectorAll(`#main ${where} article.signal`),
  (a) => a.dataset.key).sort()"""


async def drawn(page: Any, series: str) -> dict[str, int]:
    """The chart's marks of a series, week → value (a week with nothing has no bar)."""
    return {w: v for w, v in (await page.evaluate(DRAWN, series)).items() if v}


async def assert_charts_drawn(page: Any, kinds: int = 3) -> None:
    charts = await page.evaluate(CHARTS)
    assert len(charts) == kinds, charts
    assert all(c["marks"] > 0 and c["height"] > 0 for c in charts), charts


def nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


# Marks what the page shows now, then asks for another page.
STALE = """(f) => { document.getElementById('main').append(Object.assign(
  document.createElement('span'), {id: 'stale'})); location.hash = f; }"""


class Tab:
    """One officer's browser tab: a context of its own, its problems, and what it showed."""

    def __init__(self, page: Any, role: str) -> None:
        self.page, self.role = page, role
        self.problems: list[str] = []
        self.shown = 0  # pages shown (each audited)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("console", self._console)

    def _console(self, message: Any) -> None:
        refused = "status of 403" in message.text  # a refusal the page then says in words
        if message.type == "error" and not refused:
            self.problems.append(message.text)

    async def go(self, fragment: str, condition: str = "true") -> None:
        await self.page.evaluate("(f) => { location.hash = f; }", fragment)
        await until(self.page, f"location.hash === {fragment!r} && {SHOWN} && {condition}")
        self.shown += 1

    async def click(self, selector: str, condition: str) -> None:
        await self.page.click(selector)
        await until(self.page, f"{SHOWN} && {condition}")
        self.shown += 1

    async def refused(self, fragment: str) -> str:
        """What the page says when `fragment` is refused (whatever was there is replaced)."""
        await self.page.evaluate(STALE, fragment)
        await until(self.page, f"!document.getElementById('stale') && {NOTICE}")
        return str(await self.page.inner_text("#main"))

    async def shoot(self, name: str, width: int) -> None:
        """A full-page screenshot at `width`; at a phone's, nothing may scroll sideways."""
        await self.page.set_viewport_size({"width": width, "height": 900})
        await self.page.evaluate("() => document.fonts.ready")
        if width == PHONE:
            scroll = await self.page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= PHONE, (self.role, name, scroll)
        await self.page.screenshot(
            path=str(SHOTS / f"{self.role}-{name}-{width}.png"), full_page=True
        )


async def open_tab(browser: Any, url: str, link: str, role: str) -> Tab:
    context = await browser.new_context(viewport={"width": DESKTOP, "height": 900})
    tab = Tab(await context.new_page(), role)
    await tab.page.goto(f"{url}/tab/#link={link}")
    await until(tab.page, SHOWN)
    tab.shown += 1  # the home page
    return tab


# --- the test ------------------------------------------------------------------------------------


async def test_the_tab_in_a_browser_for_each_role_on_the_demo_district(
    chromium: Any,
    start_bot: Any,
    database_url: str,
    sessions: Any,
    clock: Clock,
    tmp_path: Path,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # The links are made by the CLI, on the machine's clock: the service's and the district's
    # today are the machine's too.
    district = await build_district(sessions, today=datetime.now(UTC).astimezone(ZONE).date())
    links = {c: dashboard_link(database_url, tmp_path, c) for c in ("S401", "I901", PCSO, "S402")}
    clock.now = max(made_at(link) for link in links.values())
    assert clock.now.astimezone(ZONE).date() == district.today
    url = await start_bot()
    tabs = [
        await sergeant(chromium, url, links["S401"], district, sessions),
        await inspector(chromium, url, links["I901"], district, sessions),
        await pcso(chromium, url, links[PCSO]),
        await other_sergeant(chromium, url, links["S402"], district),
    ]
    for tab in tabs:
        assert tab.problems == [], (tab.role, tab.problems)
    views = await tab_views(sessions)
    assert {action for _, action in views} == {"tab.view"}
    assert Counter(actor for actor, _ in views) == {
        "S401": tabs[0].shown,
        "I901": tabs[1].shown,
        PCSO: tabs[2].shown,
        "S402": tabs[3].shown,
    }


def keys(district: District, teams: tuple[str, ...]) -> list[str]:
    """The open signals' keys in the teams."""
    return sorted(
        signal_key(e.kind, e.collar, e.days[-1])
        for e in district.expected.values()
        if district.team_of(e.collar) in teams
    )


async def sergeant(browser: Any, url: str, link: str, district: District, sessions: Any) -> Tab:
    """S401 supervises Sittingbourne CSU and Faversham CSU."""
    tab = await open_tab(browser, url, link, "sergeant")
    page, today = tab.page, district.today
    mine = (SITTINGBOURNE, FAVERSHAM)
    ids = [district.team_ids[t] for t in mine]
    assert page.url.endswith("/tab/#overview")
    await assert_charts_drawn(page)
    in_person = await days_where(
        sessions, "attendance_answers", "attendance = 'in_person'", ids, today
    )
    assert len(by_week(in_person)) >= 11  # every week up to yesterday has answers
    assert await drawn(page, "attendance.in_person") == by_week(in_person)
    assert len(keys(district, mine)) == 3
    assert await page.evaluate(SIGNALS, ".open-signals") == keys(district, mine)
    for width in (DESKTOP, PHONE):
        await tab.shoot("overview", width)

    await page.set_viewport_size({"width": DESKTOP, "height": 900})
    team = district.team_ids[SITTINGBOURNE]
    await tab.click(
        f"#main .team-choice a[href='#overview?team={team}']",
        "document.title.includes('Sittingbourne')",
    )
    answered = await days_where(sessions, "bwv_answers", "bwv_status IS NOT NULL", [team], today)
    contact = await days_where(sessions, "bwv_answers", "vulnerable_contact = 'yes'", [team], today)
    assert await drawn(page, "bwv.answered") == by_week(answered)
    assert await drawn(page, "bwv.contact") == by_week(contact)
    cells = await per_officer(sessions, "b.vulnerable_contact = 'yes'", [team], today)
    assert len(cells) == 7 and sum(cells.values()) == len(contact) > 0
    assert await page.evaluate(CELLS, "bwv.contact") == cells
    assert await page.evaluate(SIGNALS, ".open-signals") == keys(district, (SITTINGBOURNE,))
    for width in (DESKTOP, PHONE):
        await tab.shoot("team", width)

    await page.set_viewport_size({"width": DESKTOP, "height": 900})
    signalled = district.expected["vulnerable_no_vpc"].collar
    await tab.click(
        f"#main .members a[href='#officer?collar={signalled}']",
        f"document.title.includes('{signalled}')",
    )
    await assert_charts_drawn(page)
    [key] = [k for k in keys(district, (SITTINGBOURNE,)) if k.startswith("vpc-")]
    assert await page.evaluate(SIGNALS, ".open-signals") == [key]
    figure = page.locator("#main .facts .figure[data-key='bwv.contact']")
    assert int(await figure.get_attribute("data-count")) == cells[signalled]
    for width in (DESKTOP, PHONE):
        await tab.shoot("officer", width)

    await tab.click(
        "#main .page-nav a[href^='#review?team=']", "!!document.querySelector('#main .page-review')"
    )
    main = await page.inner_text("#main")
    assert f"Morning review: {SITTINGBOURNE}" in main
    for key in keys(district, (SITTINGBOURNE,)):  # the review's exceptions name each signal
        assert f"[{key}]" in main, key
    for width in (DESKTOP, PHONE):
        await tab.shoot("review", width)
    return tab


async def inspector(browser: Any, url: str, link: str, district: District, sessions: Any) -> Tab:
    """I901: the district's three teams, the discussed signal in the history."""
    tab = await open_tab(browser, url, link, "inspector")
    page, today = tab.page, district.today
    await assert_charts_drawn(page)
    ids = list(district.team_ids.values())
    in_person = await days_where(
        sessions, "attendance_answers", "attendance = 'in_person'", ids, today
    )
    assert await drawn(page, "attendance.in_person") == by_week(in_person)
    every = tuple(district.team_ids)
    assert len(keys(district, every)) == 4
    # The district counts the open signals per team; each team's page lists them.
    assert await page.evaluate(OPEN_PER_TEAM) == {
        team: len(keys(district, (team,))) for team in every if keys(district, (team,))
    }
    for width in (DESKTOP, PHONE):
        await tab.shoot("overview", width)
    listed: list[str] = []
    for team, team_id in district.team_ids.items():
        await tab.go(f"#overview?team={team_id}")
        listed += await page.evaluate(SIGNALS, ".open-signals")
        if district.team_of(district.discussed.collar) == team:
            found = await page.evaluate(SIGNALS, ".discussed-signals")
            assert found == [district.discussed_key]
            discussed = page.locator(
                f"#main .discussed-signals article[data-key='{district.discussed_key}']"
            )
            assert "Discussed — marked by Ravi Mistry (S402)" in await discussed.inner_text()
            await tab.shoot("team-with-discussed", DESKTOP)
    assert sorted(listed) == keys(district, every)
    return tab


async def pcso(browser: Any, url: str, link: str) -> Tab:
    """A PCSO sees their own week, and is told no to the rest."""
    tab = await open_tab(browser, url, link, "pcso")
    page = tab.page
    assert page.url.endswith("/tab/#week")
    await tab.shoot("week", PHONE)
    said = await tab.refused("#overview")
    assert (
        "That page is for sergeants, inspectors and admins: your tab shows your own week." in said
    )
    await tab.shoot("refused-overview", PHONE)
    said = await tab.refused("#officer?collar=P402")
    assert (
        "That page is for sergeants, inspectors and admins: your tab shows your own week." in said
    )
    return tab


async def other_sergeant(browser: Any, url: str, link: str, district: District) -> Tab:
    """S402 supervises Swale PSTF only: S401's teams are not theirs."""
    tab = await open_tab(browser, url, link, "other-sergeant")
    said = await tab.refused(f"#overview?team={district.team_ids[SITTINGBOURNE]}")
    assert "That team is not one of yours." in said
    said = await tab.refused("#officer?collar=P402")
    assert "That officer is not in one of your teams." in said
    await tab.shoot("refused-team", DESKTOP)
    return tab
