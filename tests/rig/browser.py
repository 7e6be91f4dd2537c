"""Renders Adaptive Cards as Teams would, with Microsoft's renderer in headless Chromium.

The page is `cardrender/gallery.html` (its script `gallery.js` renders and measures); the
renderer is the `adaptivecards` npm package (with `markdown-it`, which Teams' Markdown
needs), installed into `cardrender/node_modules` from `package-lock.json` when missing.
Chromium is Debian's (`/usr/bin/chromium`, or `PCSO_CHROMIUM`), driven by Playwright; no
browser is ever downloaded. The host config (`teams-host-config.json`) is Teams' light theme.

`tools_missing()` says what is missing (None when all is there); `render()` renders all
cards in one page of one browser and saves a PNG of each card at each width.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RIG = Path(__file__).parent / "cardrender"
PAGE = RIG / "gallery.html"
HOST_CONFIG = RIG / "teams-host-config.json"
RENDERER = RIG / "node_modules" / "adaptivecards" / "dist" / "adaptivecards.min.js"
MARKDOWN = RIG / "node_modules" / "markdown-it" / "dist" / "markdown-it.min.js"
CHROMIUM = Path(os.environ.get("PCSO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# The font Teams' Segoe UI falls back to here (Arial's metrics): Debian's fonts-liberation.
FONT = "Liberation Sans"
PHONE, DESKTOP = 375, 560
WIDTHS = (PHONE, DESKTOP)
NPM_TIMEOUT = 300


def tools_missing() -> str | None:
    """Why the cards cannot be rendered here, or None: Playwright, Chromium, the font,
    node and npm, and the npm packages (installed now when missing)."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the Python package playwright is not installed (pip install -e '.[dev]')"
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if not _font_installed():
        return f"the font {FONT} is not installed (apt-get install fonts-liberation)"
    if not (RENDERER.is_file() and MARKDOWN.is_file()):
        return _npm_install()
    return None


def npm_file(*parts: str) -> tuple[Path, str | None]:
    """A file of one of the rig's npm packages (`cardrender/package.json`), installed from
    the lockfile when missing (`npm ci` checks every package against the registry integrity
    the lockfile pins), and why it is still missing, or None."""
    path = RIG.joinpath("node_modules", *parts)
    if path.is_file():
        return path, None
    return path, _npm_install() or (None if path.is_file() else f"npm ci did not install {path}")


def _font_installed() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, FONT], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


def _npm_install() -> str | None:
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        return "node and npm are not installed (apt-get install nodejs npm)"
    try:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=RIG,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"npm ci in {RIG} took more than {NPM_TIMEOUT} s"
    if done.returncode != 0 or not RENDERER.is_file():
        return f"npm ci in {RIG} failed: {(done.stderr or done.stdout).strip()[-500:]}"
    return None


@dataclass
class Frame:
    """One card in one state at one width."""

    state: str  # "collapsed", "expanded" (hidden parts shown) or "show-N" (a form opened)
    width: int
    height: int
    problems: list[str]
    png: Path


@dataclass
class Rendered:
    name: str
    events: list[dict[str, str]]  # the renderer's own validation events
    frames: list[Frame] = field(default_factory=list)
    error: str | None = None

    def frame(self, width: int, state: str = "collapsed") -> Frame | None:
        return next((f for f in self.frames if (f.width, f.state) == (width, state)), None)


async def render(
    cards: dict[str, dict[str, Any]], out: Path, *, unsaved: frozenset[str] = frozenset()
) -> list[Rendered]:
    """Render every card (by name) at each width in one page; PNGs into `out`
    (`<name>-<width>.png`, and `<name>-<width>-<state>.png` for the other states), except
    of the cards named in `unsaved`."""
    from playwright.async_api import async_playwright

    host_config = _prepare(out)
    items = [{"name": name, "card": card} for name, card in cards.items()]
    page_errors: list[str] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            page = await browser.new_page(viewport={"width": DESKTOP + 40, "height": 900})
            # Chromium's own screenshot call: a third of the time of a locator's screenshot.
            cdp = await page.context.new_cdp_session(page)
            page.on("pageerror", lambda error: page_errors.append(str(error)))
            await page.goto(PAGE.as_uri())
            await page.wait_for_function("() => window.pcsoGallery && window.AdaptiveCards")
            await page.evaluate("() => document.fonts.ready")
            results = []
            for item in items:  # one card at a time: a short page screenshots quickly
                [entry] = await page.evaluate(
                    "([items, config, widths]) => pcsoGallery.render(items, config, widths)",
                    [[item], host_config, list(WIDTHS)],
                )
                results.append(await _shoot(page, cdp, entry, out, item["name"] not in unsaved))
        finally:
            await browser.close()
    if page_errors:
        results.append(Rendered("(the gallery page)", [], error="; ".join(page_errors)))
    return results


def _prepare(out: Path) -> dict[str, Any]:
    """The folder for the PNGs, and the host config."""
    out.mkdir(parents=True, exist_ok=True)
    return dict(json.loads(HOST_CONFIG.read_text(encoding="utf-8")))


async def _shoot(page: Any, cdp: Any, entry: dict[str, Any], out: Path, save: bool) -> Rendered:
    """The PNG of each of the card's boxes (if `save`), and what was measured in it."""
    rendered = Rendered(entry["name"], entry.get("events", []), error=entry.get("error"))
    boxes = await page.evaluate(BOXES)
    for frame in entry.get("frames", []):
        suffix = "" if frame["state"] == "collapsed" else f"-{frame['state']}"
        png = out / f"{entry['name']}-{frame['width']}{suffix}.png"
        if save:
            shot = await cdp.send(
                "Page.captureScreenshot",
                {"format": "png", "clip": boxes[frame["frame"]], "captureBeyondViewport": True},
            )
            png.write_bytes(base64.b64decode(shot["data"]))
        rendered.frames.append(
            Frame(frame["state"], frame["width"], frame["height"], frame["problems"], png)
        )
    return rendered


# Where each box is in the page, for a screenshot of just that box.
BOXES = """() => Object.fromEntries(Array.from(document.querySelectorAll(".frame"), (box) => {
    const r = box.getBoundingClientRect();
    return [box.dataset.frame, {x: r.x + scrollX, y: r.y + scrollY, width: r.width,
                                height: r.height, scale: 1}];
}))"""
