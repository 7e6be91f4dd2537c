"""The terminal side: lines read without blocking the loopback connector."""

from __future__ import annotations

import asyncio
import threading
from typing import TextIO


class LineReader:
    """Reads lines on a daemon thread, so the connector keeps serving while the user types."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._loop = asyncio.get_running_loop()
        threading.Thread(target=self._pump, name="chat-stdin", daemon=True).start()

    def _pump(self) -> None:
        while True:
            try:
                line: str | None = self._stream.readline() or None
            except (OSError, ValueError):
                line = None
            try:
                self._loop.call_soon_threadsafe(self._queue.put_nowait, line)
            except RuntimeError:  # the session has ended
                return
            if line is None:
                return

    async def readline(self) -> str | None:
        """The next line without its newline, or None at end of input."""
        line = await self._queue.get()
        if line is None:
            self._queue.put_nowait(None)  # stay at end of input
            return None
        return line.rstrip("\r\n")


def is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
