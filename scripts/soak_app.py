"""The replica `scripts/soak.py` runs (`uvicorn scripts.soak_app:app`), one per process.

`tests.replica_app`'s graph (threads in PostgreSQL, runs in Redis: a reply of 60
words streamed word by word, "slow..." streams for a long time, "approve..."
interrupts), served with API keys and one debug route for the soak:
`GET /_soak/debug` answers this process's asyncio tasks, RSS, run registry and
event loop lag.

Environment: `REPLICA_POSTGRES`, `REPLICA_REDIS`, `REPLICA_PREFIX` (as
`tests.replica_app`), `SOAK_KEYS` (JSON `{key: principal}`), `SOAK_LEASE` (the
broker's lease, seconds), `SOAK_RETENTION` (`run_retention`, seconds),
`SOAK_PING` (`ping_interval`, seconds).
"""

from __future__ import annotations

import asyncio
import collections
import gc
import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tests.replica_app import durable, graph

from langgraph_sse import GraphService, RedisBroker, api_key_auth, make_routes


def _status(*fields: str) -> dict[str, int]:
    """Fields of /proc/self/status, in KiB."""
    found: dict[str, int] = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in fields:
                found[name] = int(value.split()[0])
    return found


def _task_name(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    return getattr(coro, "__qualname__", None) or type(coro).__name__


broker = RedisBroker(
    os.environ["REPLICA_REDIS"],
    prefix=os.environ["REPLICA_PREFIX"],
    lease=float(os.environ.get("SOAK_LEASE", "5")),
)
service = GraphService(
    graph,
    stream_mode="custom",
    auth=api_key_auth(json.loads(os.environ["SOAK_KEYS"])),
    broker=broker,
    run_retention=float(os.environ.get("SOAK_RETENTION", "30")),
)
routes = make_routes(service, ping_interval=float(os.environ.get("SOAK_PING", "5")))


async def debug(request: Request) -> JSONResponse:
    """Tasks, memory, runs and event loop lag of this process (`?gc=1`: collect
    garbage first). Reading the lag starts it over."""
    if request.query_params.get("gc"):
        gc.collect()
    current = asyncio.current_task()
    tasks = [task for task in asyncio.all_tasks() if task is not current]
    memory = _status("VmRSS", "VmHWM")
    return JSONResponse(
        {
            "pid": os.getpid(),
            "tasks": len(tasks),
            "task_names": dict(collections.Counter(_task_name(task) for task in tasks)),
            "rss_kib": memory.get("VmRSS", 0),
            "peak_rss_kib": memory.get("VmHWM", 0),
            "active_runs": service.active_runs,
            "runs_kept": len(service.runs.all()),
            "publishers": len(broker._publishers),
            "broker_local_runs": len(broker._local),
            "open_streams": sum(service.streams._open.values()),
            **lag.read(),
        }
    )


class LoopLag:
    """How late this process's event loop wakes up: the longest delay since the
    last reading, and how many wake-ups were over 0.1 s and 0.5 s late."""

    def __init__(self) -> None:
        self.worst = 0.0
        self.over = collections.Counter[str]()

    def read(self) -> dict[str, Any]:
        reading = {"max_loop_lag_s": round(self.worst, 3), "late_wakeups": dict(self.over)}
        self.worst = 0.0
        self.over.clear()
        return reading

    async def watch(self, period: float = 0.05) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(period)
            lag = loop.time() - before - period
            self.worst = max(self.worst, lag)
            for limit in (0.1, 0.5):
                if lag > limit:
                    self.over[f">{limit:g}s"] += 1


lag = LoopLag()


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    watcher = asyncio.get_running_loop().create_task(lag.watch(), name="soak loop lag")
    try:
        async with durable(app), routes.lifespan(app):
            yield
    finally:
        watcher.cancel()


app = Starlette(routes=[*routes, Route("/_soak/debug", debug)], lifespan=lifespan)
