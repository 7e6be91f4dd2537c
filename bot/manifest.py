"""The Teams app package and the Slack app manifest, from the sources in `manifest/`.

The sources ship in the wheel as `bot/app_manifest` (a link to the top-level `manifest/`), so
`pcso-bot manifest build` works from any directory. What differs between forces (the app id,
the public host, the publisher and its pages, the version) comes from settings and options
and is checked before anything is written: Teams refuses a package that breaks its schema, and
a package with a wrong id or host installs but never reaches the bot.
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.errors import CommandError
from bot.settings import Settings

SOURCES = "app_manifest"
TEAMS_MANIFEST = "manifest.json"
ICONS = ("color.png", "outline.png")
SLACK_TEMPLATE = "slack-app.yaml"
HOST_PLACEHOLDER = "https://YOUR-HOST/"  # in the sources' URLs, replaced by the public host
DISTRIBUTION = "pcso-bot"
# The keys of manifest.json the build writes (from the source's, or the force's, values).
BUILT = frozenset(
    {
        "$schema",
        "manifestVersion",
        "version",
        "id",
        "developer",
        "bots",
        "staticTabs",
        "validDomains",
        "webApplicationInfo",
    }
)

GUID = re.compile(r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}", re.IGNORECASE)
# The Teams schema's own pattern for `version`: MAJOR.MINOR.PATCH, no pre-release or build.
SEMVER = re.compile(r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)")
HOST_NAME = re.compile(
    r"(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?"
)
DEVELOPER_NAME_MAX = 32  # developer.name in the Teams schema
URL_MAX = 2048
HOST_EXAMPLE = "pcso-bot.example.police.uk"


@dataclass(frozen=True, kw_only=True)
class TeamsApp:
    """What varies between forces in the Teams app package, each value checked."""

    app_id: str
    version: str
    host: str
    developer_name: str
    website_url: str
    privacy_url: str
    terms_url: str


def sources() -> Traversable:
    return resources.files("bot") / SOURCES


def teams_app(
    settings: Settings,
    *,
    app_id: str | None = None,
    version: str | None = None,
    host: str | None = None,
    developer_name: str | None = None,
    website_url: str | None = None,
    privacy_url: str | None = None,
    terms_url: str | None = None,
) -> TeamsApp:
    """The options given, else the settings; a `CommandError` naming the first one missing or
    malformed."""
    return TeamsApp(
        app_id=checked_app_id(_given(app_id, settings.app_id)),
        version=checked_version(version),
        host=checked_host(_given(host, settings.public_host)),
        developer_name=checked_developer_name(_given(developer_name, settings.developer_name)),
        website_url=checked_url(
            _given(website_url, settings.website_url),
            name="website URL",
            option="--website-url",
            setting="PCSO_WEBSITE_URL",
            what="the app's support page",
        ),
        privacy_url=checked_url(
            _given(privacy_url, settings.privacy_url),
            name="privacy URL",
            option="--privacy-url",
            setting="PCSO_PRIVACY_URL",
            what="the force's privacy notice for the app",
        ),
        terms_url=checked_url(
            _given(terms_url, settings.terms_url),
            name="terms URL",
            option="--terms-url",
            setting="PCSO_TERMS_URL",
            what="the app's terms of use",
        ),
    )


def _given(option: str | None, setting: str) -> str:
    return (setting if option is None else option).strip()


def checked_app_id(value: str) -> str:
    if not value:
        raise CommandError(
            "no app id: set MicrosoftAppId or pass --app-id (the bot's Azure registration, a GUID)"
        )
    if not GUID.fullmatch(value):
        raise CommandError(
            f"the app id (--app-id or MicrosoftAppId) {value!r} is not a GUID "
            "(e.g. 1b4e28ba-2fa1-41d2-883f-0016d3cca427)"
        )
    if not value.strip("0-"):
        raise CommandError("the app id (--app-id or MicrosoftAppId) is the all-zero GUID")
    return value.lower()


def checked_version(value: str | None) -> str:
    """`--version`, else the installed package's version; Teams takes MAJOR.MINOR.PATCH."""
    if value is None:
        try:
            installed = metadata.version(DISTRIBUTION)
        except metadata.PackageNotFoundError as error:
            raise CommandError(
                f"the {DISTRIBUTION} package is not installed, so it has no version to "
                "give: pass --version (e.g. 1.2.0)"
            ) from error
        if not SEMVER.fullmatch(installed):
            raise CommandError(
                f"the installed version {installed!r} is not MAJOR.MINOR.PATCH, which Teams "
                "requires: pass --version (e.g. 1.2.0)"
            )
        return installed
    if not SEMVER.fullmatch(value):
        raise CommandError(
            f"--version {value!r} is not MAJOR.MINOR.PATCH (e.g. 1.2.0; Teams takes no "
            "pre-release or build suffix)"
        )
    return value


def checked_host(value: str) -> str:
    if not value:
        raise CommandError(
            "no public host: set PCSO_PUBLIC_HOST or pass --host (the bot's HTTPS host name, "
            f"e.g. {HOST_EXAMPLE}, where Teams finds the supervision tab and its sign-in)"
        )
    host = value.lower()
    if not HOST_NAME.fullmatch(host):
        raise CommandError(
            f"the host (--host or PCSO_PUBLIC_HOST) {value!r} is not a host name "
            f"(e.g. {HOST_EXAMPLE}: no scheme, port or path)"
        )
    return host


def checked_developer_name(value: str) -> str:
    if not value:
        raise CommandError(
            "no developer name: set PCSO_DEVELOPER_NAME or pass --developer-name "
            "(the publisher Teams shows, e.g. the force's name)"
        )
    if len(value) > DEVELOPER_NAME_MAX:
        raise CommandError(
            f"the developer name (--developer-name or PCSO_DEVELOPER_NAME) has {len(value)} "
            f"characters; Teams takes at most {DEVELOPER_NAME_MAX}"
        )
    return value


def checked_url(value: str, *, name: str, option: str, setting: str, what: str) -> str:
    if not value:
        raise CommandError(f"no {name}: set {setting} or pass {option} ({what}, https://…)")
    parts = urlsplit(value)
    if (
        parts.scheme.lower() != "https"
        or not parts.hostname
        or len(value) > URL_MAX
        or any(c.isspace() for c in value)
    ):
        raise CommandError(
            f"the {name} ({option} or {setting}) {value!r} is not an https:// URL "
            f"of at most {URL_MAX} characters"
        )
    return value


def teams_manifest(app: TeamsApp) -> dict[str, Any]:
    """manifest.json: the fixed parts of the source, and the force's values."""
    source: dict[str, Any] = json.loads((sources() / TEAMS_MANIFEST).read_text(encoding="utf-8"))
    fixed = {key: value for key, value in source.items() if key not in BUILT}
    return {
        "$schema": source["$schema"],
        "manifestVersion": source["manifestVersion"],
        "version": app.version,
        "id": app.app_id,
        "developer": {
            "name": app.developer_name,
            "websiteUrl": app.website_url,
            "privacyUrl": app.privacy_url,
            "termsOfUseUrl": app.terms_url,
        },
        **fixed,
        "bots": [{"botId": app.app_id, **bot} for bot in source["bots"]],
        "staticTabs": [_at_host(tab, app.host) for tab in source["staticTabs"]],
        "validDomains": [app.host],
        "webApplicationInfo": {"id": app.app_id, "resource": f"api://{app.host}/{app.app_id}"},
    }


def _at_host(tab: dict[str, Any], host: str) -> dict[str, Any]:
    """A personal tab of the source, its pages on the bot's public host (the supervision
    tab, /tab/, signs in with webApplicationInfo's resource). It has no `websiteUrl`: opened
    in a browser outside Teams the tab could not sign in."""
    return {
        name: value.replace(HOST_PLACEHOLDER, f"https://{host}/") if name.endswith("Url") else value
        for name, value in tab.items()
    }


def write_teams_package(app: TeamsApp, out: Path) -> Path:
    """The zip Teams takes: manifest.json and the two icons at its root."""
    manifest = json.dumps(teams_manifest(app), indent=2, ensure_ascii=False) + "\n"
    icons = {name: (sources() / name).read_bytes() for name in ICONS}

    def write(path: Path) -> None:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as package:
            package.writestr(TEAMS_MANIFEST, manifest)
            for name, data in icons.items():
                package.writestr(name, data)

    return _write_whole(out, write)


def slack_manifest(host: str) -> str:
    """The Slack app manifest with both request URLs on `https://HOST/api/slack`."""
    template = (sources() / SLACK_TEMPLATE).read_text(encoding="utf-8")
    return template.replace(HOST_PLACEHOLDER, f"https://{checked_host(host)}/")


def write_slack_manifest(host: str, out: Path) -> Path:
    text = slack_manifest(host)

    def write(path: Path) -> None:
        path.write_text(text, encoding="utf-8")

    return _write_whole(out, write)


def _write_whole(out: Path, write: Callable[[Path], None]) -> Path:
    """Write beside `out` and rename, so `out` is either the whole file or untouched."""
    out = out.expanduser().absolute()
    if out.is_dir():
        raise CommandError(f"--out {out} is a directory: name the file to write")
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            write(partial)
            partial.replace(out)
        finally:
            partial.unlink(missing_ok=True)
    except OSError as error:
        raise CommandError(f"cannot write {out}: {error.strerror or error}") from error
    return out
