"""A client worker: opens its share of a row's concurrent streams.

Run as a worker (`python -m benchmarks.client`): it reads one JSON request per line
on stdin and answers one JSON line on stdout. The runner starts several, so that
parsing hundreds of streams is not left to one Python process. Each request names a
common start instant in `time.monotonic()` seconds (the clock is system-wide on
Linux): the workers open their streams together then, and report first-event times
from it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import httpx
from httpx_sse import aconnect_sse


def body(mode: Any, tokens: int, park: bool = False) -> dict[str, Any]:
    """The request body every benchmarked server takes on `POST /stream`."""
    return {
        "input": {"messages": [{"role": "user", "content": "go"}], "tokens": tokens, "park": park},
        "stream_mode": mode,
    }


async def streams(
    client: httpx.AsyncClient, base: str, mode: Any, tokens: int, streams: int, start: float
) -> dict[str, Any]:
    """Open `streams` streams at `start`; count their events (not `metadata`/`done`)."""
    firsts: list[float] = []
    failed = 0

    async def one() -> int:
        nonlocal failed
        count = 0
        try:
            async with aconnect_sse(
                client, "POST", f"{base}/stream", json=body(mode, tokens)
            ) as source:
                async for sse in source.aiter_sse():
                    if sse.event in ("metadata", "done"):
                        continue
                    if count == 0:
                        firsts.append(time.monotonic() - start)
                    count += 1
        except httpx.TransportError:  # reported, not hidden
            failed += 1
        return count

    await asyncio.sleep(max(0.0, start - time.monotonic()))
    cpu = time.process_time()
    counts = await asyncio.gather(*(one() for _ in range(streams)))
    return {
        "events": sum(counts),
        "firsts": firsts,
        "failed": failed,
        "end": time.monotonic(),
        "cpu": time.process_time() - cpu,
    }


async def serve() -> None:
    # One client for the worker's life: its connections stay open between rounds,
    # as a browser's would between requests to the same server.
    limits = httpx.Limits(max_connections=2000, max_keepalive_connections=2000)
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(limits=limits, timeout=300) as client:
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            print(json.dumps(await streams(client, **json.loads(line))), flush=True)


if __name__ == "__main__":
    asyncio.run(serve())
