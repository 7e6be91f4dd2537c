"""Serving on loopback, as the tests need it: a free port, a threaded HTTP server for a fake
peer (the OpenID issuer, Entra ID), the fake Bot Connector on its own port, and waiting for a
`pcso-bot serve` process to become healthy."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import aiohttp
import pytest
from aiohttp import web

from tests.rig.connector import FakeConnector


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def threaded_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """`handler` served on a loopback port by threads of its own; its `http://` URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@asynccontextmanager
async def fake_connector() -> AsyncIterator[FakeConnector]:
    """The fake Bot Connector on a loopback port of its own (for a bot in another process)."""
    fake = FakeConnector()
    runner = web.AppRunner(fake.app())
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    fake.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    fake.server = runner.server
    try:
        yield fake
    finally:
        await runner.cleanup()


async def until_healthy(
    http: aiohttp.ClientSession, url: str, process: asyncio.subprocess.Process
) -> None:
    """Wait (up to 30 s) for `/healthz` of a `pcso-bot serve` process to answer 200."""
    for _ in range(300):
        if process.returncode is not None:
            _, err = await process.communicate()
            pytest.fail(f"pcso-bot serve exited with {process.returncode}: {err.decode()}")
        try:
            async with http.get(f"{url}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    pytest.fail("pcso-bot serve did not become healthy within 30 s")
