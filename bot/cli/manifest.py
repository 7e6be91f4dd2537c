"""`pcso-bot manifest build`: the Teams app package, or with `--slack` the Slack app manifest.

Every value an option can give has a setting too (bot/settings.py); the option wins.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.common import CommandError, load_settings

TEAMS_OUT = Path("pcso-bot-teams.zip")
SLACK_OUT = Path("pcso-bot-slack.yaml")
# The options that only the Teams app package takes: (attribute, option).
TEAMS_ONLY = (
    ("app_id", "--app-id"),
    ("version", "--version"),
    ("developer_name", "--developer-name"),
    ("website_url", "--website-url"),
    ("privacy_url", "--privacy-url"),
    ("terms_url", "--terms-url"),
)


def add_manifest(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("manifest", help="the Teams app package and the Slack app manifest")
    msub = p.add_subparsers(dest="manifest_command", required=True)
    build = msub.add_parser(
        "build",
        help="write the Teams app package (zip), or with --slack the Slack app manifest",
        description=(
            "Write the Teams app package to upload to Teams (manifest.json and its two icons), "
            "or with --slack the Slack app manifest. An option not given comes from its setting."
        ),
    )
    build.add_argument("--slack", action="store_true", help="the Slack app manifest instead (YAML)")
    build.add_argument(
        "--app-id", metavar="GUID", help="the bot's Azure app id, a GUID (MicrosoftAppId)"
    )
    build.add_argument(
        "--version",
        metavar="X.Y.Z",
        help="the app's version, MAJOR.MINOR.PATCH (the installed package's)",
    )
    build.add_argument(
        "--host", help="the bot's public HTTPS host name, e.g. bot.example.org (PCSO_PUBLIC_HOST)"
    )
    build.add_argument(
        "--developer-name",
        metavar="NAME",
        help="the publisher Teams shows, at most 32 characters (PCSO_DEVELOPER_NAME)",
    )
    build.add_argument(
        "--website-url", metavar="URL", help="the app's support page (PCSO_WEBSITE_URL)"
    )
    build.add_argument("--privacy-url", metavar="URL", help="the privacy notice (PCSO_PRIVACY_URL)")
    build.add_argument("--terms-url", metavar="URL", help="the terms of use (PCSO_TERMS_URL)")
    build.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help=f"the file to write (default ./{TEAMS_OUT}, or ./{SLACK_OUT} with --slack)",
    )
    build.set_defaults(func=_manifest_build)


def _manifest_build(args: argparse.Namespace) -> int:
    from bot import manifest

    settings = load_settings()
    if args.slack:
        given = [option for name, option in TEAMS_ONLY if getattr(args, name) is not None]
        if given:
            raise CommandError(f"{given[0]} is for the Teams app package, not --slack")
        host = settings.public_host if args.host is None else args.host
        out = manifest.write_slack_manifest(host.strip(), args.out or SLACK_OUT)
        print(f"Slack app manifest written to {out}")
        return 0
    app = manifest.teams_app(
        settings,
        app_id=args.app_id,
        version=args.version,
        host=args.host,
        developer_name=args.developer_name,
        website_url=args.website_url,
        privacy_url=args.privacy_url,
        terms_url=args.terms_url,
    )
    out = manifest.write_teams_package(app, args.out or TEAMS_OUT)
    print(f"Teams app package written to {out}")
    return 0
