"""This library's servers for benchmarks.protocols: the benchmark graph in each protocol.

- `native`: `make_asgi_app(graph)` (`POST /stream`);
- `langgraph`: `protocol=LangGraphProtocol(assistant_id="agent")` (`POST /runs/stream`,
  what `langgraph_sdk` calls; the assistant is named as `langgraph dev` names it);
- `aisdk`: `protocol="ai-sdk"` (`POST /`);
- `agui`: `protocol="ag-ui"` (`POST /`).

Each graph has an `InMemorySaver`, as the peers' graphs have (`langgraph dev`
gives every graph one; ag-ui-langgraph reads the thread's state before a run and
needs one), and every request runs on a new thread. Each app also answers
`GET /healthz` (benchmarks.servers waits for it).

Run one with `uvicorn benchmarks.protocol_apps:agui` (or `:native`, `:langgraph`, `:aisdk`).
"""

from __future__ import annotations

import gc
from typing import Any

from benchmarks.graph import build_graph
from langgraph.checkpoint.memory import InMemorySaver
from starlette.types import ASGIApp, Receive, Scope, Send

from langgraph_sse import make_asgi_app
from langgraph_sse.protocols import LangGraphProtocol


def _app(protocol: Any) -> ASGIApp:
    app = make_asgi_app(build_graph(InMemorySaver()), protocol=protocol)
    if protocol == "native":  # has its own /healthz
        return app

    async def with_healthz(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/healthz":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
            return
        await app(scope, receive, send)  # everything else, the lifespan too

    return with_healthz


native = _app("native")
langgraph = _app(LangGraphProtocol(assistant_id="agent"))
aisdk = _app("ai-sdk")
agui = _app("ag-ui")

# As every benchmarked process does (benchmarks.apps): freeze the startup heap.
gc.collect()
gc.freeze()
