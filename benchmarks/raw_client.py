"""A lighter client worker: raw asyncio sockets, counting `event: token` frames.

It speaks benchmarks.client's worker protocol (`python -m benchmarks.raw_client`:
one JSON request per line on stdin, one JSON answer per line on stdout, the
streams opened together at the request's `start`), so a runner can use either.
Where benchmarks.client parses every event with httpx + httpx-sse (some 60-200 µs
of CPU per event), this one only finds the frames: each stream is an HTTP/1.1
keep-alive connection (an `asyncio.Protocol`, kept for the worker's life as
benchmarks.client keeps its clients), the request is written as bytes made once,
and the reply is read without parsing its chunked encoding or its JSON: it counts
the occurrences of `event: token` and ends at the chunked body's last chunk
(`0\\r\\n\\r\\n`). So it counts token events only (what `messages` mode streams,
besides the `metadata` and `done` framing benchmarks.client leaves out too), and
it reads only servers that answer with chunked SSE (this library's do).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from benchmarks.client import body

TOKEN = b"event: token\n"
END = b"\r\n0\r\n\r\n"
TAIL = max(len(TOKEN), len(END)) - 1  # bytes kept from a read: a match may span two


class Stream(asyncio.Protocol):
    """One keep-alive connection, reading one response at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.open = False
        self.done: asyncio.Future[bool] | None = None
        self.events = 0
        self.first = 0.0
        self.start = 0.0
        self.head = True
        self.tail = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.open = True

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        if self.done is not None and not self.done.done():
            self.done.set_result(False)

    def request(self, payload: bytes, start: float) -> asyncio.Future[bool]:
        """Send `payload`; the future answers whether the response ended well."""
        assert self.transport is not None
        self.done = asyncio.get_running_loop().create_future()
        self.events = 0
        self.first = 0.0
        self.start = start
        self.head = True
        self.tail = b""
        self.transport.write(payload)
        return self.done

    def data_received(self, data: bytes) -> None:
        if self.head:
            self.head = False
            if not data.startswith(b"HTTP/1.1 200"):  # refused: reported, not hidden
                assert self.transport is not None
                self.transport.close()
                return
        buf = self.tail + data
        found = buf.count(TOKEN)
        if found:
            if not self.events:
                self.first = time.monotonic() - self.start
            self.events += found
        if buf.endswith(END):
            assert self.done is not None
            if not self.done.done():
                self.done.set_result(True)
            self.tail = b""
        else:
            self.tail = buf[-TAIL:]


class Pool:
    """The worker's connections to one server, one per stream, kept between rounds."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.streams: list[Stream] = []

    async def connection(self, index: int) -> Stream:
        while len(self.streams) <= index:
            self.streams.append(Stream())
        stream = self.streams[index]
        if not stream.open:
            loop = asyncio.get_running_loop()
            _, stream = await loop.create_connection(Stream, self.host, self.port)
            self.streams[index] = stream
        return stream


def payload(host: str, port: int, mode: Any, tokens: int) -> bytes:
    content = json.dumps(body(mode, tokens)).encode()
    head = (
        f"POST /stream HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n\r\n"
    )
    return head.encode() + content


async def streams(
    pools: dict[str, Pool],
    base: str,
    mode: Any,
    tokens: int,
    streams: int,
    start: float,
) -> dict[str, Any]:
    """As benchmarks.client.streams: `streams` streams opened at `start`, read to the end."""
    pool = pools.setdefault(base, Pool(base))
    request = payload(pool.host, pool.port, mode, tokens)
    firsts: list[float] = []
    failed = 0

    async def one(index: int) -> int:
        nonlocal failed
        try:
            stream = await pool.connection(index)
            ok = await asyncio.wait_for(stream.request(request, start), 300)
        except (OSError, TimeoutError):
            ok = False
            stream = None
        if not ok or stream is None:
            failed += 1
            return 0
        if stream.events:
            firsts.append(stream.first)
        return stream.events

    await asyncio.sleep(max(0.0, start - time.monotonic()))
    cpu = time.process_time()
    totals = await asyncio.gather(*(one(i) for i in range(streams)))
    return {
        "events": sum(totals),
        "firsts": firsts,
        "failed": failed,
        "end": time.monotonic(),
        "cpu": time.process_time() - cpu,
    }


async def serve() -> None:
    pools: dict[str, Pool] = {}
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        print(json.dumps(await streams(pools, **json.loads(line))), flush=True)


if __name__ == "__main__":
    asyncio.run(serve())
