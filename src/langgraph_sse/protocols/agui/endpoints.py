"""AG-UI's endpoint table: one endpoint, `POST /`, as CopilotKit's `HttpAgent` calls it.

| Endpoint | What it does |
| --- | --- |
| `POST /` | run the graph on `threadId` and stream AG-UI events (body: `RunAgentInput`) |

Mounted with a prefix (`make_router(graph, protocol="ag-ui", prefix="/agui")`),
the endpoint is the prefix itself: `POST /agui`.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from langgraph_sse.http.endpoint import Call, Endpoint, EndpointTable
from langgraph_sse.http.streaming import RunStreams
from langgraph_sse.protocols.agui.encoding import AGUIFormat
from langgraph_sse.protocols.agui.requests import run_spec
from langgraph_sse.protocols.agui.schemas import RunAgentBody

__all__ = ["EVENT_STREAM", "agui_endpoints"]

EVENT_STREAM: dict[str, Any] = {
    "description": (
        "Server-Sent Events, one AG-UI event per frame (`data: <event JSON>`): "
        "`RUN_STARTED` first, `RUN_FINISHED` or `RUN_ERROR` last."
    ),
    "itemSchema": {
        "type": "object",
        "properties": {"data": {"type": "string", "contentMediaType": "application/json"}},
        "required": ["data"],
    },
}
"""The OpenAPI description of the AG-UI event stream."""

_ERRORS = {
    401: "Missing or invalid credentials.",
    404: "The thread is another principal's.",
    409: "The thread is busy, or `resume` with nothing to resume.",
    413: "Request body too large.",
    422: "Invalid `RunAgentInput`, naming the field.",
    429: "Too many runs going or streams open.",
}


def agui_endpoints(streams: RunStreams) -> list[Endpoint]:
    """The AG-UI endpoint of `streams.service`."""
    limits = streams.service.limits
    table = EndpointTable()

    @table.route("POST", "/", body=RunAgentBody, stream=EVENT_STREAM, errors=_ERRORS)
    async def run_agent(call: Call) -> Response:
        """Run the agent and stream AG-UI events."""
        body: RunAgentBody = call.body
        wire_format = AGUIFormat(body.thread_id, body.run_id)
        return await streams.start(
            call.request, call.principal, run_spec(body, limits), wire_format
        )

    return table
