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
import contextlib
import json
import ssl
import subprocess
import sys
import time
from typing import Any

import httpx
from benchmarks.servers import ROOT
from benchmarks.stats import percentile
from httpx_sse import ServerSentEvent, SSEError, aconnect_sse


def body(mode: Any, tokens: int, park: bool = False) -> dict[str, Any]:
    """The request body every benchmarked server takes on `POST /stream`."""
    return {
        "input": {"messages": [{"role": "user", "content": "go"}], "tokens": tokens, "park": park},
        "stream_mode": mode,
    }


def counts(sse: ServerSentEvent) -> bool:
    """Whether `sse` is one of the run's events, not the `metadata` or `done` framing.

    langgraph-sse and sse-starlette name their events; the guide's server sends
    unnamed ones (`message`), its end being `data: {"type": "done"}`.
    """
    return sse.event not in ("metadata", "done") and sse.data != '{"type": "done"}'


async def streams(
    clients: list[httpx.AsyncClient],
    base: str,
    mode: Any,
    tokens: int,
    streams: int,
    start: float,
) -> dict[str, Any]:
    """Open `streams` streams at `start`, one per client in `clients`, and read them to the end.

    Returns each stream's first-event time (seconds from `start`), the events of all
    the streams (see `counts`), how many failed, the instant (`time.monotonic()`) the
    last one ended, and the CPU seconds this process spent on them.
    """
    firsts: list[float] = []
    failed = 0

    async def one(client: httpx.AsyncClient) -> int:
        nonlocal failed
        count = 0
        try:
            async with aconnect_sse(
                client, "POST", f"{base}/stream", json=body(mode, tokens)
            ) as source:
                source.response.raise_for_status()
                async for sse in source.aiter_sse():
                    if counts(sse):
                        if count == 0:
                            firsts.append(time.monotonic() - start)
                        count += 1
        except (httpx.HTTPError, SSEError):  # refused or cut off: reported, not hidden
            failed += 1
        return count

    await asyncio.sleep(max(0.0, start - time.monotonic()))
    cpu = time.process_time()
    totals = await asyncio.gather(*(one(client) for client in clients[:streams]))
    return {
        "events": sum(totals),
        "firsts": firsts,
        "failed": failed,
        "end": time.monotonic(),
        "cpu": time.process_time() - cpu,
    }


class Clients:
    """Client worker processes sharing a row's streams, run from the benchmark runner.

    Args:
        count: How many worker processes.
        module: The worker: this module (httpx + httpx-sse) or another that speaks
            its protocol on stdin and stdout (benchmarks.raw_client).
    """

    def __init__(self, count: int, module: str = "benchmarks.client") -> None:
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-m", module],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(count)
        ]

    def many(self, base: str, mode: Any, tokens: int, streams: int) -> dict[str, Any]:
        """`streams` streams opened together, split over the workers."""
        count = len(self.processes)
        shares = [streams // count + (i < streams % count) for i in range(count)]
        start = time.monotonic() + 0.2
        asked = []
        for process, share in zip(self.processes, shares, strict=True):
            if share:
                assert process.stdin
                request = {"base": base, "mode": mode, "tokens": tokens, "streams": share}
                process.stdin.write(json.dumps({**request, "start": start}) + "\n")
                process.stdin.flush()
                asked.append(process)
        answers = []
        for process in asked:
            assert process.stdout
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"client worker {process.pid} exited")
            answers.append(json.loads(line))
        firsts = [first for answer in answers for first in answer["firsts"]]
        events = sum(answer["events"] for answer in answers)
        seconds = max(answer["end"] for answer in answers) - start
        return {
            "seconds": seconds,
            "events_per_s": events / seconds,
            "p50_first": percentile(firsts, 50),
            "p99_first": percentile(firsts, 99),
            "failed": sum(answer["failed"] for answer in answers),
            "events": events,
            "client_cpu": sum(answer["cpu"] for answer in answers),
        }

    def stop(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait()


async def serve() -> None:
    # One client per stream, each kept for the worker's life: its connection stays
    # open between rounds, as a browser's would between requests to the same server.
    # Not one client for all the streams: httpcore's pool rescans every connection it
    # holds whenever a request starts or ends (encode/httpcore#1035), so the client's
    # CPU would grow with the square of the streams and stagger their starts.
    tls = ssl.create_default_context()  # unused on http://; made once, not per client
    clients: list[httpx.AsyncClient] = []
    loop = asyncio.get_running_loop()
    async with contextlib.AsyncExitStack() as stack:
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            request = json.loads(line)
            while len(clients) < request["streams"]:
                client = httpx.AsyncClient(verify=tls, timeout=300)
                clients.append(await stack.enter_async_context(client))
            print(json.dumps(await streams(clients, **request)), flush=True)


if __name__ == "__main__":
    asyncio.run(serve())
