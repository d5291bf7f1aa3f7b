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

from typing import Any, get_args

from starlette.responses import Response

from langgraph_sse.core.broker import RemoteRun
from langgraph_sse.core.encoding import WireFormat
from langgraph_sse.core.events import EventType
from langgraph_sse.core.run import Run
from langgraph_sse.http.endpoint import Call, Endpoint
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

__all__ = ["EVENT_STREAM", "native_endpoints"]

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

_AUTH = {401: "Missing or invalid credentials."}
_RUN_ERRORS = {
    **_AUTH,
    404: "No such thread (or not yours).",
    409: "Nothing to resume, no checkpointer, or the thread is busy.",
    413: "Request body too large.",
    422: "Invalid request, naming the field.",
}
_STREAM_ERRORS = {**_RUN_ERRORS, 429: "Too many open streams."}
_THREAD_ERRORS = {
    **_AUTH,
    404: "No such thread (or not yours).",
    409: "The graph keeps no thread state.",
    422: "Invalid thread id or query.",
}
_RUN_NOT_FOUND = {**_AUTH, 404: "No such run (or not yours, or finished too long ago)."}


def native_endpoints(streams: RunStreams, wire_format: WireFormat) -> list[Endpoint]:
    """The native endpoints of `streams.service`, its runs in `wire_format`."""
    service = streams.service
    limits = service.limits

    async def stream(call: Call) -> Response:
        body: StreamRequest = call.body
        return await streams.start(
            call.request,
            call.principal,
            run_spec(body, limits),
            wire_format,
            cancel_on_disconnect=body.on_disconnect != "continue",
        )

    async def stream_get(call: Call) -> Response:
        # An EventSource reconnects by itself whenever a stream ends, sending the
        # Last-Event-ID of the last frame it saw. This URL does not name the run,
        # so such a reconnect is answered 204, which tells the browser to stop,
        # rather than running the graph again. HEAD answers headers, runs nothing.
        if "last-event-id" in call.request.headers:
            return Response(status_code=204)
        body = stream_request(call.query)
        spec = run_spec(body, limits)
        if spec.stream_mode is not None:
            limits.check_stream_modes(spec.stream_mode)
        if call.request.method == "HEAD":
            return Response(headers=SSE_HEADERS, media_type="text/event-stream")
        return await streams.start(call.request, call.principal, spec, wire_format)

    async def invoke(call: Call) -> Response:
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

    async def thread_state(call: Call) -> Response:
        return JSONResponse(await service.threads.state(call.path.thread_id, call.principal))

    async def thread_history(call: Call) -> Response:
        thread_id, query = call.path.thread_id, call.query
        checkpoints = await service.threads.history(
            thread_id, call.principal, limit=query.limit, before=query.before
        )
        return JSONResponse({"thread_id": thread_id, "checkpoints": checkpoints})

    async def create_run(call: Call) -> Response:
        run = await service.start(run_spec(call.body, limits), call.principal, wire_format)
        return JSONResponse(run_info(run), status_code=202)

    async def get_run(call: Call) -> Response:
        return JSONResponse(run_info(await service.find(call.path.run_id, call.principal)))

    async def join_run(call: Call) -> Response:
        # An empty id (header or query) means "from the start", as no id at all.
        last_event_id = (
            call.request.headers.get("last-event-id") or call.query.last_event_id or None
        )
        return await streams.join(
            call.request, call.principal, call.path.run_id, wire_format, last_event_id
        )

    async def cancel_run(call: Call) -> Response:
        run = await service.cancel(call.path.run_id, call.principal)
        return JSONResponse(run_info(run), status_code=202)

    async def healthz(call: Call) -> Response:
        return JSONResponse({"status": "ok"})

    return [
        Endpoint(
            method="POST",
            path="/stream",
            name="stream",
            handler=stream,
            summary="Run the graph and stream its events",
            body=StreamRequest,
            stream=EVENT_STREAM,
            errors=_STREAM_ERRORS,
        ),
        Endpoint(
            method="GET",
            path="/stream",
            name="stream_get",
            handler=stream_get,
            summary="Stream a run (for EventSource)",
            query=StreamQuery,
            stream=EVENT_STREAM,
            errors=_STREAM_ERRORS,
            query_credentials=True,
        ),
        Endpoint(
            method="POST",
            path="/invoke",
            name="invoke",
            handler=invoke,
            summary="Run the graph to the end",
            body=RunRequest,
            response=InvokeResponse,
            errors=_RUN_ERRORS,
            responses={
                500: ("The graph raised.", InvokeResponse),
                504: ("The run took too long.", InvokeResponse),
            },
        ),
        Endpoint(
            method="GET",
            path="/threads/{thread_id}/state",
            name="thread_state",
            handler=thread_state,
            summary="A thread's current state",
            path_params=ThreadPath,
            response=ThreadState,
            errors=_THREAD_ERRORS,
        ),
        Endpoint(
            method="GET",
            path="/threads/{thread_id}/history",
            name="thread_history",
            handler=thread_history,
            summary="A thread's checkpoints, newest first",
            path_params=ThreadPath,
            query=HistoryQuery,
            response=ThreadHistory,
            errors=_THREAD_ERRORS,
        ),
        Endpoint(
            method="POST",
            path="/runs",
            name="create_run",
            handler=create_run,
            summary="Start a run without waiting",
            body=StreamRequest,
            response=RunInfo,
            status_code=202,
            errors=_STREAM_ERRORS,
        ),
        Endpoint(
            method="GET",
            path="/runs/{run_id}",
            name="run",
            handler=get_run,
            summary="A run's status",
            path_params=RunPath,
            response=RunInfo,
            errors=_RUN_NOT_FOUND,
        ),
        Endpoint(
            method="GET",
            path="/runs/{run_id}/stream",
            name="join_run",
            handler=join_run,
            summary="Join a run's stream (resume after Last-Event-ID)",
            path_params=RunPath,
            query=JoinQuery,
            stream=EVENT_STREAM,
            errors={
                **_RUN_NOT_FOUND,
                409: "The run streams in another wire format.",
                422: "Not an event id of this run.",
                429: "Too many open streams.",
            },
            query_credentials=True,
        ),
        Endpoint(
            method="POST",
            path="/runs/{run_id}/cancel",
            name="cancel_run",
            handler=cancel_run,
            summary="Cancel a run",
            path_params=RunPath,
            response=RunInfo,
            status_code=202,
            errors=_RUN_NOT_FOUND,
        ),
        Endpoint(
            method="GET",
            path="/healthz",
            name="healthz",
            handler=healthz,
            summary="Liveness",
            response=Health,
            public=True,
        ),
    ]


def run_info(run: Run | RemoteRun) -> dict[str, Any]:
    """A run as [RunInfo][langgraph_sse.protocols.native.schemas.RunInfo]."""
    return {
        "run_id": run.run_id,
        "thread_id": run.thread_id,
        "status": run.status,
        "events": run.events,
    }
