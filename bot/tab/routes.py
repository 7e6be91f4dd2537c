"""The supervision tab's routes on the service's one aiohttp application.

- `GET /tab/`: the shell page (header, navigation, `<main>`), the same for everyone; its
  script signs in and fetches the pages.
- `GET /tab/static/{path}`: its script, style sheet and vendored library, from memory, with
  a content ETag (`bot/tab/assets.py`).
- `GET /tab/api/me`: who is signed in, their role, their home page and navigation.
- `GET /tab/api/page/{name}?…`: a page, `{"title", "html"}`, for the signed-in officer;
  every page shown is written to the audit log (`tab.view`) in the request's transaction.

Every API call is signed in (`bot/tab/auth.py`) and checked (`bot/tab/access.py`); a refusal
is answered `{"error": words, "reason": code}` with its status (400, 401, 403, 404) and
logged at INFO without personal data. Every response under /tab/ carries the headers in
`SECURITY_HEADERS` and a Content-Security-Policy that allows no inline script and framing
only by Teams; API answers are never cached.

`create_app` (bot/app.py) builds a `Tab` in a cleanup context and calls `add_routes`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.settings import Settings
from bot.tab import access
from bot.tab.assets import Asset, Assets
from bot.tab.auth import Refusal, TabAuth
from bot.tab.pages import PAGES, KeptPages, Page, PageError, Viewer, render_page
from dialogs.router import Views
from storage import audit
from storage.models import Officer, Team

log = logging.getLogger(__name__)

PREFIX = "/tab/"
API = "/tab/api/"
FRAME_ANCESTORS = (
    "'self'",
    "https://teams.microsoft.com",
    "https://*.teams.microsoft.com",
    "https://*.office.com",
    "https://*.microsoft365.com",
    "https://*.cloud.microsoft",
)
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        f"frame-ancestors {' '.join(FRAME_ANCESTORS)}",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class Tab:
    """What the tab's handlers share, made once by `create_app`."""

    settings: Settings
    clock: Clock
    sessions: async_sessionmaker[AsyncSession]
    views: Views
    auth: TabAuth
    assets: Assets
    kept: KeptPages[Page] = field(default_factory=KeptPages)
    """Overviews drawn for this process, kept while their teams' stamps stand."""

    @property
    def mode(self) -> str:
        return "teams" if self.settings.authenticated else "local"


TAB = web.AppKey("tab", Tab)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/tab/", shell)
    app.router.add_get("/tab/static/{path:.+}", static)
    app.router.add_get("/tab/api/me", me)
    app.router.add_get("/tab/api/page/{name}", page)
    app.router.add_get("/tab/api/{anything:.*}", no_such_call)
    app.on_response_prepare.append(_security_headers)


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path.startswith(PREFIX):
        response.headers.update(SECURITY_HEADERS)
    if request.path.startswith(API):
        response.headers["Cache-Control"] = "no-store"


async def shell(request: web.Request) -> web.StreamResponse:
    tab = request.app[TAB]
    return _asset(request, tab.assets.shell(tab.mode), cache="no-cache")


async def static(request: web.Request) -> web.StreamResponse:
    asset = request.app[TAB].assets.files.get(request.match_info["path"])
    if asset is None:
        raise web.HTTPNotFound(text="no such file\n")
    versioned = request.query.get("v") == asset.version
    return _asset(request, asset, cache=IMMUTABLE if versioned else "no-cache")


def _asset(request: web.Request, asset: Asset, *, cache: str) -> web.StreamResponse:
    headers = {"ETag": asset.etag, "Cache-Control": cache}
    if asset.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    return web.Response(body=asset.body, headers={**headers, "Content-Type": asset.content_type})


Answer = Callable[[AsyncSession, Officer, tuple[Team, ...], datetime], Awaitable[dict[str, object]]]
# A page's refusal, by its status, as the script is told it.
PAGE_REASONS = {400: "bad_request", 403: "not_yours", 404: "not_found"}


async def me(request: web.Request) -> web.Response:
    async def answer(
        session: AsyncSession, officer: Officer, teams: tuple[Team, ...], now: datetime
    ) -> dict[str, object]:
        return access.me(officer, teams)

    return await _signed_in(request, answer)


async def page(request: web.Request) -> web.Response:
    """A page for the signed-in officer, once the checks allow it; the view is audited in
    the same transaction, so a page is shown only if its audit entry is stored."""
    tab = request.app[TAB]
    name = request.match_info["name"]

    async def answer(
        session: AsyncSession, officer: Officer, teams: tuple[Team, ...], now: datetime
    ) -> dict[str, object]:
        params = access.checked_params(request.query, [key for key, _ in request.query.items()])
        await access.check_page(session, officer, teams, name, params, pages=PAGES)
        try:
            shown = await render_page(
                name,
                params,
                session=session,
                viewer=Viewer(officer=officer, teams=teams),
                now=now,
                zone=tab.settings.zone,
                views=tab.views,
                kept=tab.kept,
            )
        except PageError as error:
            reason = PAGE_REASONS.get(error.status, "refused")
            raise Refusal(error.status, reason, error.message) from error
        await audit.record(session, "tab.view", at=now, officer=officer, **shown.shown)
        return {"title": shown.title, "html": shown.html}

    return await _signed_in(request, answer)


async def _signed_in(request: web.Request, answer: Answer) -> web.Response:
    """`answer` for the signed-in officer, in one transaction (committed with the answer);
    a refusal in words, or 503 when the database cannot be reached."""
    tab = request.app[TAB]
    try:
        now = tab.clock()
        async with tab.sessions() as session, session.begin():
            officer = await tab.auth.officer(session, request.headers.get("Authorization"), now=now)
            teams = await access.teams_of(session, officer)
            body = await answer(session, officer, teams, now)
    except Refusal as refusal:
        log.info("tab: %s refused: %d %s", _where(request), refusal.status, refusal.reason)
        return _api({"error": refusal.message, "reason": refusal.reason}, status=refusal.status)
    except SQLAlchemyError as error:
        log.error("tab: %s: the database failed: %s", _where(request), type(error).__name__)
        return _api(
            {
                "error": "The tab cannot reach its database just now: try again shortly.",
                "reason": "unavailable",
            },
            status=503,
        )
    return _api(body)


async def no_such_call(request: web.Request) -> web.Response:
    return _api(
        {"error": "The tab's service has no such address.", "reason": "not_found"}, status=404
    )


def _where(request: web.Request) -> str:
    """The request in a log line: its method and path, cut short (the path is the caller's)."""
    return f"{request.method} {request.path[:80]}"


def _api(body: dict[str, object], *, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, headers={"Cache-Control": "no-store"})
