"""Following a run on another replica through Redis, against following it in memory.

`python -m benchmarks.redis_follow --rounds 9` starts two replicas of
benchmarks.replica_apps (A and B: uvicorn processes sharing runs through one
Redis, under a key prefix of this run's own, removed at the end) and measures, in
interleaved rounds (the order shuffled each round), one 1,000-token `messages` run
read two ways:

| row | start | follow |
| --- | --- | --- |
| in memory | `POST /runs` on A | `GET /runs/{run_id}/stream` on A: the run's log, in A's memory |
| through Redis | `POST /runs` on A | `GET /runs/{run_id}/stream` on B: the frames A copies to Redis |

The two rows differ only in which replica is read: A shares every run in Redis in
both. The client (httpx + httpx-sse, this process) parses every frame's JSON and
stops at `done`. Times are from sending `POST /runs`; CPU is each replica's
(benchmarks.stats.cpu_seconds) over the whole request, per token.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
from benchmarks.servers import Server
from benchmarks.stats import cpu_seconds, median
from httpx_sse import aconnect_sse

TOKENS = 1000
REDIS = os.environ.get("REDIS_FOLLOW_URL", "redis://127.0.0.1:6379/0")
ROWS = ("in memory (A)", "through Redis (B)")


async def _redis_down() -> str | None:
    """Why Redis cannot be reached, or None when it can."""
    try:
        from redis.asyncio import Redis
    except ImportError:
        return "redis-py is not installed (`pip install 'langgraph-sse[redis]'`)"
    redis = Redis.from_url(REDIS, socket_connect_timeout=1, socket_timeout=1)
    try:
        await redis.ping()
    except Exception as error:
        return f"Redis is not reachable at {REDIS} ({type(error).__name__}: {error})"
    finally:
        await redis.aclose()
    return None


async def _drop_keys(prefix: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*", count=1000)]
        for start in range(0, len(keys), 500):
            await redis.delete(*keys[start : start + 500])
    finally:
        await redis.aclose()


@contextmanager
def _env(**values: str) -> Iterator[None]:
    """`values` in the environment the servers started meanwhile inherit."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


async def follow(
    client: httpx.AsyncClient, start_on: str, read_on: str, tokens: int
) -> dict[str, float]:
    """Start a run on `start_on` (`POST /runs`), read it on `read_on` to `done`."""
    body = {"input": {"messages": [{"role": "user", "content": "go"}], "tokens": tokens}}
    started = time.perf_counter()
    response = await client.post(f"{start_on}/runs", json=body)
    response.raise_for_status()
    run_id = response.json()["run_id"]
    first = last = 0.0
    count = 0
    url = f"{read_on}/runs/{run_id}/stream"
    async with aconnect_sse(client, "GET", url, headers={"Accept": "text/event-stream"}) as source:
        source.response.raise_for_status()
        async for sse in source.aiter_sse():
            data = json.loads(sse.data) if sse.data else None
            if sse.event == "token":
                last = time.perf_counter() - started
                if not count:
                    first = last
                count += 1
            elif sse.event == "done":
                if data and data.get("status") != "success":
                    raise RuntimeError(f"run {run_id} ended {data}")
                break
    return {"seconds": time.perf_counter() - started, "events": count, "first": first, "last": last}


async def run(rounds: int, log: Callable[[str], None] = print) -> str:
    """Measure both rows in `rounds` interleaved rounds; answer the Markdown section."""
    down = await _redis_down()
    if down is not None:
        return f"## Redis follow\n\nNot measured: {down}.\n"
    prefix = f"langgraph-sse-bench:{uuid.uuid4().hex}:"
    started = time.monotonic()
    load_at_start = os.getloadavg()[0]
    with _env(REDIS_FOLLOW_URL=REDIS, REDIS_FOLLOW_PREFIX=prefix):
        servers = [Server("benchmarks.replica_apps:app") for _ in range(2)]
    results: dict[str, list[dict[str, float]]] = {row: [] for row in ROWS}
    try:
        for server in servers:
            server.wait()
        a, b = servers
        reads = {ROWS[0]: a, ROWS[1]: b}
        async with httpx.AsyncClient(timeout=60) as client:
            for _ in range(3):  # warm up: the first runs import and cache
                for row in ROWS:
                    result = await follow(client, a.base, reads[row].base, 200)
                    if result["events"] != 200:
                        raise RuntimeError(f"{row}: {result['events']} tokens of 200")
            log(f"redis follow: {len(ROWS)} rows, {rounds} rounds")
            for _ in range(rounds):
                order = list(ROWS)
                random.shuffle(order)
                for row in order:
                    cpu = [cpu_seconds(server.process.pid) for server in servers]
                    result = await follow(client, a.base, reads[row].base, TOKENS)
                    result["cpu_a"], result["cpu_b"] = (
                        cpu_seconds(server.process.pid) - before
                        for server, before in zip(servers, cpu, strict=True)
                    )
                    if result["events"] != TOKENS:
                        raise RuntimeError(f"{row}: {result['events']} tokens of {TOKENS}")
                    results[row].append(result)
    finally:
        for server in servers:
            server.stop()
        await _drop_keys(prefix)
    load = (load_at_start, os.getloadavg()[0])
    return _section(results, rounds, load, time.monotonic() - started)


def _section(
    results: dict[str, list[dict[str, float]]],
    rounds: int,
    load: tuple[float, float],
    seconds: float,
) -> str:
    def med(row: str, value: Callable[[dict[str, float]], float]) -> float:
        return median([value(r) for r in results[row]])

    rate = {row: med(row, lambda r: r["events"] / r["seconds"]) for row in ROWS}
    after = {row: med(row, lambda r: (r["events"] - 1) / (r["last"] - r["first"])) for row in ROWS}
    ttft = {row: med(row, lambda r: r["first"] * 1000) for row in ROWS}
    cpu_a = {row: med(row, lambda r: r["cpu_a"] / r["events"] * 1e6) for row in ROWS}
    cpu_b = {row: med(row, lambda r: r["cpu_b"] / r["events"] * 1e6) for row in ROWS}
    memory = ROWS[0]
    lines = [
        "## Redis follow",
        "",
        f"Two replicas (uvicorn, benchmarks/replica_apps.py: `make_asgi_app(graph, "
        f"broker=RedisBroker(...))`, the broker's defaults, `batch_interval` 10 ms) share "
        f"runs through one local Redis. Each request starts a {TOKENS:,}-token `messages` "
        "run on replica A with `POST /runs`, then reads it with `GET /runs/{run_id}/stream`: "
        "on A (in memory: the run's own log) or on B (through Redis: the frames A's "
        "publisher copies there, read with `XREAD BLOCK`). A shares every run in Redis "
        "either way, so the rows differ only in the replica read. The client (httpx + "
        "httpx-sse, one process) parses every frame's JSON and stops at `done`. Times "
        "are from sending `POST /runs`: tokens/s to `done`, tokens/s after the first "
        "(first token to last), time to first token. CPU per token is each replica's "
        "own over the whole request (`/proc/<pid>/task/*/schedstat`). Medians of "
        f"{rounds} interleaved rounds, the order shuffled each round; ratios are "
        f"through Redis / in memory. {seconds:.0f} s; load average "
        f"{load[0]:.2f} at the start, {load[1]:.2f} at the end.",
        "",
        "| follow | tokens/s | ratio | tokens/s after the first | ratio | "
        "time to first token (ms) | difference (ms) | CPU per token A (µs) | "
        "CPU per token B (µs) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in ROWS:
        lines.append(
            f"| {row} | {rate[row]:,.0f} | {rate[row] / rate[memory]:.2f} | "
            f"{after[row]:,.0f} | {after[row] / after[memory]:.2f} | {ttft[row]:.2f} | "
            f"{ttft[row] - ttft[memory]:+.2f} | {cpu_a[row]:.1f} | {cpu_b[row]:.1f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds (9)")
    args = parser.parse_args()
    print(asyncio.run(run(args.rounds, log=lambda line: print(line, flush=True))))


if __name__ == "__main__":
    main()
