"""How the supervision tab reads, in Debian's headless Chromium (Playwright, no download),
through the real service: the shell (index.html, tab.js, shell.css), the pages and tab.css,
signed in with local links, on the Swale district of tests/rig/district.py (twelve weeks,
every signal once, one discussed) plus a PCSO who joined last week and one who asked for
BWV help on five separate days.

Every page of every role is opened once at a phone's width (375 px) and once at a
desktop's (1280 px), measured, and saved as a PNG under build/tab/look/; then the tests
read what was measured:

- nothing but the PCSO table scrolls sideways on a phone, and that only inside its own
  box, with the name column staying in view;
- a rate with nothing due in a week is a gap in its line (no point, the line broken, "—"
  in the figures), and a chart with nothing recorded says so in words instead of axes;
- the charts keep their names, descriptions and figures tables, their text is readable on
  a phone and their week labels do not overlap;
- a signal is a compact card: who, the summary, the span in one phrase, the evidence in
  runs of days and folded when long, the key and how to mark it discussed, and for one
  marked discussed who marked it, when and the note;
- the keyboard reaches everything, in order, with a visible focus ring;
- the dark theme and the printed page.

One browser for the module: the first test to ask for `looked` opens every page, the rest
read what it found. On SQLite only (the pages are the same on PostgreSQL: tests/
test_tab_pages.py). Without Playwright, Chromium or the font the tests are skipped saying
why; with CI=true they fail instead.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.tab import links
from dialogs.bwv.models import BwvAnswer
from dialogs.signals.kinds import BWV_HELP_REPEATED, SILENT_KIND, signal_key
from storage import keys, officers
from storage.models import Officer
from tests.rig import databases, tab_browser
from tests.rig.browser import CHROMIUM, CHROMIUM_ARGS
from tests.rig.district import FAVERSHAM, PSTF, SITTINGBOURNE, District, build_district, local
from tests.rig.officer_day import Clock

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # Tuesday 1 December, after the review
OUT = Path(__file__).parent.parent / "build" / "tab" / "look"
PHONE, DESKTOP = tab_browser.PHONE, tab_browser.DESKTOP
NEWCOMER = "P407"  # joined last Monday, has answered nothing
HELP = "P403"  # asked for BWV help on five days, none in a row
HELP_DAYS = tuple(date(2026, 11, d) for d in (9, 12, 17, 20, 25))


def unavailable(reason: str) -> NoReturn:
    """Skip, saying why; on CI (CI=true) a missing tool is a failure instead."""
    if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
        pytest.fail(f"CI is set, so this cannot be skipped: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """SQLite only: the pages are the same on both databases."""
    return databases.sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


# --- opening every page once ---------------------------------------------------------------


@dataclass
class Seen:
    """One page at one width."""

    role: str
    page: str
    width: int
    scroll_width: int
    outside: list[str]  # elements reaching past the screen's right edge (not in a table box)
    scrollers: list[str]  # boxes that scroll sideways ("members", "figures", or a class)
    charts: list[dict[str, Any]]
    signals: list[dict[str, Any]]
    sticky: dict[str, float] | None
    errors: list[str]
    png: Path


@dataclass
class Looked:
    district: District
    seen: dict[tuple[str, int], Seen] = field(default_factory=dict)
    focus: list[dict[str, Any]] = field(default_factory=list)
    skipped_to: dict[str, Any] = field(default_factory=dict)
    dark: dict[str, Any] = field(default_factory=dict)
    printed: dict[str, Any] = field(default_factory=dict)

    def page(self, name: str, width: int) -> Seen:
        return self.seen[(name, width)]


_looked: dict[str, Looked] = {}


@pytest.fixture
def browser_tools() -> None:
    missing = tab_browser.tools_missing()
    if missing:
        unavailable(f"the tab is not opened in a browser: {missing}")


@pytest.fixture
async def looked(
    browser_tools: None,
    sessions: async_sessionmaker[AsyncSession],
    start_bot: Any,
) -> Looked:
    if "swale" not in _looked:
        district = await build_district(sessions, today=NOW.date())
        await _newcomer_and_help(sessions)
        url = await start_bot()
        async with sessions() as session, session.begin():
            secret = await keys.get_or_create(session, links.KEY_NAME, now=NOW)
        _looked["swale"] = await _look(url, secret, district)
    return _looked["swale"]


async def _newcomer_and_help(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session, session.begin():
        team = await officers.team_by_name(session, SITTINGBOURNE)
        helped = await officers.by_collar(session, HELP)
        assert team is not None and helped is not None
        session.add(
            Officer(
                collar_number=NEWCOMER,
                name="Jo Newman",
                role="pcso",
                team_id=team.id,
                district=team.district,
                email="jo.newman@police.example",
                created_at=NOW - timedelta(days=8),
            )
        )
        for day in HELP_DAYS:  # after the district's own answer: the latest counts
            session.add(
                BwvAnswer(
                    officer_id=helped.id,
                    team_id=team.id,
                    day=day,
                    bwv_status="need_help",
                    answered_at=local(day, 16, 30),
                )
            )


def _pages(district: District) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """Each role's collar and pages (a name and the fragment), the home page first."""
    sittingbourne = district.team_ids[SITTINGBOURNE]
    faversham, pstf = district.team_ids[FAVERSHAM], district.team_ids[PSTF]
    return {
        "sergeant": (
            "S401",
            [
                ("overview", "#overview"),
                ("team", f"#overview?team={sittingbourne}"),
                ("officer", "#officer?collar=P401"),
                ("officer-help", f"#officer?collar={HELP}"),
                ("officer-new", f"#officer?collar={NEWCOMER}"),
                ("review", f"#review?team={sittingbourne}&date=2026-12-01"),
            ],
        ),
        "other-sergeant": (
            "S402",
            [("officer-discussed", f"#officer?collar={district.discussed.collar}")],
        ),
        "inspector": (
            district.inspector,
            [
                ("district", "#overview"),
                ("team-faversham", f"#overview?team={faversham}"),
                ("team-pstf", f"#overview?team={pstf}"),
            ],
        ),
        "pcso": ("P401", [("week", "#week")]),
        "team-leader": ("TL401", [("leader-week", "#week")]),
    }


async def _look(url: str, secret: str, district: District) -> Looked:
    from playwright.async_api import async_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    found = Looked(district)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            for role, (collar, pages) in _pages(district).items():
                token = links.sign(secret, collar, now=NOW)
                tab = await _signed_in(browser, f"{url}/tab/#link={token}", PHONE)
                if role == "sergeant":
                    await _walk_with_the_keyboard(tab.page, found)
                for name, fragment in pages:
                    await _open(tab.page, fragment)
                    for width in (PHONE, DESKTOP):
                        await tab.page.set_viewport_size({"width": width, "height": 900})
                        found.seen[(name, width)] = await _measure(tab, role, name, width)
                await tab.page.close()
            sergeant, pages = _pages(district)["sergeant"]
            token = links.sign(secret, sergeant, now=NOW)
            found.dark = await _dark(browser, f"{url}/tab/#link={token}")
            found.printed = await _printed(browser, f"{url}/tab/#link={token}", pages[3][1])
        finally:
            await browser.close()
    return found


@dataclass
class Tab:
    page: Any
    errors: list[str]


async def _signed_in(browser: Any, url: str, width: int, **options: Any) -> Tab:
    page = await browser.new_page(viewport={"width": width, "height": 900}, **options)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(url)
    await page.wait_for_function(SHOWN)
    await page.evaluate("() => document.fonts.ready")
    return Tab(page, errors)


SHOWN = """() => {
  const main = document.getElementById('main');
  const page = main.querySelector('.page, .shell-error');
  return page && page !== window.pcsoLookBefore && !main.hasAttribute('aria-busy');
}"""


async def _open(page: Any, fragment: str) -> None:
    await page.evaluate(
        """(fragment) => {
          window.pcsoLookBefore = document.querySelector('#main .page');
          if (location.hash === fragment) { window.pcsoLookBefore = null; return; }
          location.hash = fragment;
        }""",
        fragment,
    )
    await page.wait_for_function(SHOWN)


async def _measure(tab: Tab, role: str, name: str, width: int) -> Seen:
    seen = await tab.page.evaluate(MEASURE)
    png = OUT / f"{role}-{name}-{width}.png"
    await tab.page.screenshot(path=str(png), full_page=True)
    return Seen(
        role,
        name,
        width,
        seen["scrollWidth"],
        seen["outside"],
        seen["scrollers"],
        seen["charts"],
        seen["signals"],
        seen["sticky"],
        list(tab.errors),
        png,
    )


MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const classes = (el) => typeof el.className === 'string' && el.className
    ? '.' + el.className.split(' ').join('.') : '';
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes(el);
  const shown = () => Array.from(document.body.querySelectorAll('*')).filter(
    (el) => el.checkVisibility());
  const past = () => shown().filter((el) => !el.parentElement.closest('.table-scroll, svg')
    && el.getBoundingClientRect().right > width + 0.5).map(describe);
  const where = (el) => el.closest('.members') ? 'members'
    : el.closest('.open-signals') ? 'signal counts'
    : el.closest('.figures') ? 'figures' : describe(el);
  const scrolling = () => shown().filter((el) =>
    ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)
    && el.scrollWidth > el.clientWidth + 1).map(where);
  const outside = past();
  const scrollers = scrolling();
  // The figures under the charts, unfolded: still nothing past the edge of the screen.
  const folded = Array.from(document.querySelectorAll('details.figures:not([open])'));
  folded.forEach((details) => { details.open = true; });
  outside.push(...past().map((what) => 'unfolded figures: ' + what));
  const unfoldedWidth = document.documentElement.scrollWidth;
  folded.forEach((details) => { details.open = false; });
  if (unfoldedWidth > width) outside.push('unfolded figures: the page');
  let sticky = null;
  const box = document.querySelector('.members .table-scroll');
  if (box && box.scrollWidth > box.clientWidth + 1) {
    const cell = box.querySelector('tbody tr > :first-child');
    const before = cell.getBoundingClientRect().left;
    box.scrollLeft = 240;
    sticky = {moved: box.scrollLeft, before, after: cell.getBoundingClientRect().left,
              position: getComputedStyle(cell).position};
    box.scrollLeft = 0;
  }
  const charts = Array.from(document.querySelectorAll('figure.chart'), (figure) => {
    const svg = figure.querySelector('svg.chart-svg');
    const box = svg ? svg.getBoundingClientRect() : null;
    const named = svg ? (svg.getAttribute('aria-labelledby') || '').split(' ').map(
      (id) => (document.getElementById(id) || {textContent: ''}).textContent.trim()) : [];
    const tick = svg ? svg.querySelector('text') : null;
    return {
      id: figure.id,
      kind: figure.dataset.chart,
      empty: figure.dataset.empty === 'true',
      text: figure.textContent,
      svg: Boolean(svg),
      role: svg ? svg.getAttribute('role') : null,
      named,
      figures: Array.from(figure.querySelectorAll('details.figures tbody tr'),
                          (tr) => Array.from(tr.children, (cell) => cell.textContent)),
      lines: svg ? Array.from(svg.querySelectorAll('g.line'), (g) => ({
        series: g.dataset.series,
        values: g.dataset.values.split(','),
        points: Array.from(g.querySelectorAll('[data-week]'),
                           (p) => [p.dataset.week, p.dataset.of]),
        polylines: g.querySelectorAll('polyline').length,
      })) : [],
      weeks: svg ? Array.from(svg.querySelectorAll('g.weeks text'), (t) => {
        const r = t.getBoundingClientRect();
        return [r.left, r.right];
      }) : [],
      box: box ? [box.left, box.right, box.height] : null,
      fontPx: tick ? parseFloat(getComputedStyle(tick).fontSize) * box.width
                     / svg.viewBox.baseVal.width : 0,
      legend: Array.from(figure.querySelectorAll('.legend li'), (li) => li.dataset.series),
    };
  });
  const signals = Array.from(document.querySelectorAll('article.signal'), (card) => {
    const evidence = card.querySelector('details.evidence');
    const span = card.querySelector('.signal-span');
    const discussion = card.querySelector('.discussion');
    const first = evidence.querySelector('li');
    return {
      key: card.dataset.key,
      kind: card.dataset.kind,
      collar: card.dataset.collar,
      discussed: card.classList.contains('discussed'),
      who: card.querySelector('h4 a').getAttribute('href'),
      summary: card.querySelector('.signal-summary').textContent,
      span: span.textContent,
      spanDays: Number(span.dataset.days),
      folded: !evidence.open,
      shown: first.checkVisibility(),
      runs: Array.from(evidence.querySelectorAll('li'), (li) => [
        li.dataset.first, li.dataset.last, Number(li.dataset.days), li.textContent]),
      act: card.querySelector('.signal-act').textContent,
      discussion: discussion ? discussion.textContent : null,
      height: card.getBoundingClientRect().height,
    };
  });
  const scrollWidth = document.documentElement.scrollWidth;
  return {scrollWidth, outside, scrollers, sticky, charts, signals};
}"""


FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  const details = el.tagName === 'SUMMARY' ? el.parentElement : null;
  return {
    tag: el.tagName.toLowerCase(),
    cls: typeof el.className === 'string' ? el.className : '',
    text: (el.getAttribute('aria-label') || el.textContent).trim().slice(0, 60),
    outline: style.outlineStyle,
    outlineWidth: parseFloat(style.outlineWidth),
    inView: r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth,
    evidence: Boolean(details && details.classList.contains('evidence')),
    open: details ? details.open : null,
    hash: location.hash,
  };
}"""


async def _walk_with_the_keyboard(page: Any, found: Looked) -> None:
    """On the sergeant's home page, where the shell has put the focus on the page: back with
    Shift+Tab through the navigation to "Skip to the page", Enter, then forward with Tab
    through every stop until the PCSO table's box (opening the first folded evidence)."""
    for _ in range(10):
        await page.keyboard.press("Shift+Tab")
        stop = await page.evaluate(FOCUSED)
        found.focus.append(stop)
        if stop["cls"] == "skip-link":
            break
    await page.keyboard.press("Enter")
    found.skipped_to = await page.evaluate(
        "() => ({id: document.activeElement.id, hash: location.hash})"
    )
    opened = False
    for _ in range(80):
        await page.keyboard.press("Tab")
        stop = await page.evaluate(FOCUSED)
        if stop["evidence"] and stop["open"] is False and not opened:
            await page.keyboard.press("Enter")
            opened = await page.evaluate("() => document.activeElement.parentElement.open")
            stop["opened"] = opened
        found.focus.append(stop)
        if "table-scroll" in stop["cls"]:
            break


async def _dark(browser: Any, url: str) -> dict[str, Any]:
    tab = await _signed_in(browser, url, DESKTOP, color_scheme="dark")
    try:
        colours = await tab.page.evaluate(
            """() => ({
              page: getComputedStyle(document.body).backgroundColor,
              text: getComputedStyle(document.body).color,
              card: getComputedStyle(document.querySelector('.signal')).backgroundColor,
              ink: getComputedStyle(document.querySelector('polyline.ink')).stroke,
            })"""
        )
        await tab.page.screenshot(path=str(OUT / "sergeant-overview-dark.png"), full_page=True)
    finally:
        await tab.page.close()
    return colours | {"errors": tab.errors}


async def _printed(browser: Any, url: str, fragment: str) -> dict[str, Any]:
    tab = await _signed_in(browser, url, DESKTOP)
    try:
        await _open(tab.page, fragment)
        await tab.page.emulate_media(media="print")
        printed = await tab.page.evaluate(
            """() => ({
              nav: getComputedStyle(document.getElementById('nav')).display,
              folded: Array.from(document.querySelectorAll('details.evidence:not([open]) li'),
                                 (li) => li.checkVisibility()),
              charts: document.querySelectorAll('svg.chart-svg').length,
            })"""
        )
        await tab.page.screenshot(path=str(OUT / "sergeant-officer-help-print.png"), full_page=True)
    finally:
        await tab.page.close()
    return printed


# --- what was seen -------------------------------------------------------------------------


def test_no_page_scrolls_sideways_and_only_the_pcso_table_scrolls_in_its_box(
    looked: Looked,
) -> None:
    """Nothing scrolls sideways but a table in its own labelled box: the PCSO (or team)
    table, and on a many-team overview the open signals counted per team and kind."""
    assert len(looked.seen) == 12 * 2
    for (name, width), seen in looked.seen.items():
        where = f"{seen.role}'s {name} at {width} px ({seen.png})"
        assert seen.errors == [], where
        assert seen.scroll_width <= width, f"{where} scrolls sideways"
        assert seen.outside == [], f"{where}: past the right edge: {seen.outside[:5]}"
        assert set(seen.scrollers) <= {"members", "signal counts"}, f"{where}: {seen.scrollers}"
        assert seen.png.stat().st_size > 0
    for name in ("overview", "team", "district"):
        phone = looked.page(name, PHONE)
        assert [s for s in phone.scrollers if s != "signal counts"] == ["members"], name
        assert phone.sticky is not None and phone.sticky["moved"] > 0
        assert phone.sticky["position"] == "sticky"
        assert abs(phone.sticky["after"] - phone.sticky["before"]) < 1, "the name column moved"
        assert looked.page(name, DESKTOP).scrollers == [], f"{name}'s table fits a desktop"


def _runs(values: list[str]) -> int:
    """Runs of two or more weeks in a row with a value: each is one drawn line."""
    runs, length = 0, 0
    for value in [*values, ""]:
        if value:
            length += 1
        else:
            runs, length = runs + (length > 1), 0
    return runs


def test_a_week_with_nothing_due_is_a_gap_never_zero(looked: Looked) -> None:
    gaps = 0
    for seen in looked.seen.values():
        for chart in seen.charts:
            columns = list(zip(*chart["figures"], strict=True))[1:] if chart["figures"] else []
            for k, line in enumerate(chart["lines"]):
                values, where = line["values"], (seen.page, chart["id"], line["series"])
                assert len(values) == 12, where
                assert len(line["points"]) == sum(1 for v in values if v), where
                assert all(of not in ("", "0") for _, of in line["points"]), where
                assert line["polylines"] == _runs(values), where
                said = columns[k][:12]  # the figures table: "—" where nothing was due
                assert [v == "" for v in values] == [s == "—" for s in said], where
                gaps += values.count("")
    assert gaps > 0, "the district has weeks with nothing due (a week away, no contact)"
    officer = looked.page("officer", DESKTOP)
    [rates] = [c for c in officer.charts if c["kind"] == "rate-lines"]
    assert "" in rates["lines"][0]["values"], "P401 was away all of the first week"


def test_a_chart_with_nothing_recorded_says_so_instead_of_empty_axes(looked: Looked) -> None:
    charts = {c["kind"]: c for c in looked.page("officer-new", PHONE).charts}
    assert charts["stacked-bars"]["svg"], "the newcomer's unanswered briefings are drawn"
    vulnerable = charts["grouped-bars"]
    assert vulnerable["empty"] and not vulnerable["svg"]
    assert "No vulnerable contacts recorded in these twelve weeks." in vulnerable["text"]
    # Briefings and BWV days were due since they joined, and none was answered: true 0%s,
    # drawn from the week they joined, with a note saying why the lines lie at the bottom.
    rates = charts["rate-lines"]
    assert rates["svg"] and not rates["empty"]
    assert "No answers or returns recorded in these twelve weeks" in rates["text"]
    for line in rates["lines"]:
        assert set(line["values"][:10]) == {""}, line["series"]  # before they joined
        assert set(line["values"]) <= {"", "0"}, line["series"]


def test_charts_keep_their_names_and_figures_and_read_at_both_widths(looked: Looked) -> None:
    drawn = 0
    for seen in looked.seen.values():
        for chart in seen.charts:
            if chart["empty"]:
                continue
            drawn += 1
            where = (seen.page, seen.width, chart["id"])
            assert chart["role"] == "img" and all(chart["named"]) and len(chart["named"]) == 2
            assert len(chart["figures"]) == 13, where  # twelve weeks and their total
            assert chart["legend"], where
            assert chart["fontPx"] >= 9.5, f"{where}: chart text {chart['fontPx']:.1f} px"
            left, right, height = chart["box"]
            assert 150 <= height <= 320, f"{where}: {height:.0f} px tall"
            weeks = chart["weeks"]
            assert len(weeks) == 6, where  # every other week labelled
            assert all(a[1] + 4 <= b[0] for a, b in itertools.pairwise(weeks)), where
            assert weeks[0][0] >= left and weeks[-1][1] <= right + 0.5, f"{where}: label cut"
    assert drawn >= 30


def test_each_signal_is_a_compact_card_with_its_span_and_folded_evidence(looked: Looked) -> None:
    district = looked.district
    # An inspector's district counts the signals per team; each team's page lists them.
    cards = {
        s["key"]: s
        for name in ("team", "team-faversham", "team-pstf")
        for s in looked.page(name, PHONE).signals
    }
    for expected in district.expected.values():
        key = signal_key(expected.kind, expected.collar, expected.days[-1])
        card = cards[key]
        assert card["who"] == f"#officer?collar={expected.collar}"
        assert card["summary"].endswith("(for discussion)")
        assert card["spanDays"] == len(set(expected.days))
        assert f"discussed {key} your note" in card["act"]
        assert sum(days for _, _, days, _ in card["runs"]) == card["spanDays"]
    new = cards[signal_key(SILENT_KIND, NEWCOMER, NOW.date())]
    assert new["span"] == "7 briefing days, Mon 23 Nov – Tue 1 Dec"
    assert new["runs"] == [
        [
            "2026-11-23",
            "2026-12-01",
            7,
            "Mon 23 Nov – Tue 1 Dec (7 briefing days): no briefing answer",
        ]
    ]
    assert not new["folded"] and new["shown"]
    help_ = cards[signal_key(BWV_HELP_REPEATED, HELP, HELP_DAYS[-1])]
    assert help_["span"] == "5 days, Mon 9 Nov – Wed 25 Nov"
    assert [r[0] for r in help_["runs"]] == [d.isoformat() for d in HELP_DAYS]
    assert help_["folded"] and not help_["shown"], "five lines of evidence are folded"
    assert help_["height"] < 260, "a folded card stays short on a phone"


def test_a_discussed_signal_says_who_marked_it_when_and_the_note(looked: Looked) -> None:
    district = looked.district
    for name in ("district", "officer-discussed"):
        [card] = [s for s in looked.page(name, PHONE).signals if s["discussed"]]
        assert card["key"] == district.discussed_key
        said = card["discussion"]
        assert said is not None
        marked = district.discussed.days[0] + timedelta(days=1)
        assert (
            f"marked by Ravi Mistry (S402), {marked:%a} {marked.day} {marked:%b %Y} at 10:15"
            in said
        )
        assert "camera was not switched on at the door" in said
        assert card["act"].strip() == f"Key {district.discussed_key}"


def test_the_keyboard_reaches_everything_in_order_with_a_visible_focus(looked: Looked) -> None:
    stops = looked.focus
    skip = next(s for s in stops if s["cls"] == "skip-link")
    assert skip["inView"], "Skip to the page shows when focused"
    assert looked.skipped_to == {"id": "main", "hash": "#overview"}, "skipping keeps the page"
    assert "table-scroll" in stops[-1]["cls"], "the PCSO table's box is reached"
    for stop in stops:
        assert stop["outline"] != "none" and stop["outlineWidth"] >= 2, stop
        assert stop["inView"], f"focused but off screen: {stop}"
    kinds = {(s["tag"], s["evidence"]) for s in stops}
    assert ("a", False) in kinds and ("summary", True) in kinds
    assert any(s.get("opened") for s in stops), "Enter opens folded evidence"


def test_the_dark_theme_and_the_printed_page(looked: Looked) -> None:
    dark = looked.dark
    assert dark["errors"] == []
    assert dark["page"] == "rgb(31, 31, 31)" and dark["card"] == "rgb(41, 41, 41)"
    assert dark["text"] == dark["ink"] == "rgb(232, 232, 232)", "black lines turn light"
    printed = looked.printed
    assert printed["nav"] == "none" and printed["charts"] == 3
    assert printed["folded"] and all(printed["folded"]), "folded evidence is printed"
