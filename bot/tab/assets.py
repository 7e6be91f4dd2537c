"""The tab's files, from the package (`bot/tab/static/`, package data in the wheel), read
once when the service starts and served from memory: the shell page at /tab/, and its
script, style sheet and vendored library at /tab/static/….

Each file's version is a digest of its content: its strong ETag, and the `?v=` the shell
page adds to each file it names, so a browser keeps a named version for a year and asks
again (If-None-Match, answered 304) for anything else.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

SHELL = "index.html"
# What a file is served as, by suffix; files of other kinds (the vendor folder's README and
# licence) ship in the package but are not served.
TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
}
# The shell's references to its files: `src="static/…"`, `href="static/…"`, `data-…="static/…"`.
REFERENCE = re.compile(r'((?:src|href|data-[a-z-]+)="static/)([^"?#]+)(")')
MODE = "{{mode}}"


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    version: str

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


def _asset(body: bytes, content_type: str) -> Asset:
    return Asset(body, content_type, hashlib.sha256(body).hexdigest()[:20])


class Assets:
    """The shell page (for each mode) and the static files, by their path under static/."""

    def __init__(self, files: dict[str, Asset], shell: str) -> None:
        self.files = files
        self._shell = shell

    @classmethod
    def load(cls) -> Assets:
        root = resources.files("bot.tab") / "static"
        files: dict[str, Asset] = {}
        for path, entry in _walk(root, ""):
            content_type = TYPES.get(_suffix(path))
            if content_type and path != SHELL:
                files[path] = _asset(entry.read_bytes(), content_type)
        return cls(files, (root / SHELL).read_text(encoding="utf-8"))

    def shell(self, mode: str) -> Asset:
        """The shell page for the service's mode (`teams` or `local`), each file it names
        with its version."""

        def versioned(match: re.Match[str]) -> str:
            asset = self.files.get(match[2])
            version = f"?v={asset.version}" if asset else ""
            return f"{match[1]}{match[2]}{version}{match[3]}"

        html = REFERENCE.sub(versioned, self._shell).replace(MODE, mode)
        return _asset(html.encode(), TYPES[".html"])


def _walk(folder: Traversable, prefix: str) -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for entry in folder.iterdir():
        if entry.is_dir():
            found.extend(_walk(entry, f"{prefix}{entry.name}/"))
        elif entry.is_file():
            found.append((f"{prefix}{entry.name}", entry))
    return found


def _suffix(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name[name.rfind(".") :] if "." in name else ""
