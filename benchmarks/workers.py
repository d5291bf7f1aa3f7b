"""Two worker processes against one: `python -m benchmarks.workers --rounds 3`.

The same app (benchmarks.worker_apps: `make_asgi_app(build_graph())` sharing its
runs through a `RedisBroker`, a key prefix of its own per benchmark run, its keys
deleted at the end) served four ways on 127.0.0.1:

- one uvicorn process without a broker (a reference: what the broker costs);
- one uvicorn process with the broker (what the two-worker rows are compared to);
- `uvicorn --workers 2`: two worker processes accepting from one listening socket;
- two uvicorn processes, each with its own socket bound with `SO_REUSEPORT` on the
  same port, the kernel spreading new connections over them by a hash.

Concurrent streams (200 tokens each, `messages` mode) are opened together by
client worker processes, either benchmarks.client (httpx + httpx-sse) or
benchmarks.raw_client (raw asyncio sockets counting `event: token` frames). Each row
reports total events/s, its ratio to the one-process broker target, first-event
times, and CPU per event of the server processes (all workers and uvicorn's
supervisor), of Redis and of the clients, with the core use of each and of the
whole machine (from /proc/stat: other work on the machine counts there too).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from benchmarks.client import Clients
from benchmarks.servers import ROOT, UVICORN_FLAGS
from benchmarks.stats import cpu_seconds, median

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
APP_REDIS_URL = REDIS_URL  # the broker's own pool (1,000 connections, waiting when all are busy)
TOKENS = 200
MODE = "messages"
CLIENTS = {"httpx": "benchmarks.client", "raw": "benchmarks.raw_client"}
BASELINE = "1 process"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Target:
    """The app served by one process or two on one port.

    Args:
        name: The row's label.
        kind: `one` (one uvicorn process), `workers` (`uvicorn --workers 2`) or
            `reuseport` (two processes with `SO_REUSEPORT` sockets on one port).
        env: The app's environment (benchmarks.worker_apps: the broker or none).
    """

    def __init__(self, name: str, kind: str, env: dict[str, str]) -> None:
        self.name = name
        self.kind = kind
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.ready = Path(tempfile.mkdtemp(prefix="bench-workers-"))
        env = {**os.environ, **env, "BENCH_READY_DIR": str(self.ready)}
        self.expected = 1 if kind == "one" else 2
        uvicorn = [sys.executable, "-m", "uvicorn", "benchmarks.worker_apps:app"]
        port = ["--port", str(self.port)]
        if kind == "one":
            commands = [[*uvicorn, *port, *UVICORN_FLAGS]]
        elif kind == "workers":
            commands = [[*uvicorn, *port, *UVICORN_FLAGS, "--workers", "2"]]
        else:
            commands = [[sys.executable, "-m", "benchmarks.worker_apps", *port]] * 2
        self.processes = [subprocess.Popen(c, cwd=ROOT, env=env) for c in commands]

    def wait(self, timeout: float = 90) -> None:
        """Return once every serving process has started its app and `/healthz` answers."""
        deadline = time.monotonic() + timeout
        while len(self.workers()) < self.expected:
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                raise RuntimeError(f"{self.name} did not start")
            time.sleep(0.1)
        while httpx.get(f"{self.base}/healthz").status_code != 200:
            time.sleep(0.1)

    def workers(self) -> list[int]:
        """The pids of the processes serving the app (uvicorn's workers, with `--workers`)."""
        return sorted(int(p.name) for p in self.ready.iterdir())

    def pids(self) -> list[int]:
        """Every process of the target: its workers and, with `--workers`, the supervisor."""
        return sorted({*self.workers(), *(p.pid for p in self.processes)})

    def connections(self) -> list[int]:
        """Established client connections each worker holds (the streams it serves)."""
        inodes = set()
        with open("/proc/net/tcp") as tcp:
            next(tcp)
            for line in tcp:
                fields = line.split()
                if int(fields[1].split(":")[1], 16) == self.port and fields[3] == "01":
                    inodes.add(fields[9])
        counts = []
        for pid in self.workers():
            held = 0
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    held += 1
            counts.append(held)
        return counts

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(self.ready, ignore_errors=True)


def _busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all cores; not idle nor iowait)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _redis_pid() -> int | None:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() == "redis-server":
                        return int(entry)
            except OSError:
                continue
    return None


def _batches() -> tuple[int, int]:
    """Redis's XADD and HSET calls so far (the broker copies a run's frames in
    batches: one XADD per frame, one HSET per batch; all clients of this Redis)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return (
        stats.get("cmdstat_xadd", {}).get("calls", 0),
        stats.get("cmdstat_hset", {}).get("calls", 0),
    )


def _measure(
    target: Target, clients: Clients, streams: int, redis_pid: int | None
) -> dict[str, Any]:
    """One timed row on `target`: the clients' figures and every process's CPU."""
    pids = target.pids()
    workers = target.workers()
    before = {pid: cpu_seconds(pid) for pid in pids}
    redis_before = cpu_seconds(redis_pid) if redis_pid else 0.0
    xadds, hsets = _batches()
    busy, wall = _busy_seconds(), time.monotonic()
    result = clients.many(target.base, MODE, TOKENS, streams)
    busy, wall = _busy_seconds() - busy, time.monotonic() - wall
    xadds, hsets = (a - b for a, b in zip(_batches(), (xadds, hsets), strict=True))
    spent = {pid: cpu_seconds(pid) - before[pid] for pid in pids}
    redis_cpu = cpu_seconds(redis_pid) - redis_before if redis_pid else 0.0
    ours = sum(spent.values()) + redis_cpu + result["client_cpu"]
    return {
        **result,
        "cpu": sum(spent.values()),
        "worker_cpu": [spent[pid] for pid in workers],
        "redis_cpu": redis_cpu,
        # the machine's busy cores over the same window, and what of it is not ours
        "machine_use": busy / wall * 100,
        "rest_use": max(0.0, busy - ours) / wall * 100,
        "connections": target.connections(),
        "frames_per_batch": xadds / hsets if hsets else 0.0,
        "missing": streams * TOKENS - result["events"],
    }


def _targets(prefix: str) -> list[tuple[str, str, dict[str, str]]]:
    broker = {"BENCH_REDIS_URL": APP_REDIS_URL, "BENCH_REDIS_PREFIX": prefix}
    return [
        ("1 process, no broker (reference)", "one", {"BENCH_REDIS_URL": ""}),
        (BASELINE, "one", broker),
        ("2 workers (`--workers 2`)", "workers", broker),
        ("2 processes (`SO_REUSEPORT`)", "reuseport", broker),
    ]


async def _redis_reachable() -> str | None:
    """None if Redis answers at REDIS_URL, else why not."""
    from redis.asyncio import Redis

    redis = Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        await redis.ping()
        return None
    except Exception as exc:  # any failure means: not measured
        return f"{type(exc).__name__}: {exc}"
    finally:
        await redis.aclose()


def _delete_keys(prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    deleted = 0
    try:
        batch = []
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                deleted += client.unlink(*batch)
                batch = []
        if batch:
            deleted += client.unlink(*batch)
    finally:
        client.close()
    return deleted


def _bound(results: list[dict[str, Any]], cores: int) -> float:
    """Events/s the target's measured CPU costs allow on a machine doing nothing
    else: the busiest worker's event loop (one core at most) and all the cores
    for the server, Redis and the clients together, whichever is less."""
    server = _us(results, "cpu")
    every = server + _us(results, "redis_cpu") + _us(results, "client_cpu")
    busiest = median([max(r["worker_cpu"]) / sum(r["worker_cpu"]) for r in results])
    return min(1e6 / (server * busiest), cores * 1e6 / every)


def _us(results: list[dict[str, Any]], cpu: str) -> float:
    return median([r[cpu] / r["events"] * 1e6 for r in results if r["events"]])


def _use(results: list[dict[str, Any]], cpu: str) -> float:
    return median([r[cpu] / r["seconds"] * 100 for r in results])


async def run(
    rounds: int,
    log: Callable[[str], None],
    *,
    sizes: tuple[int, ...] = (50, 200, 1000),
    clients: int = 2,
    kinds: tuple[str, ...] = ("httpx", "raw"),
) -> str:
    """The `## Two worker processes` section, measured now (`rounds` per row; a
    third of them, at least one, at 1,000 streams or more)."""
    heading = "## Two worker processes"
    down = await _redis_reachable()
    if down is not None:
        return f"{heading}\n\nNot measured: Redis at {REDIS_URL} cannot be reached ({down}).\n"
    cores = os.cpu_count() or 1
    prefix = f"langgraph-sse-bench-workers:{uuid.uuid4().hex[:12]}:"
    redis_pid = _redis_pid()
    targets: list[Target] = []
    pool: Clients | None = None
    rows: list[str] = []
    summary: list[str] = []
    try:
        targets = [Target(name, kind, env) for name, kind, env in _targets(prefix)]
        for target in targets:
            target.wait()
        log("workers: servers up: " + ", ".join(f"{t.name} {t.workers()}" for t in targets))
        for streams in sizes:
            reps = max(1, rounds // 3) if streams >= 1000 else rounds
            for kind in kinds:
                # Fresh client processes for each row: the servers then hold only
                # this row's connections, opened here (1-token runs), before the
                # timed rounds.
                pool = Clients(clients, CLIENTS[kind])
                for target in targets:
                    pool.many(target.base, MODE, 1, streams)
                results: dict[str, list[dict[str, Any]]] = {t.name: [] for t in targets}
                for rep in range(reps):
                    order = list(targets)
                    random.shuffle(order)
                    for target in order:
                        result = _measure(target, pool, streams, redis_pid)
                        results[target.name].append(result)
                        log(
                            f"workers: {streams} streams, {kind}, round {rep + 1}/{reps}, "
                            f"{target.name}: {result['events_per_s']:,.0f} events/s, "
                            f"streams per worker {result['connections']}, "
                            f"CPU per worker {[round(c, 2) for c in result['worker_cpu']]} s, "
                            f"machine {result['machine_use']:.0f} % "
                            f"(not ours {result['rest_use']:.0f} %)"
                        )
                pool.stop()
                pool = None
                base_rate = median([r["events_per_s"] for r in results[BASELINE]])
                bounds = {t.name: _bound(results[t.name], cores) for t in targets}
                ratios = []
                for target in targets:
                    rs = results[target.name]
                    rate = median([r["events_per_s"] for r in rs])
                    last = rs[-1]
                    split = " / ".join(str(c) for c in last["connections"])
                    if len(last["worker_cpu"]) > 1:
                        shares = [c / sum(last["worker_cpu"]) * 100 for c in last["worker_cpu"]]
                        split += " (CPU " + " / ".join(f"{s:.0f}" for s in shares) + " %)"
                    use = " / ".join(
                        f"{_use(rs, cpu):.0f}" for cpu in ("cpu", "redis_cpu", "client_cpu")
                    )
                    machine = median([r["machine_use"] for r in rs])
                    rest = median([r["rest_use"] for r in rs])
                    batch = median([r["frames_per_batch"] for r in rs])
                    bound = bounds[target.name]
                    rows.append(
                        f"| {streams} | {kind} | {target.name} | {rate:,.0f} | "
                        f"{rate / base_rate:.2f} | "
                        f"{median([r['p50_first'] for r in rs]) * 1000:.1f} | "
                        f"{median([r['p99_first'] for r in rs]) * 1000:.1f} | "
                        f"{_us(rs, 'cpu'):.1f} | {_us(rs, 'redis_cpu'):.1f} | "
                        f"{_us(rs, 'client_cpu'):.1f} | {use} | {machine:.0f} ({rest:.0f}) | "
                        f"{batch:.1f} | {bound:,.0f} ({bound / bounds[BASELINE]:.2f}) | "
                        f"{split} | {median([r['failed'] for r in rs]):.0f} / "
                        f"{median([r['missing'] for r in rs]):.0f} |"
                    )
                    if target.kind != "one":
                        ratios.append(
                            f"{target.name} {rate / base_rate:.2f} measured, "
                            f"{bound / bounds[BASELINE]:.2f} bound"
                        )
                summary.append(f"{streams} streams, {kind}: " + ", ".join(ratios))
    finally:
        if pool is not None:
            pool.stop()
        for target in targets:
            target.stop()
        deleted = _delete_keys(prefix)
        log(f"workers: deleted {deleted} Redis keys under {prefix}")
    lines = [
        heading,
        "",
        "The same app, `make_asgi_app(build_graph())` with its runs shared through a "
        "`RedisBroker` (benchmarks/worker_apps.py; a key prefix of its own per benchmark run, "
        "its keys deleted at the end), served by one uvicorn process and by two worker "
        "processes behind one port: `uvicorn --workers 2` (both accept from one listening "
        "socket) and two uvicorn processes each with its own socket bound with `SO_REUSEPORT` "
        "(the kernel spreads new connections over them by a hash of their addresses). One "
        "process without a broker is a reference for what the broker costs; the broker runs "
        "with its defaults (a 30 s lease, a pool of 1,000 connections). Each row's streams "
        f"({TOKENS} tokens, `{MODE}` mode) are opened together by {clients} client processes, "
        "either benchmarks/client.py (`httpx`: httpx + httpx-sse, one client per stream) or "
        "benchmarks/raw_client.py (`raw`: asyncio sockets counting `event: token` frames), "
        "each stream on a keep-alive connection of its own, first opened just before the row's "
        "timed rounds and kept through them. Streams per worker are the "
        "established connections each worker holds after the row's last round, with its share "
        "of the server's CPU in that round. Events/s counts from the instant the clients agree on to the end of the "
        f"last stream; the ratio is to `{BASELINE}` (with the broker) in the same row; medians "
        f"over {rounds} interleaved rounds ({max(1, rounds // 3)} at 1,000 streams). CPU per "
        "event is the server's (all its processes: the workers and uvicorn's supervisor), "
        "Redis's and the client processes'; core use is each one's CPU over the row's wall "
        "time, in % of one core; machine is the whole machine's busy time over the same "
        f"window (/proc/stat, out of {cores * 100} %), in brackets what of it was none of these "
        "(other work on this shared machine). Frames per Redis batch are Redis's XADD calls "
        "over its HSET calls in the row (the broker copies each run's new frames in one "
        "pipeline: an XADD per frame, one HSET per batch; counted over all of Redis's "
        "clients). The bound is what the measured CPU costs allow on a machine doing nothing "
        "else, the lesser of one core for the busiest worker's event loop (its server CPU per "
        f"event times its share of the server's CPU) and {cores} cores for the server's, "
        "Redis's and the clients' CPU per event together; in brackets its ratio to one "
        "process's bound. Missing events are the token events the row's streams should have "
        f"carried ({TOKENS} per stream) and did not.",
        "",
        "| streams | client | target | total events/s | ratio to 1 process | p50 first event (ms) "
        "| p99 first event (ms) | server CPU per event (µs) | Redis CPU per event (µs) "
        "| client CPU per event (µs) | core use: server / Redis / clients (%) "
        "| machine (not ours) (%) | frames per Redis batch | bound events/s (ratio) "
        "| streams per worker | failed streams / missing events |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
        "| --- | --- |",
        *rows,
        "",
        "Two processes against one: " + "; ".join(summary) + ".",
        "",
    ]
    return "\n".join(lines)


def _log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per row (1 at 1,000)")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument(
        "--sizes", default="50,200,1000", help="concurrent streams of the rows, comma-separated"
    )
    parser.add_argument(
        "--client",
        choices=["both", *CLIENTS],
        default="both",
        help="which client workers: benchmarks.client (httpx), benchmarks.raw_client (raw)",
    )
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    kinds = tuple(CLIENTS) if args.client == "both" else (args.client,)
    print(
        asyncio.run(run(args.rounds, _log, sizes=sizes, clients=args.clients, kinds=kinds)),
        flush=True,
    )
