"""The tab's charts, drawn as SVG on the server: small pure functions from weekly series
(`dialogs.sections.Series`) to markup. No script and no network: a chart is in the page's
HTML, with every number it draws.

Each chart is a `<figure>`: an `<svg role="img">` named by its `<title>` and `<desc>`, that
scales with its `viewBox`; a `<title>` on every bar and point (a tooltip, and what a screen
reader reads); `data-*` attributes holding each value; a legend; and the figures as a table
under it. Colours come from the Okabe–Ito palette (told apart with the common kinds of
colour blindness), and each series also differs by lightness, by a hatching pattern or by
its line's dashes and marker shape, so the charts read in greyscale and in print.

The `viewBox` is about as wide as a chart is drawn both on a phone (one to a row, ~320 px)
and on a desktop (three to a row, ~380 px), so its text stays near its CSS size at both. A
rate with nothing due in a week leaves a gap in its line, never a 0%; a chart with nothing
recorded in the twelve weeks says so in words instead of drawing empty axes.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from bot.tab.html import Child, data_table, el, join, markup, text
from dialogs.sections import Series, Tally

WIDTH, HEIGHT = 360, 216
LEFT, RIGHT, TOP, BOTTOM = 38, 10, 10, 24
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
SPARK = "#0072B2"
INK = "#000000"
"""A series drawn in black takes the page's text colour instead (`.ink` in tab.css), so it
shows on Teams' dark theme too."""
WEEKS_WORDS = "these twelve weeks"


@dataclass(frozen=True)
class Look:
    """How a series is drawn: its colour, and a pattern (bars) or dashes and a marker
    (lines), so no two series rely on colour alone."""

    colour: str
    pattern: str | None = None  # "hatch", "dots", "cross", "back", "rows"
    dash: str | None = None
    marker: str = "circle"  # "circle", "square", "triangle", "diamond"


# The attendance segments, each day counted once: present dark to light, absences in warm
# colours with patterns, away grey, no answer the strongest (it is what to act on).
LOOKS: dict[str, Look] = {
    "attendance.in_person": Look("#0072B2"),
    "attendance.remote": Look("#56B4E9"),
    "attendance.rest_day": Look("#F0E442"),
    "attendance.annual_leave": Look("#009E73", "dots"),
    "attendance.sick": Look("#E69F00", "hatch"),
    "attendance.training": Look("#CC79A7", "rows"),
    "attendance.other_duty": Look("#CC79A7", "back"),
    "attendance.court": Look("#999999", "dots"),
    "attendance.away": Look("#DDDDDD", "hatch"),
    "attendance.no_answer": Look("#D55E00", "cross"),
    "attendance.attended": Look("#000000", dash="1 4", marker="square"),
    "returns.completed": Look("#009E73", dash="8 3 2 3", marker="diamond"),
    "bwv.answered": Look("#0072B2", marker="circle"),
    "bwv.vpc": Look("#D55E00", dash="6 3", marker="triangle"),
    "bwv.contact": Look("#E69F00"),
    "returns.vulnerable": Look("#56B4E9", "hatch"),
    "pcso_returns.vulnerable": Look("#009E73", "dots"),
}
FALLBACK = (Look("#0072B2"), Look("#D55E00", "hatch"), Look("#009E73", "dots"))


def look(series: Series, n: int) -> Look:
    return LOOKS.get(series.key, FALLBACK[n % len(FALLBACK)])


@functools.cache
def week_label(monday: date) -> str:
    return f"{monday.day} {monday:%b}"


def figure_text(tally: Tally) -> str:
    """'87% (20 of 23)', '—' when nothing was due, or the count."""
    if tally.of is None:
        return str(tally.count)
    if not tally.of:
        return "—"
    return f"{round(100 * tally.count / tally.of)}% ({tally.count} of {tally.of})"


# --- the frame every chart shares --------------------------------------------------------


def chart(
    chart_id: str,
    title: str,
    description: str,
    body: Markup,
    legend: Markup,
    figures: Markup,
    *,
    kind: str,
    note: str | None = None,
) -> Markup:
    svg = el(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "class": "chart-svg",
            "data-chart": kind,
        },
        el("title", {"id": f"{chart_id}-title"}, title),
        el("desc", {"id": f"{chart_id}-desc"}, description),
        body,
    )
    return el(
        "figure",
        {"class": "chart", "id": chart_id, "data-chart": kind},
        el("figcaption", None, title),
        svg,
        el("p", {"class": "chart-note"}, note) if note else None,
        legend,
        _figures(figures),
    )


def empty_chart(
    chart_id: str, title: str, said: str, figures: Markup | None, *, kind: str
) -> Markup:
    """A chart with nothing to draw: its title and a sentence saying why, not empty axes
    (and the figures, where they say more than nothing)."""
    return el(
        "figure",
        {"class": "chart chart-empty", "id": chart_id, "data-chart": kind, "data-empty": "true"},
        el("figcaption", None, title),
        el("p", {"class": "empty"}, said),
        _figures(figures) if figures is not None else None,
    )


def _figures(figures: Markup) -> Markup:
    return el("details", {"class": "figures"}, el("summary", None, "The figures"), figures)


def nothing_recorded(title: str) -> str:
    return f"No {title[:1].lower()}{title[1:]} recorded in {WEEKS_WORDS}."


def patterns(chart_id: str, looks: Sequence[Look]) -> Markup:
    """The hatching patterns the chart's series use, with ids unique to the chart."""
    used = {fill_id(chart_id, lk): lk for lk in looks if lk.pattern}
    return el("defs", None, [_pattern(chart_id, lk) for lk in used.values()])


def _pattern(chart_id: str, lk: Look) -> Markup:
    marks = {
        "hatch": el("path", {"d": "M0 8 L8 0", "stroke": "#000", "stroke-width": "1.2"}),
        "back": el("path", {"d": "M0 0 L8 8", "stroke": "#fff", "stroke-width": "1.6"}),
        "dots": el("circle", {"cx": "4", "cy": "4", "r": "1.4", "fill": "#000"}),
        "rows": el("path", {"d": "M0 2 L8 2 M0 6 L8 6", "stroke": "#fff", "stroke-width": "1.2"}),
        "cross": el("path", {"d": "M0 0 L8 8 M8 0 L0 8", "stroke": "#fff", "stroke-width": "1.2"}),
    }
    return el(
        "pattern",
        {
            "id": fill_id(chart_id, lk),
            "width": "8",
            "height": "8",
            "patternUnits": "userSpaceOnUse",
        },
        el("rect", {"width": "8", "height": "8", "fill": lk.colour}),
        marks[lk.pattern or "hatch"],
    )


def fill_id(chart_id: str, lk: Look) -> str:
    return f"{chart_id}-{lk.pattern}-{lk.colour.lstrip('#')}"


def fill(chart_id: str, lk: Look) -> str:
    return f"url(#{fill_id(chart_id, lk)})" if lk.pattern else lk.colour


def _ink(lk: Look, cls: str) -> str:
    return f"{cls} ink" if lk.colour == INK else cls


def legend(chart_id: str, items: Sequence[tuple[Series, Look]], *, lines: bool = False) -> Markup:
    return el(
        "ul",
        {"class": "legend"},
        [
            el(
                "li",
                {"data-series": s.key},
                el(
                    "svg",
                    {"class": "swatch", "viewBox": "0 0 24 14", "aria-hidden": "true"},
                    _line_swatch(lk) if lines else _bar_swatch(chart_id, lk),
                ),
                s.label,
            )
            for s, lk in items
        ],
    )


def _bar_swatch(chart_id: str, lk: Look) -> Markup:
    return el(
        "rect",
        {
            "x": "1",
            "y": "1",
            "width": "22",
            "height": "12",
            "fill": fill(chart_id, lk),
            "stroke": "#444",
            "class": "outline",
        },
    )


def _line_swatch(lk: Look) -> Markup:
    line = el(
        "line",
        {
            "x1": "1",
            "y1": "7",
            "x2": "23",
            "y2": "7",
            "stroke": lk.colour,
            "stroke-width": "2",
            "stroke-dasharray": lk.dash,
            "class": _ink(lk, "trace"),
        },
    )
    return line + marker(lk, 12, 7, None)


def marker(lk: Look, x: float, y: float, title: str | None, **data: object) -> Markup:
    """A point of a line: its shape tells the series apart without colour."""
    attrs: dict[str, object] = {
        "fill": lk.colour,
        "stroke": "#fff",
        "stroke-width": "1",
        "class": _ink(lk, "point"),
    }
    attrs |= {f"data-{k}": v for k, v in data.items()}
    tip = el("title", None, title) if title else None
    if lk.marker == "square":
        square = {"x": _n(x - 3.5), "y": _n(y - 3.5), "width": "7", "height": "7"}
        return el("rect", square | attrs, tip)
    if lk.marker == "triangle":
        points = f"{_n(x)},{_n(y - 4.5)} {_n(x + 4.5)},{_n(y + 3.5)} {_n(x - 4.5)},{_n(y + 3.5)}"
        return el("polygon", {"points": points} | attrs, tip)
    if lk.marker == "diamond":
        points = f"{_n(x)},{_n(y - 5)} {_n(x + 5)},{_n(y)} {_n(x)},{_n(y + 5)} {_n(x - 5)},{_n(y)}"
        return el("polygon", {"points": points} | attrs, tip)
    return el("circle", {"cx": _n(x), "cy": _n(y), "r": "4"} | attrs, tip)


def axes(mondays: Sequence[date], top: float, ticks: Sequence[tuple[float, str]]) -> Markup:
    """Gridlines (the values on the left, some unlabelled), the baseline, and every other
    week's label under it, ending with the current week."""
    band = PLOT_W / len(mondays)
    grid = [
        el("line", {"x1": LEFT, "x2": WIDTH - RIGHT, "y1": _n(y), "y2": _n(y), "class": "grid"})
        + (
            el("text", {"x": LEFT - 4, "y": _n(y + 4), "text-anchor": "end", "class": "tick"}, text)
            if text
            else Markup()
        )
        for y, text in ((_y(value, top), text) for value, text in ticks)
    ]
    base = _n(_y(0, top))
    baseline = el(
        "line", {"x1": LEFT, "x2": WIDTH - RIGHT, "y1": base, "y2": base, "class": "base"}
    )
    labels = [
        el(
            "text",
            {"x": _n(LEFT + band * (n + 0.5)), "y": HEIGHT - 8, "text-anchor": "middle"},
            week_label(monday),
        )
        for n, monday in enumerate(mondays)
        if (len(mondays) - 1 - n) % 2 == 0
    ]
    return el("g", {"class": "axes"}, grid, baseline, el("g", {"class": "weeks"}, labels))


def _y(value: float, top: float) -> float:
    return TOP + PLOT_H - (value / top * PLOT_H if top else 0)


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def count_scale(most: int) -> tuple[int, list[tuple[float, str]]]:
    """A scale from 0 to a round top at or above `most`, in at most four steps of 1, 2 or
    5 × 10ⁿ (65 → 0, 20, 40, 60, 80): whole numbers, few enough to read on a phone."""
    n, step = 0, 1
    while math.ceil(most / step) > 4:
        n += 1
        step = (1, 2, 5)[n % 3] * 10 ** (n // 3)
    top = max(1, math.ceil(most / step)) * step
    return top, [(value, str(value)) for value in range(0, top + 1, step)]


RATE_TICKS = [(0, "0%"), (25, ""), (50, "50%"), (75, ""), (100, "100%")]


def figures_table(mondays: Sequence[date], series: Sequence[Series], title: str = "") -> Markup:
    """Every week's figure of every series, and the twelve weeks' (what the chart draws)."""
    return data_table(
        ("Week of", *(s.label for s in series)),
        [
            (week_label(monday), *(figure_text(s.weeks[n]) for s in series))
            for n, monday in enumerate(mondays)
        ]
        + [("12 weeks", *(figure_text(s.total) for s in series))],
        label=f"{title}: the figures, week by week" if title else None,
    )


# --- the charts --------------------------------------------------------------------------


def stacked_bars(
    chart_id: str, title: str, description: str, mondays: Sequence[date], series: Sequence[Series]
) -> Markup:
    """A bar a week, its segments the series (each day counted in one), bottom up. The
    legend names the series that have a segment somewhere."""
    looks = [look(s, n) for n, s in enumerate(series)]
    totals = [sum(s.weeks[n].count for s in series) for n in range(len(mondays))]
    if not any(totals):
        return empty_chart(chart_id, title, nothing_recorded(title), None, kind="stacked-bars")
    top, ticks = count_scale(max(totals))
    band = PLOT_W / len(mondays)
    bars = []
    for n, monday in enumerate(mondays):
        base = 0
        for s, lk in zip(series, looks, strict=True):
            value = s.weeks[n].count
            if value:
                bars.append(_segment(chart_id, n, monday, base, value, top, band, s, lk))
            base += value
    body = join_all(patterns(chart_id, looks), axes(mondays, top, ticks), bars)
    shown = [(s, lk) for s, lk in zip(series, looks, strict=True) if s.total.count]
    return chart(
        chart_id,
        title,
        description,
        body,
        legend(chart_id, shown),
        figures_table(mondays, series, title),
        kind="stacked-bars",
    )


def _segment(
    chart_id: str,
    n: int,
    monday: date,
    base: int,
    value: int,
    top: int,
    band: float,
    series: Series,
    lk: Look,
) -> Markup:
    y0, y1 = _y(base, top), _y(base + value, top)
    tip = text(f"Week of {week_label(monday)}: {series.label} {value}")
    return markup(
        f'<rect x="{_n(LEFT + band * n + band * 0.15)}" y="{_n(y1)}" width="{_n(band * 0.7)}"'
        f' height="{_n(y0 - y1)}" fill="{text(fill(chart_id, lk))}" stroke="#fff"'
        f' stroke-width="0.8" class="segment" data-series="{text(series.key)}"'
        f' data-week="{monday.isoformat()}" data-value="{value}"><title>{tip}</title></rect>'
    )


def rate_lines(
    chart_id: str, title: str, description: str, mondays: Sequence[date], series: Sequence[Series]
) -> Markup:
    """A line per rate, 0 to 100%; a week where nothing was due leaves a gap. With nothing
    due at all a sentence says so instead; with nothing counted (every rate 0%, the lines
    on top of each other along the bottom) a note under the chart says why."""
    looks = [look(s, n) for n, s in enumerate(series)]
    if all(t.share is None for s in series for t in s.weeks):
        said = f"Nothing was due in {WEEKS_WORDS}, so there is no rate to draw."
        return empty_chart(chart_id, title, said, None, kind="rate-lines")
    note = None
    if not any(t.count for s in series for t in s.weeks):
        note = f"No answers or returns recorded in {WEEKS_WORDS}: each rate is 0% of what was due."
    band = PLOT_W / len(mondays)
    drawn = [_rate_line(mondays, s, lk, band) for s, lk in zip(series, looks, strict=True)]
    return chart(
        chart_id,
        title,
        description,
        join_all(axes(mondays, 100, RATE_TICKS), drawn),
        legend(chart_id, list(zip(series, looks, strict=True)), lines=True),
        figures_table(mondays, series, title),
        kind="rate-lines",
        note=note,
    )


def _rate_line(mondays: Sequence[date], series: Series, lk: Look, band: float) -> Markup:
    """The weeks with something due joined up, a gap at each week with nothing due; the
    week's values in `data-values` ('' for a gap)."""
    runs: list[list[tuple[float, float]]] = [[]]
    points = []
    for n, (monday, tally) in enumerate(zip(mondays, series.weeks, strict=True)):
        share = tally.share
        if share is None:
            runs.append([])
            continue
        x, y = LEFT + band * (n + 0.5), _y(100 * share, 100)
        runs[-1].append((x, y))
        tip = f"Week of {week_label(monday)}: {series.label} {figure_text(tally)}"
        points.append(
            marker(
                lk,
                x,
                y,
                tip,
                series=series.key,
                week=monday.isoformat(),
                count=tally.count,
                of=tally.of,
                value=round(100 * share),
            )
        )
    lines = [
        el(
            "polyline",
            {
                "points": " ".join(f"{_n(x)},{_n(y)}" for x, y in run),
                "fill": "none",
                "stroke": lk.colour,
                "stroke-width": "2",
                "stroke-dasharray": lk.dash,
                "class": _ink(lk, "trace"),
            },
        )
        for run in runs
        if len(run) > 1
    ]
    values = ",".join("" if t.share is None else str(round(100 * t.share)) for t in series.weeks)
    return el(
        "g",
        {"class": "line", "data-series": series.key, "data-values": values},
        lines,
        points,
    )


def grouped_bars(
    chart_id: str, title: str, description: str, mondays: Sequence[date], series: Sequence[Series]
) -> Markup:
    """Bars side by side, a group a week: counts that overlap (a team return may include
    what its PCSOs' returns say) are shown apart, never added up."""
    looks = [look(s, n) for n, s in enumerate(series)]
    most = max([0, *(t.count for s in series for t in s.weeks)])
    if not most:
        return empty_chart(chart_id, title, nothing_recorded(title), None, kind="grouped-bars")
    top, ticks = count_scale(most)
    band = PLOT_W / len(mondays)
    width = band * 0.8 / max(1, len(series))
    bars = [
        _bar(chart_id, monday, s, s.weeks[n], lk, (LEFT + band * (n + 0.1) + width * k, width), top)
        for n, monday in enumerate(mondays)
        for k, (s, lk) in enumerate(zip(series, looks, strict=True))
        if s.weeks[n].count
    ]
    body = join_all(patterns(chart_id, looks), axes(mondays, top, ticks), bars)
    return chart(
        chart_id,
        title,
        description,
        body,
        legend(chart_id, list(zip(series, looks, strict=True))),
        figures_table(mondays, series, title),
        kind="grouped-bars",
    )


def _bar(
    chart_id: str,
    monday: date,
    series: Series,
    tally: Tally,
    lk: Look,
    where: tuple[float, float],
    top: int,
) -> Markup:
    (x, width), y = where, _y(tally.count, top)
    return el(
        "rect",
        {
            "x": _n(x),
            "y": _n(y),
            "width": _n(width),
            "height": _n(TOP + PLOT_H - y),
            "fill": fill(chart_id, lk),
            "stroke": "#444",
            "stroke-width": "0.6",
            "class": "outline",
            "data-series": series.key,
            "data-week": monday.isoformat(),
            "data-value": tally.count,
        },
        el("title", None, f"Week of {week_label(monday)}: {series.label} {tally.count}"),
    )


def sparkline(label: str, weeks: Sequence[Tally], mondays: Sequence[date]) -> Markup:
    """A small line of a rate week by week (0 to 100%), gaps where nothing was due; the
    values in words for a screen reader and in `data-values` for a test. Written as one
    string (a table has one a row, each the markup `el` would make)."""
    w, h, pad = 96, 24, 3
    step = (w - 2 * pad) / max(1, len(weeks) - 1)
    runs: list[list[str]] = [[]]
    last: tuple[float, float] | None = None
    for n, tally in enumerate(weeks):
        if tally.share is None:
            runs.append([])
            continue
        last = (pad + step * n, h - pad - tally.share * (h - 2 * pad))
        runs[-1].append(f"{_n(last[0])},{_n(last[1])}")
    said = ", ".join(
        f"{week_label(m)} {figure_text(t)}" for m, t in zip(mondays, weeks, strict=True)
    )
    values = ",".join("" if t.share is None else str(round(100 * t.share)) for t in weeks)
    lines = "".join(
        f'<polyline points="{" ".join(run)}" fill="none" stroke="{SPARK}" stroke-width="1.5" />'
        for run in runs
        if len(run) > 1
    )
    dot = f'<circle cx="{_n(last[0])}" cy="{_n(last[1])}" r="2.2" fill="{SPARK}" />' if last else ""
    return markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img"'
        f' aria-label="{text(label)}, week by week" class="sparkline" data-values="{values}">'
        f"<title>{text(label)}, week by week: {text(said)}</title>"
        f'<line x1="{pad}" x2="{w - pad}" y1="{h - pad}" y2="{h - pad}" class="base" />'
        f"{lines}{dot}</svg>"
    )


def join_all(*parts: Child) -> Markup:
    return join(parts)
