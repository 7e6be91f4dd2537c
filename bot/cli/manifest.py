"""`pcso-bot manifest build [--source DIR] [--out FILE]`: the Teams app package."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import CommandError, load_settings


def add_manifest(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("manifest", help="the Teams app package")
    msub = p.add_subparsers(dest="manifest_command", required=True)
    build = msub.add_parser("build", help="build the Teams app package (zip) from manifest/")
    build.add_argument("--source", type=Path, default=Path("manifest"))
    build.add_argument("--out", type=Path, default=Path("build/pcso-bot-teams.zip"))
    build.set_defaults(func=_manifest_build)


def _manifest_build(args: argparse.Namespace) -> int:
    from bot.manifest import ManifestError, build_package

    settings = load_settings()
    try:
        out = build_package(args.source, args.out, app_id=settings.app_id)
    except ManifestError as error:
        raise CommandError(str(error)) from error
    print(f"Teams app package written to {out}")
    return 0
