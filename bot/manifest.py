"""Build the Teams app package: manifest.json (with the bot's app id) and the two icons."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

FILES = ("manifest.json", "color.png", "outline.png")


class ManifestError(Exception):
    pass


def build_package(source: Path, out: Path, *, app_id: str = "") -> Path:
    """Zip `manifest/` for Teams. The bot id is the configured MicrosoftAppId when set."""
    missing = [name for name in FILES if not (source / name).is_file()]
    if missing:
        raise ManifestError(f"{source}: missing {', '.join(missing)}")
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    if app_id:
        manifest["id"] = app_id
        for bot in manifest.get("bots", []):
            bot["botId"] = app_id
        manifest.setdefault("webApplicationInfo", {})["id"] = app_id
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2))
        for name in FILES[1:]:
            package.write(source / name, arcname=name)
    return out
