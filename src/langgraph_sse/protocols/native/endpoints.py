"""The native protocol's endpoint table and handlers.

| Endpoint | What it does |
| --- | --- |
| `POST /stream` | run and stream events (JSON body: `StreamRequest`) |
| `GET /stream` | the same from query parameters, for `EventSource` |
| `POST /invoke` | run to the end, answer the output (`InvokeResponse`) |
| `GET /threads/{thread_id}/state` | the thread's current state (`ThreadState`) |
| `GET /threads/{thread_id}/history` | its checkpoints, newest first (`ThreadHistory`) |
| `POST /runs` | start a run without waiting (`RunInfo`, 202) |
| `GET /runs/{run_id}` | the run's status (`RunInfo`) |
| `GET /runs/{run_id}/stream` | its events after `Last-Event-ID`, then the live tail |
| `POST /runs/{run_id}/cancel` | stop it |
| `GET /healthz` | `{"status": "ok"}`, the one endpoint that needs no credentials |
"""

from __future__ import annotations

import functools
from typing import Any, get_args

from starlette.responses import Response

from langgraph_sse.core.encoding import WireFormat
from langgraph_sse.core.events import EventType
from langgraph_sse.core.remote import RemoteRun
from langgraph_sse.core.run import Run
from langgraph_sse.http.endpoint import Call, Endpoint, EndpointTable
from langgraph_sse.http.responses import JSONResponse
from langgraph_sse.http.sse import SSE_HEADERS
from langgraph_sse.http.streaming import RunStreams
from langgraph_sse.protocols.native.requests import run_spec, stream_request
from langgraph_sse.protocols.native.schemas import (
    Health,
    HistoryQuery,
    InvokeResponse,
    JoinQuery,
    RunInfo,
    RunPath,
    RunRequest,
    StreamQuery,
    StreamRequest,
    ThreadHistory,
    ThreadPath,
    ThreadState,
)

__all__ = ["EVENT_STREAM", "describe_run", "native_endpoints"]

EVENT_STREAM: dict[str, Any] = {
    "description": (
        "Server-Sent Events, one per run event: `event: <type>`, `id: <seq>`, "
        "`data: <event JSON>`. The first is `metadata`, the last `done`."
    ),
    # One item per SSE event (OpenAPI's `itemSchema` for sequential media types).
    "itemSchema": {
        "type": "object",
        "properties": {
            "event": {"type": "string", "enum": list(get_args(EventType))},
            "id": {"type": "string", "pattern": "^[0-9]+$"},
            "data": {"type": "string", "contentMediaType": "application/json"},
        },
        "required": ["event", "id", "data"],
    },
}
"""The OpenAPI description of the native event stream."""

# A GET that streams, for EventSource (which sends no headers: credentials may
# come in the query string).
_FOR_EVENTSOURCE: dict[str, Any] = {"stream": EVENT_STREAM, "query_credentials": True}

# The error statuses each kind of endpoint answers, for the OpenAPI schema.
_AUTH = {401: "Missing or invalid credentials."}
_RUNS = {
    **_AUTH,
    404: "No such thread (or not yours).",
    409: "Nothing to resume, no checkpointer, or the thread is busy.",
    413: "Request body too large.",
    422: "Invalid request, naming the field.",
    429: "Too many runs going (`max_runs_per_principal`).",
}
_STREAMS = {**_RUNS, 429: "Too many open streams or runs going."}
_THREADS = {
    **_AUTH,
    404: "No such thread (or not yours).",
    409: "The graph keeps no thread state.",
    422: "Invalid thread id or query.",
}
_RUN = {**_AUTH, 404: "No such run (or not yours, or finished too long ago)."}
_JOIN = {
    **_RUN,
    409: "The run streams in another wire format.",
    422: "Not an event id of this run.",
    429: "Too many open streams.",
}


def native_endpoints(streams: RunStreams, wire_format: WireFormat) -> list[Endpoint]:
    """The native endpoints of `streams.service`, its runs in `wire_format`."""
    service = streams.service
    limits = service.limits
    table = EndpointTable()

    @table.route("POST", "/stream", body=StreamRequest, stream=EVENT_STREAM, errors=_STREAMS)
    async def stream(call: Call) -> Response:
        """Run the graph and stream its events."""
        body: StreamRequest = call.body
        return await streams.start(
            call.request,
            call.principal,
            run_spec(body, limits),
            wire_format,
            cancel_on_disconnect=body.on_disconnect != "continue",
        )

    @table.route("GET", "/stream", query=StreamQuery, errors=_STREAMS, **_FOR_EVENTSOURCE)
    async def stream_get(call: Call) -> Response:
        """Stream a run (for EventSource)."""
        # An EventSource reconnects by itself whenever a stream ends, sending the
        # Last-Event-ID of the last frame it saw. This URL does not name the run,
        # so such a reconnect is answered 204, which tells the browser to stop,
        # rather than running the graph again. HEAD answers headers, runs nothing.
        if "last-event-id" in call.request.headers:
            return Response(status_code=204)
        spec = run_spec(stream_request(call.query), limits)
        if spec.stream_mode is not None:
            limits.check_stream_modes(spec.stream_mode)
        if call.request.method == "HEAD":
            return Response(headers=SSE_HEADERS, media_type="text/event-stream")
        return await streams.start(call.request, call.principal, spec, wire_format)

    @table.route(
        "POST",
        "/invoke",
        body=RunRequest,
        response=InvokeResponse,
        errors=_RUNS,
        responses={
            500: ("The graph raised.", InvokeResponse),
            504: ("The run took too long.", InvokeResponse),
        },
    )
    async def invoke(call: Call) -> Response:
        """Run the graph to the end."""
        outcome = await service.wait(run_spec(call.body, limits), call.principal, wire_format)
        run = outcome.run
        result = {
            "run_id": run.run_id,
            "thread_id": run.thread_id,
            "status": run.status,
            "values": outcome.values,
            "interrupts": outcome.interrupts,
            "error": outcome.error,
        }
        if run.end_reason == "timeout":
            return JSONResponse(result, status_code=504)
        return JSONResponse(result, status_code=500 if run.status == "error" else 200)

    # The endpoints of one thread, and of one run.
    thread = functools.partial(table.route, params=ThreadPath, errors=_THREADS)
    run = functools.partial(table.route, params=RunPath, errors=_RUN)

    @thread("GET", "/threads/{thread_id}/state", response=ThreadState)
    async def thread_state(call: Call) -> Response:
        """A thread's current state."""
        return JSONResponse(await service.threads.state(call.path.thread_id, call.principal))

    @thread("GET", "/threads/{thread_id}/history", query=HistoryQuery, response=ThreadHistory)
    async def thread_history(call: Call) -> Response:
        """A thread's checkpoints, newest first."""
        thread_id, query = call.path.thread_id, call.query
        checkpoints = await service.threads.history(
            thread_id, call.principal, limit=query.limit, before=query.before
        )
        return JSONResponse({"thread_id": thread_id, "checkpoints": checkpoints})

    @table.route(
        "POST", "/runs", body=StreamRequest, response=RunInfo, status_code=202, errors=_RUNS
    )
    async def create_run(call: Call) -> Response:
        """Start a run without waiting."""
        run = await service.start(run_spec(call.body, limits), call.principal, wire_format)
        return JSONResponse(describe_run(run), status_code=202)

    @run("GET", "/runs/{run_id}", response=RunInfo)
    async def run_info(call: Call) -> Response:
        """A run's status."""
        return JSONResponse(describe_run(await service.find(call.path.run_id, call.principal)))

    @run("GET", "/runs/{run_id}/stream", query=JoinQuery, errors=_JOIN, **_FOR_EVENTSOURCE)
    async def join_run(call: Call) -> Response:
        """Join a run's stream (resume after Last-Event-ID)."""
        # An empty id (header or query) means "from the start", as no id at all.
        last_event_id = (
            call.request.headers.get("last-event-id") or call.query.last_event_id or None
        )
        return await streams.join(
            call.request, call.principal, call.path.run_id, wire_format, last_event_id
        )

    @run("POST", "/runs/{run_id}/cancel", response=RunInfo, status_code=202)
    async def cancel_run(call: Call) -> Response:
        """Cancel a run."""
        run = await service.cancel(call.path.run_id, call.principal)
        return JSONResponse(describe_run(run), status_code=202)

    @table.route("GET", "/healthz", response=Health, public=True)
    async def healthz(call: Call) -> Response:
        """Liveness."""
        return JSONResponse({"status": "ok"})

    return table


def describe_run(run: Run | RemoteRun) -> dict[str, Any]:
    """A run as [RunInfo][langgraph_sse.protocols.native.schemas.RunInfo]."""
    return {
        "run_id": run.run_id,
        "thread_id": run.thread_id,
        "status": run.status,
        "events": run.events,
    }
