"""Serve a protocol as a standalone ASGI application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from typing import Any, Unpack

from langgraph.pregel import Pregel
from starlette.applications import Starlette

from langgraph_sse.adapters.mount import MountOptions
from langgraph_sse.adapters.starlette import make_routes
from langgraph_sse.core.service import GraphService
from langgraph_sse.protocols import WireProtocol

__all__ = ["make_asgi_app"]


def make_asgi_app(
    graph: GraphService | Pregel[Any, Any, Any, Any],
    *,
    protocol: str | WireProtocol = "native",
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[Any]] | None = None,
    **options: Unpack[MountOptions],
) -> Starlette:
    """An ASGI app serving `graph` at the root: run it with `uvicorn module:app`,
    or mount it in any ASGI framework.

    Args:
        graph: Any compiled LangGraph, or a [GraphService][langgraph_sse.core.service.GraphService].
        protocol: `"native"` (the default) or a protocol object.
        lifespan: An extra lifespan to run the app in, e.g. one giving the graph
            a durable checkpointer ([sqlite_checkpointer][langgraph_sse.core.checkpointers.sqlite_checkpointer]).
        **options: [MountOptions][langgraph_sse.adapters.mount.MountOptions].

    On shutdown the app stops every run: each open stream ends with an `error`
    event of type `shutdown`.
    """
    routes = make_routes(graph, protocol=protocol, **options)

    @asynccontextmanager
    async def run(app: Starlette) -> AsyncIterator[None]:
        extra = lifespan(app) if lifespan is not None else nullcontext()
        async with extra, routes.lifespan(app):
            yield

    return Starlette(routes=routes, lifespan=run)
