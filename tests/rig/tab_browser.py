"""The supervision tab's pages in Debian's headless Chromium (driven by Playwright, no
browser downloaded), styled by the tab's own stylesheet: how wide each page is at a phone's
and a desktop's width, what was drawn, and a screenshot of each.

`standalone` wraps a page's fragment in a document like the shell's (the fragment in
`<main>`, `tab.css` linked); `measure` opens each document at each width and reports. The
end-to-end test through the server can measure its own pages with `measure_page`, in a
browser from `launched`.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from tests.rig.browser import CHROMIUM, CHROMIUM_ARGS, FONT, _font_installed

STYLESHEET = Path(__file__).parent.parent.parent / "bot" / "tab" / "static" / "tab.css"
PHONE, DESKTOP = 375, 1280
WIDTHS = (PHONE, DESKTOP)


def tools_missing() -> str | None:
    """Why the pages cannot be opened in a browser here, or None."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[dev]')"
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if not _font_installed():
        return f"the font {FONT} is not installed (apt-get install fonts-liberation)"
    return None


@asynccontextmanager
async def launched() -> AsyncIterator[Any]:
    """Debian's Chromium driven by Playwright (no browser downloaded); where it cannot run
    here, a skip saying why, or a failure when CI is set."""
    missing = tools_missing()
    if missing:
        if os.environ.get("CI", "").strip().lower() in ("true", "1", "yes"):
            pytest.fail(f"CI is set: {missing}")
        pytest.skip(missing)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


def standalone(title: str, fragment: str) -> str:
    """A page's fragment as the shell shows it, with the tab's stylesheet."""
    return (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f'<link rel="stylesheet" href="{STYLESHEET.as_uri()}"></head>'
        f"<body><main>{fragment}</main></body></html>"
    )


@dataclass
class Measured:
    name: str
    width: int
    scroll_width: int  # the document's: more than `width` is a page that scrolls sideways
    charts: int  # SVG charts with something drawn in them (bars or points)
    drawn: int  # bars and points drawn
    text: str  # the page's text, figures tables included
    png: Path
    errors: list[str] = field(default_factory=list)


MEASURE = """() => {
  const charts = Array.from(document.querySelectorAll('svg.chart-svg'));
  const marks = (svg) => svg.querySelectorAll('[data-series][data-week]').length;
  const widths = charts.map((svg) => svg.getBoundingClientRect().width);
  return {
    scrollWidth: document.documentElement.scrollWidth,
    charts: charts.filter((svg) => marks(svg) > 0 && svg.getBoundingClientRect().height > 0).length,
    drawn: charts.reduce((n, svg) => n + marks(svg), 0),
    narrowest: widths.length ? Math.min(...widths) : 0,
    text: document.body.textContent,
  };
}"""


async def measure(pages: dict[str, str], out: Path) -> list[Measured]:
    """Each document (name → HTML) at each width, with a full-page PNG in `out`
    (`<name>-<width>.png`)."""
    from playwright.async_api import async_playwright

    sources = _write(pages, out)
    found = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            for name, source in sources.items():
                for width in WIDTHS:
                    found.append(await measure_page(browser, source.as_uri(), name, width, out))
        finally:
            await browser.close()
    return found


def _write(pages: dict[str, str], out: Path) -> dict[str, Path]:
    """Each document as `<name>.html` in `out` (kept beside its screenshots)."""
    out.mkdir(parents=True, exist_ok=True)
    for name, html in pages.items():
        (out / f"{name}.html").write_text(html, encoding="utf-8")
    return {name: out / f"{name}.html" for name in pages}


async def measure_page(browser: Any, url: str, name: str, width: int, out: Path) -> Measured:
    page = await browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        await page.goto(url)
        await page.evaluate("() => document.fonts.ready")
        seen = await page.evaluate(MEASURE)
        png = out / f"{name}-{width}.png"
        await page.screenshot(path=str(png), full_page=True)
    finally:
        await page.close()
    return Measured(
        name, width, seen["scrollWidth"], seen["charts"], seen["drawn"], seen["text"], png, errors
    )
