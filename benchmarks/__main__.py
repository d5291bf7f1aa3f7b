"""Benchmark runner: `python -m benchmarks` (or `make bench`).

In one interleaved run on this machine it measures the floor (the graph in
process, `graph.astream`), langgraph-sse over real HTTP (uvicorn on 127.0.0.1),
and two peers serving the same graph by hand (the guide's `StreamingResponse`
with `json.dumps`, and plain sse-starlette). Servers and the floor each run in
their own process; this process is the HTTP client (httpx + httpx-sse). Results
are medians over rounds, printed as Markdown and written to benchmarks/RESULTS.md.

`--quick` runs fewer rounds and smaller loads (a smoke test of the runner).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
from benchmarks.stats import median, percentile, rss_mib
from httpx_sse import aconnect_sse

ROOT = Path(__file__).resolve().parent.parent
SERVERS = {
    "langgraph-sse": "benchmarks.apps:lib",
    "guide": "benchmarks.apps:guide",
    "sse-starlette": "benchmarks.apps:plain",
}
MODES: list[Any] = [
    "messages",
    "custom",
    "updates",
    "values",
    "debug",
    ["messages", "custom", "updates"],
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A uvicorn process serving one app on 127.0.0.1."""

    def __init__(self, target: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                target,
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--limit-concurrency",
                "5000",
                "--backlog",
                "4096",
            ],
            cwd=ROOT,
        )

    def wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Floor:
    """The in-process floor, in a worker process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.floor"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, **request: Any) -> dict[str, float]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())  # type: ignore[no-any-return]

    def stop(self) -> None:
        self.process.kill()


def _body(mode: Any, tokens: int, park: bool = False) -> dict[str, Any]:
    return {
        "input": {"messages": [{"role": "user", "content": "go"}], "tokens": tokens, "park": park},
        "stream_mode": mode,
    }


def _counts(sse: Any) -> bool:
    return sse.event not in ("metadata", "done", "")


async def http_one(
    client: httpx.AsyncClient, base: str, mode: Any, tokens: int
) -> dict[str, float]:
    started = time.perf_counter()
    first = None
    events = 0
    async with aconnect_sse(client, "POST", f"{base}/stream", json=_body(mode, tokens)) as source:
        async for sse in source.aiter_sse():
            if (
                _counts(sse)
                or sse.data.startswith('{"type": "token"')
                or sse.data.startswith('{"type": "progress"')
            ):
                if first is None:
                    first = time.perf_counter() - started
                events += 1
    return {"seconds": time.perf_counter() - started, "events": events, "first": first or 0.0}


async def http_many(
    client: httpx.AsyncClient, base: str, mode: Any, tokens: int, streams: int
) -> dict[str, float]:
    started = time.perf_counter()
    firsts: list[float] = []

    failed = 0

    async def one() -> int:
        nonlocal failed
        count = 0
        try:
            async with aconnect_sse(
                client, "POST", f"{base}/stream", json=_body(mode, tokens)
            ) as source:
                async for sse in source.aiter_sse():
                    if sse.event in ("metadata", "done"):
                        continue
                    if count == 0:
                        firsts.append(time.perf_counter() - started)
                    count += 1
        except httpx.TransportError:  # reported, not hidden
            failed += 1
        return count

    counts = await asyncio.gather(*(one() for _ in range(streams)))
    seconds = time.perf_counter() - started
    return {
        "events_per_s": sum(counts) / seconds,
        "p50_first": percentile(firsts, 50),
        "p99_first": percentile(firsts, 99),
        "failed": failed,
    }


async def http_parked(base: str, pid: int, streams: int) -> dict[str, float]:
    async with httpx.AsyncClient(timeout=60) as warm:  # the first runs import and cache
        for _ in range(3):
            await http_one(warm, base, "messages", 50)
    await asyncio.sleep(0.5)
    before = rss_mib(pid)
    opened = 0
    ready = asyncio.Event()
    limits = httpx.Limits(max_connections=streams + 10, max_keepalive_connections=streams + 10)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:

        async def hold() -> None:
            nonlocal opened
            async with aconnect_sse(
                client, "POST", f"{base}/stream", json=_body("messages", 1, park=True)
            ) as source:
                async for sse in source.aiter_sse():
                    if sse.event == "token":
                        opened += 1
                        if opened == streams:
                            ready.set()
                        await asyncio.Event().wait()

        tasks = [asyncio.create_task(hold()) for _ in range(streams)]
        await asyncio.wait_for(ready.wait(), 120)
        await asyncio.sleep(0.5)
        after = rss_mib(pid)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "rss_before": before,
        "rss_after": after,
        "kib_per_stream": (after - before) * 1024 / streams,
    }


def ratio(value: float, floor: float) -> str:
    return f"{value / floor:.2f}" if floor else "-"


async def main(quick: bool) -> str:
    rounds = 3 if quick else 7
    sizes = [1000] if quick else [1000, 10000]
    concurrency = [1, 20] if quick else [1, 100, 200, 1000]
    parked_streams = 100 if quick else 1000
    servers = {name: Server(target) for name, target in SERVERS.items()}
    floor = Floor()
    lines: list[str] = []
    try:
        for server in servers.values():
            server.wait()
        # 1. memory of parked streams, first, on fresh processes
        ours = await http_parked(
            servers["langgraph-sse"].base, servers["langgraph-sse"].process.pid, parked_streams
        )
        base_mem = floor.ask(op="parked", streams=parked_streams)
        lines += [
            f"## {parked_streams} open streams waiting on a slow model",
            "",
            "| target | RSS before (MiB) | RSS with the streams open (MiB) | KiB per stream |",
            "| --- | --- | --- | --- |",
            f"| floor (runs parked in process) | {base_mem['rss_before']:.1f} | {base_mem['rss_after']:.1f} | {base_mem['kib_per_stream']:.1f} |",
            f"| langgraph-sse (server) | {ours['rss_before']:.1f} | {ours['rss_after']:.1f} | {ours['kib_per_stream']:.1f} |",
            "",
            f"Beyond what LangGraph itself holds: **{ours['kib_per_stream'] - base_mem['kib_per_stream']:.1f} KiB per open stream**.",
            "",
        ]
        limits = httpx.Limits(max_connections=1100, max_keepalive_connections=1100)
        async with httpx.AsyncClient(limits=limits, timeout=300) as client:
            # warm up every target
            floor.ask(op="one", mode="messages", tokens=200)
            for server in servers.values():
                await http_one(client, server.base, "messages", 200)

            # 1. one stream, messages mode
            lines += [
                "## One stream, `messages` mode",
                "",
                "| N tokens | target | tokens/s | ratio to floor | time to first token (ms) | TTFT / floor |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            for tokens in sizes:
                results: dict[str, list[dict[str, float]]] = {
                    name: [] for name in ["floor", *servers]
                }
                for _ in range(rounds):
                    order = list(results)
                    random.shuffle(order)
                    for name in order:
                        if name == "floor":
                            results[name].append(
                                floor.ask(op="one", mode="messages", tokens=tokens)
                            )
                        else:
                            results[name].append(
                                await http_one(client, servers[name].base, "messages", tokens)
                            )
                rate = {
                    n: median([r["events"] / r["seconds"] for r in rs]) for n, rs in results.items()
                }
                ttft = {n: median([r["first"] for r in rs]) * 1000 for n, rs in results.items()}
                for name in results:
                    lines.append(
                        f"| {tokens} | {name} | {rate[name]:,.0f} | {ratio(rate[name], rate['floor'])} | "
                        f"{ttft[name]:.2f} | {ratio(ttft[name], ttft['floor'])} |"
                    )
            lines.append("")

            # 2. each mode, N=1000: whole-run throughput
            lines += [
                "## Each stream mode, N=1000 (one stream)",
                "",
                "| mode | events | floor run (ms) | langgraph-sse run (ms) | ratio (floor time / ours) |",
                "| --- | --- | --- | --- | --- |",
            ]
            for mode in MODES:
                ours, base = [], []
                for _ in range(rounds):
                    base.append(floor.ask(op="one", mode=mode, tokens=1000))
                    ours.append(await http_one(client, servers["langgraph-sse"].base, mode, 1000))
                f, o = median([r["seconds"] for r in base]), median([r["seconds"] for r in ours])
                label = mode if isinstance(mode, str) else "+".join(mode)
                lines.append(
                    f"| `{label}` | {median([r['events'] for r in ours]):.0f} | {f * 1000:.1f} | {o * 1000:.1f} | {f / o:.2f} |"
                )
            lines.append("")

            # 3. concurrency, N=200 each
            lines += [
                "## Concurrent streams, N=200 tokens each, `messages` mode",
                "",
                "The HTTP rows of this table are bound by the client: one Python process parses every stream (about 3.5 µs of client CPU per event) on a 2-core machine it shares with the server, while the floor has a core to itself. Read them as a lower bound.",
                "",
                "| streams | target | total events/s | ratio | p50 first event (ms) | p99 first event (ms) | p99 / floor | failed streams |",
                "| --- | --- | --- | --- | --- | --- | --- | --- |",
            ]
            for streams in concurrency:
                reps = max(1, rounds // 2 if streams >= 200 else rounds)
                targets = ["floor", "langgraph-sse"] + (
                    ["guide"] if streams in (1, 200, 20) else []
                )
                results = {name: [] for name in targets}
                for _ in range(reps):
                    for name in targets:
                        if name == "floor":
                            results[name].append(
                                floor.ask(op="many", mode="messages", tokens=200, streams=streams)
                            )
                        else:
                            results[name].append(
                                await http_many(
                                    client, servers[name].base, "messages", 200, streams
                                )
                            )
                agg = {
                    n: {k: median([r[k] for r in rs]) for k in rs[0]} for n, rs in results.items()
                }
                for name in targets:
                    a = agg[name]
                    lines.append(
                        f"| {streams} | {name} | {a['events_per_s']:,.0f} | {ratio(a['events_per_s'], agg['floor']['events_per_s'])} | "
                        f"{a['p50_first'] * 1000:.1f} | {a['p99_first'] * 1000:.1f} | {ratio(a['p99_first'], agg['floor']['p99_first'])} | {a.get('failed', 0):.0f} |"
                    )
            lines.append("")

    finally:
        for server in servers.values():
            server.stop()
        floor.stop()
    return "\n".join(lines)


def header(command: str, seconds: float) -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        cpu = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")),
            "?",
        )
    packages = ", ".join(
        f"{p} {version(p)}"
        for p in (
            "langgraph",
            "langchain-core",
            "starlette",
            "sse-starlette",
            "uvicorn",
            "fastapi",
            "httpx",
            "orjson",
        )
    )
    return "\n".join(
        [
            "# Benchmark results",
            "",
            f"Command: `{command}` ({seconds:.0f} s). Machine: {os.cpu_count()} cores, {cpu}, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}.",
            "",
            f"Packages: {packages}.",
            "",
            "The model is a fake that streams N tokens and yields to the event loop after each one "
            "(no real sleeps), so what is measured is LangGraph plus the layer that puts it on the wire. "
            "Every figure is a median over rounds run interleaved; each server is uvicorn (default loop, h11) "
            "in its own process on 127.0.0.1, the client is this process (httpx + httpx-sse), and the floor "
            "is `graph.astream` in a third process. Ratios are to the floor of the same run. The machine is shared "
            "and noisy: compare ratios, not absolute numbers.",
            "",
            "",
        ]
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and smaller loads")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    args = parser.parse_args()
    started = time.monotonic()
    body = asyncio.run(main(args.quick))
    command = "python -m benchmarks" + (" --quick" if args.quick else "")
    report = header(command, time.monotonic() - started) + body
    print(report)
    if not args.quick:
        Path(args.out).write_text(report + "\n")
