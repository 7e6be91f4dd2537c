"""The supervision tab's pages (bot/tab/pages.py `render_page`) for each role on SQLite and
PostgreSQL: what each viewer sees, what they are refused, and that a page shows the store's
figures and writes nothing; then the pages in headless Chromium with the tab's stylesheet,
at a phone's width and a desktop's (screenshots in build/tab/)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from bot.tab.pages import PAGES, Page, PageError, Viewer, render_page
from dialogs import registered
from storage import officers
from storage.models import AuditEntry, Officer, Team
from tests.rig import tab_browser
from tests.rig.tab_data import CSU, DISCUSSED_KEY, DISCUSSED_NOTE, PSTF, discussed_signal
from tests.rig.tab_data import week_of_answers as record_week

ZONE = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 1 December, after the review
SCREENSHOTS = Path(__file__).parent.parent / "build" / "tab" / "pages"


@pytest.fixture
async def recorded(sample_roster, sessions) -> None:
    await record_week(sessions)
    await discussed_signal(sessions)


async def page(sessions, who: str, name: str, /, **params: str) -> Page:  # type: ignore[no-untyped-def]
    """`name` as the officer with collar number `who` sees it."""
    async with sessions() as session:
        officer = await officers.by_collar(session, who)
        assert officer is not None
        teams = tuple(await officers.visible_teams(session, officer))
        if officer.role in ("pcso", "team_leader"):
            teams = ()  # the contract: a PCSO or team leader sees only their week
        return await render_page(
            name,
            params,
            session=session,
            viewer=Viewer(officer, teams),
            now=NOW,
            zone=ZONE,
            views=registered(),
        )


async def refused(sessions, who: str, name: str, /, **params: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(PageError) as error:
        await page(sessions, who, name, **params)
    return error.value.status, error.value.message


async def team_id(sessions, name: str) -> str:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        team = await officers.team_by_name(session, name)
        assert team is not None
        return str(team.id)


def marks(html: str, series: str, week: str) -> list[str]:
    """The values a chart draws for the series and week (`data-value`)."""
    found = re.findall(rf'data-series="{re.escape(series)}" data-week="{week}"[^>]*', html)
    return [re.search(r'data-value="([^"]*)"', f).group(1) for f in found]  # type: ignore[union-attr]


async def test_a_sergeant_sees_their_teams_trends_signals_and_the_way_to_the_review(
    recorded, sessions
):
    overview = await page(sessions, "S101", "overview")
    assert overview.shown == {"page": "overview", "teams": f"{CSU}, {PSTF}", "day": "2026-12-01"}
    html = overview.html
    assert html.count('<figure class="chart"') == 3
    assert html.count('role="img"') == 3 + 8  # the charts, and a sparkline per member
    csu = await team_id(sessions, CSU)
    assert f'href="#review?team={csu}&amp;date=2026-12-01"' in html
    assert 'href="#officer?collar=P301"' in html
    # The open signal (P304's contact with no footage) and the discussed one, with its note.
    assert 'data-key="vpc-p304-2026-11-23"' in html
    assert "(for discussion)" in html
    assert DISCUSSED_NOTE in html
    assert "marked by Chris Walker (S101), Mon 30 Nov 2026 at 09:15" in html
    # One team: the chart's numbers are the store's (tests/test_trends.py works them out).
    one = (await page(sessions, "S101", "overview", team=csu)).html
    assert marks(one, "attendance.in_person", "2026-11-23") == ["6"]
    assert marks(one, "attendance.no_answer", "2026-11-23") == ["6"]
    assert marks(one, "attendance.away", "2026-11-23") == ["2"]
    assert marks(one, "bwv.answered", "2026-11-23") == ["50"]
    assert 'data-count="8" data-of="16"' in one
    assert "50% (8 of 16)" in one  # in the figures table under the chart
    assert "P311" not in one  # PSTF's member is not on CSU North's page


async def test_an_officers_page_and_the_days_review_for_the_sergeant(recorded, sessions):
    officer = await page(sessions, "S101", "officer", collar="p303")
    assert officer.title == "Morgan Hughes (P303)"
    assert officer.shown == {
        "page": "officer",
        "team": CSU,
        "collar": "P303",
        "day": "2026-12-01",
    }
    assert DISCUSSED_KEY in officer.html and DISCUSSED_NOTE in officer.html
    assert "vpc-p304" not in officer.html
    csu = await team_id(sessions, CSU)
    review = await page(sessions, "S101", "review", team=csu)
    assert review.title == f"Morning review: {CSU}, Tue 1 Dec 2026"
    assert review.shown == {"page": "review", "team": CSU, "day": "2026-12-01"}
    assert "Needs your attention" in review.html
    monday = await page(sessions, "S101", "review", team=csu, date="2026-11-30")
    assert monday.shown["day"] == "2026-11-30"
    assert "Mon 30 Nov 2026" in monday.title


async def test_inspectors_and_admins_see_the_district_and_every_team(recorded, sessions):
    assert (await page(sessions, "I501", "overview")).shown["teams"] == f"{CSU}, {PSTF}"
    admin = await page(sessions, "A001", "overview")
    assert admin.shown["teams"] == f"{CSU}, {PSTF}"
    # A row per team, each opening the team's page; the open signals counted per team.
    csu = await team_id(sessions, CSU)
    assert "Teams, twelve weeks" in admin.html and "PCSOs and team leaders" not in admin.html
    assert admin.html.count('href="#overview?team=') >= 4  # the team choice and the tables
    table = re.search(r'<section class="members teams">.*?</section>', admin.html)
    assert table is not None and 'href="#officer?collar=' not in table.group(0)
    assert 'data-key="vpc-p304-2026-11-23"' not in admin.html  # listed on CSU North's page
    signals = re.search(r'<section class="signals open-signals" data-count="(\d+)"', admin.html)
    assert signals is not None and int(signals.group(1)) >= 1
    assert admin.html.count('role="img"') == 3 + 2  # the charts, and a sparkline per team
    team = (await page(sessions, "A001", "overview", team=csu)).html
    assert 'data-key="vpc-p304-2026-11-23"' in team and 'href="#officer?collar=P301"' in team
    pstf = await team_id(sessions, PSTF)
    assert (await page(sessions, "A001", "officer", collar="P311")).shown["team"] == PSTF
    assert (await page(sessions, "I501", "review", team=pstf)).shown["team"] == PSTF


async def test_a_pcso_sees_only_their_own_week(recorded, sessions):
    week = await page(sessions, "P301", "week")
    assert week.title == "Your last seven days"
    assert week.shown == {"page": "week", "collar": "P301", "day": "2026-12-01"}
    assert "Mon 30 Nov 2026" in week.html
    csu = await team_id(sessions, CSU)
    for collar in ("P301", "TL201"):
        for name, params in (
            ("overview", {}),
            ("officer", {"collar": collar}),
            ("review", {"team": csu}),
        ):
            status, _ = await refused(sessions, collar, name, **params)
            assert status == 403


async def test_what_is_not_theirs_is_refused_and_bad_parameters_said(recorded, sessions):
    csu, pstf = await team_id(sessions, CSU), await team_id(sessions, PSTF)
    # S102 supervises PSTF only.
    assert await refused(sessions, "S102", "overview", team=csu) == (
        403,
        "That team is not one of yours.",
    )
    assert (await refused(sessions, "S102", "officer", collar="P301"))[0] == 403
    assert (await refused(sessions, "S102", "review", team=csu))[0] == 403
    assert (await page(sessions, "S102", "overview", team=pstf)).shown["teams"] == PSTF
    cases: list[tuple[str, dict[str, Any], int]] = [
        ("settings", {}, 404),
        ("overview", {"team": "99999"}, 404),
        ("overview", {"team": "CSU"}, 400),
        ("overview", {"team": "-1"}, 400),
        ("officer", {}, 400),
        ("officer", {"collar": "P9'; drop"}, 400),
        ("officer", {"collar": "P999"}, 404),
        ("officer", {"collar": "S102"}, 404),  # a sergeant has no PCSO page
        ("review", {}, 400),
        ("review", {"team": csu, "date": "2026-13-01"}, 400),
        ("review", {"team": csu, "date": "1 Dec"}, 400),
        ("review", {"team": csu, "date": "2026-12-02"}, 400),  # not yet
        ("review", {"team": csu, "date": "1999-12-31"}, 400),
    ]
    for name, params, status in cases:
        assert (await refused(sessions, "S101", name, **params))[0] == status, (name, params)
    assert set(PAGES) == {"overview", "officer", "review", "week"}


async def test_pages_escape_what_they_show_and_write_nothing_but_kept_figures(
    recorded, sessions, engine
):
    """A page changes nothing: the one thing it may write is the figures it counted and
    keeps (dialogs/kept_weeks.py)."""
    async with sessions() as session, session.begin():
        p301 = await officers.by_collar(session, "P301")
        assert p301 is not None
        p301.name = '<img src=x onerror="alert(1)">Alex'
        team = await officers.team_by_name(session, PSTF)
        assert team is not None
        team.name = "PSTF <b>&</b>"
    written: list[str] = []

    def watch(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SELECT", "BEGIN", "ROLLBACK", "COMMIT")):
            written.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", watch)
    try:
        html = "".join(
            [
                (await page(sessions, "S101", "overview")).html,
                (await page(sessions, "S101", "officer", collar="P301")).html,
                (await page(sessions, "S101", "review", team=await team_id(sessions, CSU))).html,
                (await page(sessions, "P301", "week")).html,
            ]
        )
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", watch)
    assert [w for w in written if not w.startswith("INSERT INTO kept_weeks ")] == []
    assert "<img" not in html and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;Alex" in html
    assert "PSTF &lt;b&gt;&amp;&lt;/b&gt;" in html
    tags = re.findall(r"<[^>]*>", html)  # the markup, not the (escaped) text
    assert not [t for t in tags if re.search(r"^<script|\sstyle=|\son\w+=|javascript:", t, re.I)]
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)  # nothing from elsewhere
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 0


async def test_a_supervisor_with_no_teams_is_told_so(sample_roster, sessions):
    async with sessions() as session:
        sergeant = await officers.by_collar(session, "S101")
        assert sergeant is not None
        shown = await render_page(
            "overview",
            {},
            session=session,
            viewer=Viewer(sergeant, ()),
            now=NOW,
            zone=ZONE,
            views=registered(),
        )
    assert "no teams on the roster" in shown.html
    assert shown.shown["teams"] == ""


# --- in a browser ------------------------------------------------------------------------


@pytest.fixture
def browser_tools() -> None:
    missing = tab_browser.tools_missing()
    if missing:
        pytest.skip(f"the tab's pages are not opened in a browser: {missing}")


async def test_the_pages_read_on_a_phone_and_a_desktop(browser_tools, recorded, sessions, engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("drawn once, from SQLite: the figures are the same on PostgreSQL (above)")
    csu = await team_id(sessions, CSU)
    async with sessions() as session, session.begin():
        session.add(Team(name="Swale NPT", district="Swale"))  # the admin's second district
    shown = {
        "admin-districts": await page(sessions, "A001", "overview"),
        "sergeant-overview": await page(sessions, "S101", "overview"),
        "sergeant-team": await page(sessions, "S101", "overview", team=csu),
        "officer-P303": await page(sessions, "S101", "officer", collar="P303"),
        "review": await page(sessions, "S101", "review", team=csu),
        "pcso-week": await page(sessions, "P301", "week"),
    }
    documents = {name: tab_browser.standalone(p.title, p.html) for name, p in shown.items()}
    measured = await tab_browser.measure(documents, SCREENSHOTS)
    for m in measured:
        assert m.errors == [], (m.name, m.width)
        assert m.scroll_width <= m.width, f"{m.name} scrolls sideways at {m.width} px"
        assert m.png.stat().st_size > 0
    drawn = {(m.name, m.width): m for m in measured}
    for name in ("sergeant-overview", "sergeant-team", "officer-P303"):
        for width in tab_browser.WIDTHS:
            assert drawn[(name, width)].charts == 3, (name, width)
    team = drawn[("sergeant-team", tab_browser.PHONE)].text
    assert "50% (8 of 16)" in team and "Morgan Hughes" in team
    assert "Needs your attention" in drawn[("review", tab_browser.PHONE)].text
    assert "Your last seven days" in drawn[("pcso-week", tab_browser.PHONE)].text
    districts = drawn[("admin-districts", tab_browser.PHONE)].text
    assert "Maidstone" in districts and "Swale NPT" in districts


async def test_no_page_lists_an_officer_off_the_roster(recorded, sessions):
    async with sessions() as session, session.begin():
        p302 = await officers.by_collar(session, "P302")
        assert p302 is not None
        p302.active = False
    html = (await page(sessions, "S101", "overview")).html
    assert 'href="#officer?collar=P302"' not in html
    assert (await refused(sessions, "S101", "officer", collar="P302"))[0] == 404
    async with sessions() as session:
        teams = (await session.scalars(select(Team))).all()
        assert {t.name for t in teams} == {CSU, PSTF}
        assert await session.scalar(select(func.count()).select_from(Officer)) == 12


async def test_an_admin_over_several_districts_opens_each_as_its_inspector_sees_it(
    recorded, sessions
):
    async with sessions() as session, session.begin():
        session.add(Team(name="Swale NPT", district="Swale"))
    districts = await page(sessions, "A001", "overview")
    assert districts.title == "Supervision: your districts"
    assert districts.shown == {
        "page": "overview",
        "districts": "Maidstone, Swale",
        "day": "2026-12-01",
    }
    html = districts.html
    assert (
        'href="#overview?district=Maidstone"' in html and 'href="#overview?district=Swale"' in html
    )
    assert '<figure class="chart"' not in html  # the figures are read district by district
    members = re.findall(r'data-key="members">(\d+)<', html)
    assert members == ["8", "0"]  # Maidstone's PCSOs and team leaders (S101's 8 rows); none yet
    maidstone = await page(sessions, "A001", "overview", district="maidstone")
    assert maidstone.shown["district"] == "Maidstone"
    assert maidstone.shown["teams"] == f"{CSU}, {PSTF}"
    inspector = await page(sessions, "I501", "overview")
    # The district as the admin opens it is the district as its inspector sees it.
    assert maidstone.html.replace('aria-current="page" ', "").count("<tr") == inspector.html.count(
        "<tr"
    )
    assert re.findall(r'data-count="\d+"', maidstone.html) == re.findall(
        r'data-count="\d+"', inspector.html
    )
    swale = await page(sessions, "A001", "overview", district="Swale")
    assert swale.shown["teams"] == "Swale NPT"
    assert await refused(sessions, "I501", "overview", district="Swale") == (
        403,
        "That district is not one of yours.",
    )
    assert await refused(sessions, "A001", "overview", district="Kent Downs") == (
        404,
        "There is no such district.",
    )
