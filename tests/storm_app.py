"""An app for tests/system/test_disconnect_storm.py, run by uvicorn in a subprocess.

It serves an endless graph (one node writing a custom event every 10 ms until it
is cancelled) and a `GET /debug` route telling what is still running inside the
server process: `python -m uvicorn tests.storm_app:app`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from langgraph_sse import GraphService, make_routes
from tests.graphs import State

running_nodes = 0
"""How many node coroutines are inside their endless loop right now."""

outcomes: Counter[str] = Counter()
"""How the runs ended, from the server's `run ...` log records."""


class CountOutcomes(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        fields = getattr(record, "langgraph_sse", None)
        if isinstance(fields, dict):
            outcomes[str(fields["outcome"])] += 1


logging.getLogger("langgraph_sse").setLevel(logging.INFO)
logging.getLogger("langgraph_sse").addHandler(CountOutcomes())


async def tick(state: State) -> dict[str, Any]:
    global running_nodes
    write = get_stream_writer()
    running_nodes += 1
    try:
        n = 0
        while True:
            n += 1
            write({"tick": n})
            await asyncio.sleep(0.01)
    finally:
        running_nodes -= 1


def build_graph() -> Any:
    builder = StateGraph(State)
    builder.add_node("tick", tick)
    builder.add_edge(START, "tick")
    builder.add_edge("tick", END)
    return builder.compile(checkpointer=InMemorySaver())


service = GraphService(build_graph(), stream_mode="custom")


async def debug(request: Request) -> JSONResponse:
    """What still runs: runs, node loops, run tasks, all tasks; and how runs ended."""
    runs = [t for t in asyncio.all_tasks() if t.get_name().startswith("langgraph-sse run")]
    return JSONResponse(
        {
            "active_runs": service.active_runs,
            "running_nodes": running_nodes,
            "run_tasks": len(runs),
            "tasks": len(asyncio.all_tasks()),
            "task_kinds": dict(
                Counter(getattr(t.get_coro(), "__qualname__", "?") for t in asyncio.all_tasks())
            ),
            "outcomes": dict(outcomes),
        }
    )


app = Starlette(routes=[*make_routes(service), Route("/debug", debug, methods=["GET"])])
