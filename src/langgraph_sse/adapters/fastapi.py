"""Mount a graph's endpoints in a FastAPI application (needs `langgraph-sse[fastapi]`).

The router serves the same endpoints as the other adapters, from the same
[GraphServer][langgraph_sse.server.GraphServer], and describes each one with its
request and response models in the OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Unpack

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.params import Depends as DependsParam
from langgraph.pregel import Pregel
from starlette.responses import Response

from langgraph_sse.schemas import (
    ErrorResponse,
    Health,
    HistoryQuery,
    InvokeResponse,
    RunRequest,
    StreamRequest,
    ThreadHistory,
    ThreadState,
)
from langgraph_sse.server import GraphServer, ServerOptions, answer_http_errors

__all__ = ["make_router"]

_RUN_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "Resuming a thread that does not exist."},
    409: {"model": ErrorResponse, "description": "Nothing to resume, or no checkpointer."},
}
_STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": (
            "Server-Sent Events, one per run event: `event: <type>`, `id: <seq>`, "
            "`data: <event JSON>`. The first is `metadata`, the last `done`."
        ),
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    **_RUN_ERRORS,
}
_THREAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No such thread."},
    409: {"model": ErrorResponse, "description": "The graph keeps no thread state."},
}

ThreadIdPath = Annotated[str, Path(min_length=1, max_length=256, description="The thread's id.")]


def make_router(
    graph: Pregel[Any, Any, Any, Any],
    *,
    prefix: str = "",
    tags: Sequence[str] = ("langgraph",),
    dependencies: Sequence[DependsParam] | None = None,
    **options: Unpack[ServerOptions],
) -> APIRouter:
    """A FastAPI router serving `graph`; mount it with `app.include_router(...)`.

    Args:
        graph: Any compiled LangGraph.
        prefix: Path prefix of every endpoint, e.g. `"/agent"`.
        tags: OpenAPI tags of the endpoints.
        dependencies: FastAPI dependencies (an API-key check, say) run before every
            endpoint except `/healthz`, which probes call without credentials.
        **options: Those of [GraphServer][langgraph_sse.server.GraphServer]
            ([ServerOptions][langgraph_sse.server.ServerOptions]).
    """
    server = GraphServer(graph, **options)
    router = APIRouter(prefix=prefix, tags=list(tags))
    guarded = list(dependencies or ())  # every endpoint but /healthz

    @router.post(
        "/stream",
        responses=_STREAM_RESPONSES,
        dependencies=guarded,
        summary="Run the graph and stream its events",
    )
    @answer_http_errors
    async def stream(body: Annotated[StreamRequest, Body()]) -> Response:
        return await server.stream(body)

    @router.get(
        "/stream",
        responses=_STREAM_RESPONSES,
        dependencies=guarded,
        summary="Stream a run (for EventSource)",
    )
    @answer_http_errors
    async def stream_get(
        request: Request,
        thread_id: Annotated[str | None, Query(description="The thread to run on.")] = None,
        message: Annotated[str | None, Query(description="A user message to send.")] = None,
        input: Annotated[str | None, Query(description="The graph input as JSON text.")] = None,
        command: Annotated[str | None, Query(description='JSON, e.g. {"resume": true}.')] = None,
        stream_mode: Annotated[
            list[str] | None, Query(description="Repeat or comma-separate: messages,custom")
        ] = None,
        subgraphs: Annotated[str | None, Query(description="true or false.")] = None,
    ) -> Response:
        # The parameters above document the endpoint; the server reads them
        # itself so every adapter validates GET /stream the same way.
        return await server.stream_get(request)

    @router.post(
        "/invoke",
        response_model=InvokeResponse,
        dependencies=guarded,
        responses={
            500: {"model": InvokeResponse, "description": "The graph raised."},
            **_RUN_ERRORS,
        },
        summary="Run the graph to the end",
    )
    @answer_http_errors
    async def invoke(body: Annotated[RunRequest, Body()]) -> Response:
        return await server.invoke(body)

    @router.get(
        "/threads/{thread_id}/state",
        response_model=ThreadState,
        dependencies=guarded,
        responses=_THREAD_RESPONSES,
        summary="A thread's current state",
    )
    @answer_http_errors
    async def thread_state(thread_id: ThreadIdPath) -> Response:
        return await server.thread_state(thread_id)

    @router.get(
        "/threads/{thread_id}/history",
        response_model=ThreadHistory,
        dependencies=guarded,
        responses=_THREAD_RESPONSES,
        summary="A thread's checkpoints, newest first",
    )
    @answer_http_errors
    async def thread_history(
        thread_id: ThreadIdPath, query: Annotated[HistoryQuery, Query()]
    ) -> Response:
        return await server.thread_history(thread_id, query)

    @router.get("/healthz", response_model=Health, summary="Liveness")
    async def healthz() -> Response:
        return server.healthz()

    return router
