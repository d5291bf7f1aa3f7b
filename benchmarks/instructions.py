"""Instruction counts per token and per request, under valgrind's callgrind.

`python -m benchmarks.instructions` (a few minutes; needs `valgrind`). Wall and CPU
times on a shared 2-core machine move by 10-20 % from one run to the next; the
number of instructions a piece of code executes does not, so this is how to tell
where the library's own cost is, and whether a change removed some of it.

Each stage runs under `valgrind --tool=callgrind`; counting is zeroed after a
warm-up and dumped after the measured runs (`callgrind_control -z` / `-d`):

- `floor`: `graph.astream(..., stream_mode="messages")`;
- `events`: [stream_events][langgraph_sse.core.translate.stream_events] (typed events);
- `pipeline`: a [Run][langgraph_sse.core.run.Run]: events encoded to frames, logged,
  read back in coalesced chunks;
- `server`: the same over HTTP: uvicorn serving `make_asgi_app`, a client in this
  process reading the stream (httpx);
- `oneshot`: uvicorn serving benchmarks.apps:ref (no streaming layer: the
  request and one write), for the per-request row.

Under valgrind a program runs some 50 times slower, so writes would no longer be
coalesced as they are at full speed: the `pipeline` and `server` stages use a
`flush_interval` of 0.1 s, which groups about as many tokens per write as 2 ms
does natively.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from benchmarks.client import body
from benchmarks.servers import ROOT, Server

FLUSH = 0.1  # seconds; see the module docstring (apps.lib_under_valgrind uses it too)
APP = "benchmarks.apps:lib_under_valgrind"  # flush_interval=FLUSH
ONESHOT = "benchmarks.apps:ref"


def _control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], capture_output=True, check=False)
    time.sleep(0.5)


def _instructions(out: Path) -> int:
    # The dump taken with `callgrind_control -d` is the first numbered part.
    text = Path(f"{out}.1").read_text()
    return int(text.split("summary:", 1)[1].split()[0])


# -- in-process stages (run under valgrind by `stage`) ------------------------


async def _in_process(stage: str, tokens: int, runs: int) -> None:
    from benchmarks.graph import build_graph

    from langgraph_sse import encode_event, stream_events
    from langgraph_sse.core.run import Run

    graph = build_graph()
    graph_input = body("messages", tokens)["input"]

    async def once() -> None:
        if stage == "floor":
            async for _ in graph.astream(graph_input, stream_mode="messages"):
                pass
        elif stage == "events":
            async for _ in stream_events(graph, graph_input):
                pass
        else:
            run = Run(stream_events(graph, graph_input), encode_event, run_id="bench")
            async for _ in run.chunks(FLUSH):
                pass

    for _ in range(2):
        await once()
    _control("-z", str(os.getpid()))
    for _ in range(runs):
        await once()
    _control("-d", str(os.getpid()))


def in_process(stage: str, tokens: int, runs: int, out: Path) -> int:
    """Instructions of `runs` runs of `stage` in a process of its own."""
    subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-m",
            "benchmarks.instructions",
            "--stage",
            stage,
            "--tokens",
            str(tokens),
            "--runs",
            str(runs),
        ],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return _instructions(out)


# -- over HTTP ------------------------------------------------------------------


def server(target: str, tokens: int, runs: int, out: Path) -> int:
    """Instructions the uvicorn process spends on `runs` streams of `tokens` tokens."""
    running = Server(
        target, prefix=["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"], quiet=True
    )
    process, base = running.process, running.base
    try:
        running.wait(timeout=1200)  # under valgrind, on a loaded machine

        async def streams(count: int) -> None:
            request = body("messages", tokens)
            async with httpx.AsyncClient(timeout=600) as client:
                for _ in range(count):
                    async with client.stream("POST", f"{base}/stream", json=request) as response:
                        async for _ in response.aiter_raw():
                            pass

        asyncio.run(streams(2))
        _control("-z", str(process.pid))
        asyncio.run(streams(runs))
        _control("-d", str(process.pid))
        return _instructions(out)
    finally:
        running.stop()


def main(only: str | None = None) -> None:
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (e.g. apt-get install valgrind)")
    tokens, runs, requests = 1000, 3, 20
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=2) as pool:
        out = Path(tmp)
        # The counts do not depend on what else runs: two stages at a time.
        stages = {
            ("token", "floor"): (in_process, "floor", tokens, runs, out / "f"),
            ("token", "events"): (in_process, "events", tokens, runs, out / "e"),
            ("token", "pipeline"): (in_process, "pipeline", tokens, runs, out / "p"),
            ("token", "server"): (server, APP, tokens, runs, out / "s"),
            ("request", "floor"): (in_process, "floor", 1, requests, out / "f1"),
            ("request", "pipeline"): (in_process, "pipeline", 1, requests, out / "p1"),
            ("request", "oneshot"): (server, ONESHOT, 1, requests, out / "o1"),
            ("request", "server"): (server, APP, 1, requests, out / "s1"),
        }
        jobs = {
            key: pool.submit(*stage)  # type: ignore[arg-type]
            for key, stage in stages.items()
            if only is None or key[0] == only
        }
        per_token = {n: j.result() / (tokens * runs) for (k, n), j in jobs.items() if k == "token"}
        per_request = {n: j.result() / requests for (k, n), j in jobs.items() if k == "request"}
    if per_token:
        title = f"Instructions per token ({runs} streams of {tokens} tokens)"
        _print_table(title, "token", per_token)
    if per_request:
        _print_table(
            f"Instructions per request (one token each, {requests} requests)",
            "request",
            per_request,
            with_ratio=False,
        )


def _print_table(
    title: str, unit: str, counts: dict[str, float], *, with_ratio: bool = True
) -> None:
    """One Markdown table: each stage's count and how far it is beyond the floor's."""
    floor = counts["floor"]
    ratio = " floor / stage |" if with_ratio else ""
    print(f"{title}:\n")
    print(f"| stage | instructions per {unit} | beyond the floor |{ratio}")
    print("| --- | --- | --- |" + (" --- |" if with_ratio else ""))
    for name, value in counts.items():
        cells = f" {floor / value:.3f} |" if with_ratio else ""
        print(f"| {name} | {value:,.0f} | {value - floor:+,.0f} |{cells}")
    print()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", choices=["floor", "events", "pipeline"])
    parser.add_argument("--tokens", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--only",
        choices=["request", "token"],
        help="only the per-request rows (about 1.5 minutes) or only the per-token ones",
    )
    args = parser.parse_args()
    if args.stage:
        asyncio.run(_in_process(args.stage, args.tokens, args.runs))
    else:
        main(args.only)
