"""The app benchmarks.workers serves in one process and in two, and a launcher for
two processes sharing one port through `SO_REUSEPORT`.

`app` is `make_asgi_app(build_graph())` (benchmarks.graph), as benchmarks.apps
`lib` is, configured from the environment the runner sets:

- `BENCH_REDIS_URL` and `BENCH_REDIS_PREFIX`: with a URL, runs are shared through
  a [RedisBroker][langgraph_sse.core.broker.RedisBroker] with that key prefix
  (unique per benchmark run, its keys deleted at the end); without one, no broker;
- `BENCH_READY_DIR`: once its lifespan has started, each serving process writes
  an empty file named by its pid there, so the runner knows when every worker
  serves and which pids they are (`uvicorn --workers 2` forks them itself).

`python -m benchmarks.worker_apps --port P` serves `app` in one uvicorn process on
a socket of its own bound with `SO_REUSEPORT`: two of them on the same port share
it, the kernel spreading new connections over their sockets by a hash of the
connection's addresses (rather than handing each to whichever process wakes first,
as a listening socket shared by `--workers` does).
"""

from __future__ import annotations

import argparse
import gc
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from benchmarks.graph import build_graph

from langgraph_sse import RedisBroker, make_asgi_app


@asynccontextmanager
async def _ready(app: Any) -> AsyncIterator[None]:
    ready = os.environ.get("BENCH_READY_DIR")
    if ready:
        (Path(ready) / str(os.getpid())).touch()
    yield


def _options() -> dict[str, Any]:
    url = os.environ.get("BENCH_REDIS_URL")
    if not url:
        return {}
    prefix = os.environ.get("BENCH_REDIS_PREFIX", "langgraph-sse-bench:")
    return {"broker": RedisBroker(url, prefix=prefix)}


app = make_asgi_app(build_graph(), lifespan=_ready, **_options())

# As every benchmarked server does (benchmarks.apps): the collector's full passes
# then scan only what runs create.
gc.collect()
gc.freeze()


def serve_reuseport(port: int) -> None:
    """Serve `app` on 127.0.0.1:`port` from a socket bound with `SO_REUSEPORT`."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    config = uvicorn.Config(
        app,
        http="httptools",
        loop="asyncio",
        log_level="warning",
        limit_concurrency=5000,
        backlog=4096,
        timeout_keep_alive=300,  # as benchmarks.workers gives uvicorn's command line
        lifespan="on",
    )
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    serve_reuseport(parser.parse_args().port)
