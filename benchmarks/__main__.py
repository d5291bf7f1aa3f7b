"""Benchmark runner: `python -m benchmarks` (or `make bench`).

In one interleaved run on this machine it measures the floor (the graph in
process, `graph.astream`), langgraph-sse over real HTTP (uvicorn on 127.0.0.1),
and two peers serving the same graph by hand (the guide's `StreamingResponse`
with `json.dumps`, and plain sse-starlette). Servers and the floor each run in
their own process; this process is the HTTP client (httpx + httpx-sse). Results
are medians over rounds, printed as Markdown and written to benchmarks/RESULTS.md.

`--quick` runs fewer rounds and smaller loads (a smoke test of the runner).
The concurrency rows open their streams from several client processes
(`--clients`, benchmarks/client.py). The full run ends with the protocols section
(benchmarks/protocols.py: each wire protocol beside its peer), after a run followed
on another replica through Redis (benchmarks/redis_follow.py) and two worker
processes against one (benchmarks/workers.py; `--no-replicas` leaves both out);
`--protocols` runs only the protocols section and replaces it in RESULTS.md,
`--no-protocols` leaves it out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
from benchmarks.client import Clients, counts
from benchmarks.client import body as _body
from benchmarks.servers import ROOT, Server
from benchmarks.stats import cpu_seconds, median, rss_mib
from httpx_sse import aconnect_sse

SERVERS = {
    "langgraph-sse": "benchmarks.apps:lib",
    "guide": "benchmarks.apps:guide",
    "sse-starlette": "benchmarks.apps:plain",
    "ref (one write)": "benchmarks.apps:ref",
}
PEERS = ["langgraph-sse", "guide", "sse-starlette"]
REF = "ref (one write)"
MODES: list[Any] = [
    "messages",
    "custom",
    "updates",
    "values",
    "debug",
    ["messages", "custom", "updates"],
]


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


async def http_one(
    client: httpx.AsyncClient, base: str, mode: Any, tokens: int
) -> dict[str, float]:
    started = time.perf_counter()
    first = None
    events = 0
    async with aconnect_sse(client, "POST", f"{base}/stream", json=_body(mode, tokens)) as source:
        async for sse in source.aiter_sse():
            if counts(sse):
                if first is None:
                    first = time.perf_counter() - started
                events += 1
    return {"seconds": time.perf_counter() - started, "events": events, "first": first or 0.0}


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
                    if counts(sse):
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


def _cpu_us(results: list[dict[str, float]], cpu: str = "cpu") -> float:
    """Median CPU microseconds per event of a target's rounds (`cpu`: which CPU time)."""
    return median([r[cpu] / r["events"] * 1e6 for r in results if r.get("events")])


async def protocols_only(rounds: int) -> str:
    from benchmarks import protocols

    floor = Floor()
    try:
        section, _ = await protocols.run(floor, rounds, log=_log)
    finally:
        floor.stop()
    return section


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def main(
    quick: bool, clients: int, with_protocols: bool = True, with_replicas: bool = True
) -> str:
    rounds = 3 if quick else 7
    sizes = [1000] if quick else [1000, 10000]
    concurrency = [1, 20] if quick else [50, 200, 1000]
    parked_streams = 100 if quick else 1000
    servers = {name: Server(target) for name, target in SERVERS.items()}
    floor = Floor()
    workers = Clients(clients)
    lines: list[str] = []
    try:
        for server in servers.values():
            server.wait()
        # 1. memory of parked streams, first, on fresh processes
        parked = {
            name: await http_parked(servers[name].base, servers[name].process.pid, parked_streams)
            for name in ("langgraph-sse", "guide")
        }
        base_mem = floor.ask(op="parked", streams=parked_streams)
        lines += [
            f"## {parked_streams} open streams waiting on a slow model",
            "",
            "Each stream has had its first token and waits on a model that never sends "
            "the next; RSS is the serving process's before the streams open and with "
            "them all open.",
            "",
            "| target | RSS before (MiB) | RSS with the streams open (MiB) | KiB per stream | beyond LangGraph's own (KiB) |",
            "| --- | --- | --- | --- | --- |",
            f"| floor (runs parked in process) | {base_mem['rss_before']:.1f} | {base_mem['rss_after']:.1f} | {base_mem['kib_per_stream']:.1f} | - |",
        ]
        for name, mem in parked.items():
            lines.append(
                f"| {name} | {mem['rss_before']:.1f} | {mem['rss_after']:.1f} | "
                f"{mem['kib_per_stream']:.1f} | {mem['kib_per_stream'] - base_mem['kib_per_stream']:.1f} |"
            )
        lines.append("")

        def floor_one(mode: Any, tokens: int) -> dict[str, float]:
            cpu = cpu_seconds(floor.process.pid)
            result = floor.ask(op="one", mode=mode, tokens=tokens)
            return {**result, "cpu": cpu_seconds(floor.process.pid) - cpu}

        async def server_one(name: str, mode: Any, tokens: int) -> dict[str, float]:
            server = servers[name]
            cpu = cpu_seconds(server.process.pid)
            result = await http_one(client, server.base, mode, tokens)
            return {**result, "cpu": cpu_seconds(server.process.pid) - cpu}

        async with httpx.AsyncClient(timeout=300) as client:
            # warm up every target
            floor.ask(op="one", mode="messages", tokens=200)
            for server in servers.values():
                await http_one(client, server.base, "messages", 200)

            # 2. one stream, messages mode
            lines += [
                "## One stream, `messages` mode",
                "",
                "Wall time is the client's: tokens/s from sending the request to the last "
                "event, and time to the first token. CPU is the serving process's (the "
                "floor's own for the floor) per token; its ratio is floor / target. `÷ ref` is "
                "tokens/s over the reference's (the limit for a streaming server).",
                "",
                "| N tokens | target | tokens/s | ratio to floor | ÷ ref | time to first token (ms) | TTFT / floor | CPU per token (µs) | CPU ratio |",
                "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
            ]
            versus: list[str] = []
            for tokens in sizes:
                results: dict[str, list[dict[str, float]]] = {
                    name: [] for name in ["floor", *servers]
                }
                for _ in range(rounds):
                    order = list(results)
                    random.shuffle(order)
                    for name in order:
                        if name == "floor":
                            results[name].append(floor_one("messages", tokens))
                        else:
                            results[name].append(await server_one(name, "messages", tokens))
                rate = {
                    n: median([r["events"] / r["seconds"] for r in rs]) for n, rs in results.items()
                }
                ttft = {n: median([r["first"] for r in rs]) * 1000 for n, rs in results.items()}
                cpu = {n: _cpu_us(rs) for n, rs in results.items()}
                for name in results:
                    first = (
                        f"{ttft[name]:.2f} | {ratio(ttft[name], ttft['floor'])}"
                        if name in ("floor", *PEERS)
                        else "(whole reply) | -"
                    )
                    lines.append(
                        f"| {tokens} | {name} | {rate[name]:,.0f} | {ratio(rate[name], rate['floor'])} | "
                        f"{ratio(rate[name], rate[REF])} | {first} | {cpu[name]:.1f} | {ratio(cpu['floor'], cpu[name])} |"
                    )
                versus.append(
                    f"{tokens} tokens: {ratio(rate['langgraph-sse'], rate[REF])} of ref's tokens/s, "
                    + ", ".join(
                        f"{ratio(rate['langgraph-sse'], rate[peer])}x the {peer}'s tokens/s"
                        for peer in PEERS[1:]
                    )
                )
            lines += ["", "langgraph-sse against the peers: " + "; ".join(versus) + ".", ""]

            # 3. each mode, N=1000: whole-run throughput
            lines += [
                "## Each stream mode, N=1000 (one stream)",
                "",
                "| mode | events | floor run (ms) | langgraph-sse run (ms) | ratio (floor time / ours) | CPU ratio |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            for mode in MODES:
                ours_runs, base_runs = [], []
                for _ in range(rounds):
                    base_runs.append(floor_one(mode, 1000))
                    ours_runs.append(await server_one("langgraph-sse", mode, 1000))
                f = median([r["seconds"] for r in base_runs])
                o = median([r["seconds"] for r in ours_runs])
                fc, oc = (
                    median([r["cpu"] for r in base_runs]),
                    median([r["cpu"] for r in ours_runs]),
                )
                label = mode if isinstance(mode, str) else "+".join(mode)
                lines.append(
                    f"| `{label}` | {median([r['events'] for r in ours_runs]):.0f} | {f * 1000:.1f} | "
                    f"{o * 1000:.1f} | {f / o:.2f} | {ratio(fc, oc)} |"
                )
            lines.append("")

        # 4. concurrency, N=200 each
        lines += [
            "## Concurrent streams, N=200 tokens each, `messages` mode",
            "",
            f"The streams of a row are opened together by {clients} client processes "
            "(benchmarks/client.py, one httpx client per stream) at an instant they agree on; "
            "events/s counts from that instant to the end of the last stream, and first-event "
            "times from it too (ref's first event comes with its whole reply). `÷ ref` is "
            "events/s over the reference's. CPU per event is the serving process's (the floor's "
            "own for the floor), its ratio floor / target; client CPU is all client processes' "
            "per event. Core use is CPU time over the row's wall time, in % of one core: the "
            "serving process's, then all client processes' together (the floor's can pass 100 "
            f"by the little it does outside its timed span). On {os.cpu_count()} cores the client "
            "processes share the machine with the server, while the floor has a core to itself: "
            "a server near 100% is bound by its own event loop, not by the client.",
            "",
            "| streams | target | total events/s | ratio to floor | ÷ ref | p50 first event (ms) | p99 first event (ms) | p99 / floor | CPU per event (µs) | CPU ratio | client CPU per event (µs) | core use: server / clients (%) | failed streams |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        versus = []
        for streams in concurrency:
            # big rows take long: fewer rounds (one at 1,000 streams)
            reps = rounds if streams <= 20 else 1 if streams >= 1000 else 3
            targets = ["floor", REF, *PEERS]
            results = {name: [] for name in targets}
            for name in targets[1:]:  # open the clients' connections first (1-token runs)
                workers.many(servers[name].base, "messages", 1, streams)
            for _ in range(reps):
                order = list(targets)
                random.shuffle(order)
                for name in order:
                    pid = (floor if name == "floor" else servers[name]).process.pid
                    cpu = cpu_seconds(pid)
                    if name == "floor":
                        result = floor.ask(op="many", mode="messages", tokens=200, streams=streams)
                        result["events"] = 200 * streams
                        result["seconds"] = result["events"] / result["events_per_s"]
                    else:
                        result = workers.many(servers[name].base, "messages", 200, streams)
                    results[name].append({**result, "cpu": cpu_seconds(pid) - cpu})
            agg = {n: {k: median([r[k] for r in rs]) for k in rs[0]} for n, rs in results.items()}
            cpu_per = {n: _cpu_us(rs) for n, rs in results.items()}
            rate = {n: agg[n]["events_per_s"] for n in targets}
            for name in targets:
                a, rs = agg[name], results[name]
                use = f"{median([r['cpu'] / r['seconds'] * 100 for r in rs]):.0f}"
                client_cpu = "-"
                if "client_cpu" in a:
                    client_cpu = f"{_cpu_us(rs, cpu='client_cpu'):.1f}"
                    use += f" / {median([r['client_cpu'] / r['seconds'] * 100 for r in rs]):.0f}"
                lines.append(
                    f"| {streams} | {name} | {rate[name]:,.0f} | {ratio(rate[name], rate['floor'])} | {ratio(rate[name], rate[REF])} | "
                    f"{a['p50_first'] * 1000:.1f} | {a['p99_first'] * 1000:.1f} | {ratio(a['p99_first'], agg['floor']['p99_first'])} | "
                    f"{cpu_per[name]:.1f} | {ratio(cpu_per['floor'], cpu_per[name])} | {client_cpu} | {use} | {a.get('failed', 0):.0f} |"
                )
            versus.append(
                f"{streams} streams: {ratio(rate['langgraph-sse'], rate[REF])} of ref's events/s, "
                + ", ".join(
                    f"{ratio(rate['langgraph-sse'], rate[peer])}x the {peer}'s"
                    for peer in PEERS[1:]
                )
            )
        lines += ["", "langgraph-sse against the peers: " + "; ".join(versus) + ".", ""]

        for server in servers.values():  # the sections below start their own
            server.stop()
        workers.stop()
        if with_replicas:
            from benchmarks import redis_follow
            from benchmarks import workers as two_workers

            lines.append(await redis_follow.run(rounds if quick else 15, _log))
            sizes = (20,) if quick else (50, 200)
            lines.append(await two_workers.run(1 if quick else 3, _log, sizes=sizes))
        if with_protocols:
            from benchmarks import protocols

            section, _ = await protocols.run(floor, rounds, log=_log)
            lines.append(section)

    finally:
        for server in servers.values():
            server.stop()
        floor.stop()
        workers.stop()
    return "\n".join(lines)


def header(command: str, seconds: float, clients: int) -> str:
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
            "httptools",
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
            "Every figure is a median over rounds run interleaved; each server is uvicorn (httptools "
            "parser, asyncio loop) in its own process on 127.0.0.1, the floor is `graph.astream` in a "
            "process of its own, and every process freezes its startup heap (`gc.freeze()`). The client "
            "is httpx + httpx-sse: this process for one stream, "
            f"{clients} client worker processes (benchmarks/client.py) for the concurrency rows. "
            "`ref (one write)` is not a streaming server: it runs the graph in "
            "uvicorn and writes the library's exact bytes for the whole reply in one write at the end, "
            "so what separates it from the floor is the cost of the process, HTTP and the client's "
            "parsing, which no streaming layer removes: it is the limit a streaming server is measured "
            "against (`÷ ref`). Ratios are to the floor of the same run. The machine is shared and noisy: compare ratios, not "
            "absolute numbers.",
            "",
            "",
        ]
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and smaller loads")
    parser.add_argument(
        "--clients", type=int, default=2, help="client processes for the concurrency rows"
    )
    parser.add_argument(
        "--protocols",
        action="store_true",
        help="only the protocols section (benchmarks/protocols.py), replaced in RESULTS.md",
    )
    parser.add_argument(
        "--no-protocols", action="store_true", help="leave the protocols section out"
    )
    parser.add_argument(
        "--no-replicas",
        action="store_true",
        help="leave out the Redis-follow and two-worker sections (benchmarks/redis_follow.py, workers.py)",
    )
    parser.add_argument(
        "--rounds", type=int, default=0, help="rounds of --protocols (default 7, 3 with --quick)"
    )
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "RESULTS.md"))
    args = parser.parse_args()
    if args.clients < 1:
        parser.error("--clients must be at least 1")
    if args.protocols:
        from benchmarks.protocols import replace_section

        section = asyncio.run(protocols_only(args.rounds or (3 if args.quick else 7)))
        print(section)
        if not args.quick:
            out = Path(args.out)
            out.write_text(replace_section(out.read_text() if out.exists() else "", section))
        sys.exit(0)
    started = time.monotonic()
    body = asyncio.run(main(args.quick, args.clients, not args.no_protocols, not args.no_replicas))
    command = "python -m benchmarks" + (" --quick" if args.quick else "")
    if args.clients != 2:
        command += f" --clients {args.clients}"
    report = header(command, time.monotonic() - started, args.clients) + body
    print(report)
    if not args.quick:
        Path(args.out).write_text(report + "\n")
