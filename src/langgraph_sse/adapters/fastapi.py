"""Mount a graph's endpoints in a FastAPI application (needs `langgraph-sse[fastapi]`).

The router serves the same endpoints as the other adapters, from the same
[GraphServer][langgraph_sse.server.GraphServer], and describes each one with its
request and response models in the OpenAPI schema. Authentication runs as a
dependency, so a request without credentials gets 401 before its body is
validated against the models (FastAPI still refuses a body that is not JSON at
all first, with 400/422); bodies over the size limit get 413 before they are parsed.
"""

# No `from __future__ import annotations` here: FastAPI reads the endpoints'
# annotations, and `Caller` below is local to make_router.
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any, Unpack, get_args

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute
from langgraph.pregel import Pregel
from starlette.responses import Response
from starlette.types import Message, Receive

from langgraph_sse.auth import Principal
from langgraph_sse.events import EventType
from langgraph_sse.exceptions import HTTPError, answer_http_errors
from langgraph_sse.parsing import too_large
from langgraph_sse.schemas import (
    ErrorResponse,
    Health,
    HistoryQuery,
    InvokeResponse,
    RunInfo,
    RunRequest,
    StreamRequest,
    ThreadHistory,
    ThreadState,
)
from langgraph_sse.server import GraphServer, ServerOptions

__all__ = ["make_router"]

_RUN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or invalid credentials."},
    404: {"model": ErrorResponse, "description": "No such thread (or not yours)."},
    409: {"model": ErrorResponse, "description": "Nothing to resume, or no checkpointer."},
    413: {"model": ErrorResponse, "description": "Request body too large."},
}
_STREAM_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": (
            "Server-Sent Events, one per run event: `event: <type>`, `id: <seq>`, "
            "`data: <event JSON>`. The first is `metadata`, the last `done`."
        ),
        # One item per SSE event (OpenAPI's `itemSchema` for sequential media types).
        "content": {
            "text/event-stream": {
                "itemSchema": {
                    "type": "object",
                    "properties": {
                        "event": {"type": "string", "enum": list(get_args(EventType))},
                        "id": {"type": "string", "pattern": "^[0-9]+$"},
                        "data": {"type": "string", "contentMediaType": "application/json"},
                    },
                    "required": ["event", "id", "data"],
                }
            }
        },
    },
    **_RUN_ERRORS,
    429: {"model": ErrorResponse, "description": "Too many open streams."},
}
_RUN_NOT_FOUND: dict[str, Any] = {
    "model": ErrorResponse,
    "description": "No such run (or not yours, or finished too long ago).",
}
_THREAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _RUN_ERRORS[401],
    404: _RUN_ERRORS[404],
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
        dependencies: FastAPI dependencies run before every endpoint except
            `/healthz`, which probes call without credentials. (For
            authentication prefer `auth=`: it also drives thread ownership.)
        **options: Those of [GraphServer][langgraph_sse.server.GraphServer]
            ([ServerOptions][langgraph_sse.server.ServerOptions]), e.g. `auth`,
            `limits`, `stream_mode`.

    The router's lifespan (FastAPI merges it into the app's) stops every run
    when the app shuts down.
    """
    server = GraphServer(graph, **options)

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        await server.shutdown()  # open streams end with an `error` of type `shutdown`

    router = APIRouter(
        prefix=prefix,
        tags=list(tags),
        route_class=_body_limited_route(server.limits.max_body_bytes),
        lifespan=lifespan,
    )
    guarded = list(dependencies or ())  # every endpoint but /healthz

    async def authenticate(request: Request) -> Principal | None:
        try:
            return await server.authenticate(request)
        except HTTPError as exc:
            raise HTTPException(exc.status_code, exc.detail, exc.headers) from None

    Caller = Annotated[Principal | None, Depends(authenticate)]

    @router.post(
        "/stream",
        responses=_STREAM_RESPONSES,
        dependencies=guarded,
        summary="Run the graph and stream its events",
    )
    @answer_http_errors
    async def stream(
        request: Request, principal: Caller, body: Annotated[StreamRequest, Body()]
    ) -> Response:
        return await server.stream(request, body, principal)

    @router.get(
        "/stream",
        responses=_STREAM_RESPONSES,
        dependencies=guarded,
        summary="Stream a run (for EventSource)",
    )
    @answer_http_errors
    async def stream_get(
        request: Request,
        principal: Caller,
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
        return await server.stream_get(request, principal)

    @router.post(
        "/invoke",
        response_model=InvokeResponse,
        dependencies=guarded,
        responses={
            500: {"model": InvokeResponse, "description": "The graph raised."},
            504: {"model": InvokeResponse, "description": "The run took too long."},
            **_RUN_ERRORS,
        },
        summary="Run the graph to the end",
    )
    @answer_http_errors
    async def invoke(principal: Caller, body: Annotated[RunRequest, Body()]) -> Response:
        return await server.invoke(body, principal)

    @router.get(
        "/threads/{thread_id}/state",
        response_model=ThreadState,
        dependencies=guarded,
        responses=_THREAD_RESPONSES,
        summary="A thread's current state",
    )
    @answer_http_errors
    async def thread_state(principal: Caller, thread_id: ThreadIdPath) -> Response:
        return await server.thread_state(thread_id, principal)

    @router.get(
        "/threads/{thread_id}/history",
        response_model=ThreadHistory,
        dependencies=guarded,
        responses=_THREAD_RESPONSES,
        summary="A thread's checkpoints, newest first",
    )
    @answer_http_errors
    async def thread_history(
        principal: Caller, thread_id: ThreadIdPath, query: Annotated[HistoryQuery, Query()]
    ) -> Response:
        return await server.thread_history(thread_id, query, principal)

    @router.post(
        "/runs",
        status_code=202,
        response_model=RunInfo,
        dependencies=guarded,
        responses={**_RUN_ERRORS, 429: _STREAM_RESPONSES[429]},
        summary="Start a run without waiting",
    )
    @answer_http_errors
    async def create_run(principal: Caller, body: Annotated[StreamRequest, Body()]) -> Response:
        return await server.create_run(body, principal)

    @router.get(
        "/runs/{run_id}",
        response_model=RunInfo,
        dependencies=guarded,
        responses={401: _RUN_ERRORS[401], 404: _RUN_NOT_FOUND},
        summary="A run's status",
    )
    @answer_http_errors
    async def run_info(principal: Caller, run_id: str) -> Response:
        return await server.run_info(run_id, principal)

    @router.get(
        "/runs/{run_id}/stream",
        dependencies=guarded,
        responses={
            200: _STREAM_RESPONSES[200],
            401: _RUN_ERRORS[401],
            404: _RUN_NOT_FOUND,
            429: _STREAM_RESPONSES[429],
        },
        summary="Join a run's stream (resume after Last-Event-ID)",
    )
    @answer_http_errors
    async def join_run(
        request: Request,
        principal: Caller,
        run_id: str,
        last_event_id: Annotated[
            str | None, Query(description="For clients that cannot send the Last-Event-ID header.")
        ] = None,
    ) -> Response:
        return await server.join(request, run_id, principal)

    @router.post(
        "/runs/{run_id}/cancel",
        status_code=202,
        response_model=RunInfo,
        dependencies=guarded,
        responses={401: _RUN_ERRORS[401], 404: _RUN_NOT_FOUND},
        summary="Cancel a run",
    )
    @answer_http_errors
    async def cancel_run(principal: Caller, run_id: str) -> Response:
        return await server.cancel_run(run_id, principal)

    @router.get("/healthz", response_model=Health, summary="Liveness")
    async def healthz() -> Response:
        return server.healthz()

    return router


def _body_limited_route(max_bytes: int) -> type[APIRoute]:
    """An APIRoute class that refuses bodies over `max_bytes` with 413, announced
    (`Content-Length`) or not (chunked), before FastAPI parses them."""

    class BodyLimitedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def limited(request: Request) -> Response:
                length = request.headers.get("content-length", "")
                if length.isdigit() and int(length) > max_bytes:
                    return too_large(max_bytes).response()
                return await handler(Request(request.scope, _capped(request.receive, max_bytes)))

            return limited

    return BodyLimitedRoute


def _capped(receive: Receive, max_bytes: int) -> Receive:
    seen = 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > max_bytes:
                error = too_large(max_bytes)
                raise HTTPException(error.status_code, error.detail)
        return message

    return capped
