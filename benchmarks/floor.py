"""The floor: the same graph run in process with `graph.astream`, no HTTP.

Run as a worker (`python -m benchmarks.floor`): it reads one JSON request per line
on stdin and answers one JSON line on stdout, so the runner can interleave floor
measurements with HTTP ones without paying a process start each time.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from typing import Any

from benchmarks.graph import build_graph
from benchmarks.stats import percentile, rss_mib

graph = build_graph()
# Like every benchmarked server (benchmarks.apps), the floor freezes what it holds
# at startup, so the collector's full passes do not rescan it (see gc.freeze).
gc.collect()
gc.freeze()


def _input(tokens: int, park: bool = False) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": "go"}], "tokens": tokens, "park": park}


async def one(mode: Any, tokens: int) -> dict[str, float]:
    """One run: wall time, events, time to first event."""
    gc.collect()
    started = time.perf_counter()
    first = None
    events = 0
    async for _ in graph.astream(_input(tokens), stream_mode=mode, version="v2"):
        if first is None:
            first = time.perf_counter() - started
        events += 1
    return {"seconds": time.perf_counter() - started, "events": events, "first": first or 0.0}


async def many(mode: Any, tokens: int, streams: int) -> dict[str, float]:
    """`streams` runs at once: total events/s, p50/p99 time to first event."""
    gc.collect()
    started = time.perf_counter()
    firsts: list[float] = []

    async def run() -> int:
        count = 0
        async for _ in graph.astream(_input(tokens), stream_mode=mode, version="v2"):
            if count == 0:
                firsts.append(time.perf_counter() - started)
            count += 1
        return count

    counts = await asyncio.gather(*(run() for _ in range(streams)))
    seconds = time.perf_counter() - started
    return {
        "events_per_s": sum(counts) / seconds,
        "p50_first": percentile(firsts, 50),
        "p99_first": percentile(firsts, 99),
        "failed": 0,
    }


async def parked(streams: int) -> dict[str, float]:
    """RSS with `streams` runs parked on a slow model, per run."""
    for _ in range(3):  # the first runs import and cache
        await one("messages", 50)
    gc.collect()
    before = rss_mib()
    started = asyncio.Event()
    seen = 0

    async def run() -> None:
        nonlocal seen
        async for _ in graph.astream(_input(1, park=True), stream_mode="messages", version="v2"):
            seen += 1
            if seen == streams:
                started.set()

    tasks = [asyncio.create_task(run()) for _ in range(streams)]
    await asyncio.wait_for(started.wait(), 120)
    gc.collect()
    after = rss_mib()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "rss_before": before,
        "rss_after": after,
        "kib_per_stream": (after - before) * 1024 / streams,
    }


async def serve() -> None:
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        request = json.loads(line)
        op = request.pop("op")
        result = await {"one": one, "many": many, "parked": parked}[op](**request)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    asyncio.run(serve())
