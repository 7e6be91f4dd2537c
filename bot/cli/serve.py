"""`pcso-bot serve [--host H] [--port P]`: run the bot service (scheduler included).

In order: the options (argparse), the settings and the database (`require_migrated`), then
the listening sockets are bound, and only then does the service start (database engine,
channels, outbox, scheduler: the app's cleanup contexts) and say where it is serving
(`_announce`). A port already taken is one line and exit status 2, with nothing started.

SIGINT and SIGTERM stop it as `aiohttp.web.run_app` would: no new connections, requests in
flight finish (up to `SHUTDOWN_TIMEOUT`), then the cleanup contexts run in reverse.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import ipaddress
import logging
import re
import signal
import socket
from typing import TYPE_CHECKING

from bot.cli.common import CommandError, load_settings, require_migrated

if TYPE_CHECKING:
    from aiohttp import web

log = logging.getLogger("pcso-bot")

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 3978
BACKLOG = 128
SHUTDOWN_TIMEOUT = 60.0  # web.run_app's
KEEPALIVE_TIMEOUT = 75.0  # web.run_app's
HOSTNAME = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?", re.I)


def add_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the bot service (scheduler included)")
    p.add_argument(
        "--host",
        type=host,
        default=DEFAULT_HOST,
        help=f"the address to listen on (default {DEFAULT_HOST}; loopback only without "
        "MicrosoftAppId)",
    )
    p.add_argument(
        "--port", type=port, default=DEFAULT_PORT, help=f"1-65535 (default {DEFAULT_PORT})"
    )
    p.set_defaults(func=_serve)


def host(text: str) -> str:
    """`--host`: an IP address or a host name."""
    value = text.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    if len(value) <= 253 and HOSTNAME.fullmatch(value):
        return value
    raise argparse.ArgumentTypeError(
        f"{text!r} is not an IP address or host name (e.g. 127.0.0.1 or 0.0.0.0)"
    )


def port(text: str) -> int:
    """`--port`: a TCP port number."""
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 1 to 65535")
    return value


def _is_loopback(name: str) -> bool:
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _serve(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.authenticated and not _is_loopback(args.host):
        raise CommandError(
            f"refusing to listen on {args.host}: with no MicrosoftAppId set the bot is "
            "unauthenticated and may only listen on loopback (127.0.0.1)"
        )
    asyncio.run(require_migrated(settings))
    sockets = listen(args.host, args.port)
    try:
        # The service's modules (the channel SDKs among them) load only for this command.
        from bot.app import create_app, steady_collector

        app = create_app(settings)
        steady_collector()
        asyncio.run(_run(app, sockets))
    finally:
        for sock in sockets:
            sock.close()
    return 0


def listen(name: str, number: int) -> list[socket.socket]:
    """Listening sockets on every address `name` resolves to (as asyncio's `create_server`
    binds them), before anything starts: connections made meanwhile wait in the backlog."""
    try:
        addresses = socket.getaddrinfo(
            name, number, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as error:
        raise CommandError(f"--host {name}: cannot resolve it ({error.strerror})") from error
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in dict.fromkeys(addresses):
            if family == socket.AF_INET6 and not socket.has_ipv6:
                continue
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(BACKLOG)
    except OSError as error:
        for sock in sockets:
            sock.close()
        raise CommandError(_cannot_listen(name, number, error)) from error
    return sockets


def _cannot_listen(name: str, number: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"port {number} on {name} is already in use (another pcso-bot, or another "
            "service?): stop it, or choose another --port"
        )
    if error.errno == errno.EACCES:
        return f"not allowed to listen on port {number} on {name}: choose a --port above 1023"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {name}: it is not an address of this machine (check --host)"
    return f"cannot listen on {name} port {number}: {error.strerror} (check --host and --port)"


async def _run(app: web.Application, sockets: list[socket.socket]) -> None:
    """Serve on the bound sockets until SIGINT or SIGTERM, then shut down gracefully."""
    from aiohttp import web

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        runner = web.AppRunner(
            app, shutdown_timeout=SHUTDOWN_TIMEOUT, keepalive_timeout=KEEPALIVE_TIMEOUT
        )
        await runner.setup()  # the cleanup contexts start: engine, channels, scheduler, …
        try:
            for sock in sockets:
                await web.SockSite(runner, sock, backlog=BACKLOG).start()
            _announce(app, sorted(str(site.name) for site in runner.sites))
            await stop.wait()
            log.info("stopping")
        finally:
            await runner.cleanup()  # the cleanup contexts stop, in reverse
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def _announce(app: web.Application, urls: list[str]) -> None:
    """The one place the service says it is up, once bound and started: one banner line
    (`bot.app.banner`), a WARNING when the bot is unauthenticated."""
    from bot.app import banner

    level, line = banner(app, ", ".join(urls))
    log.log(level, "%s", line)
