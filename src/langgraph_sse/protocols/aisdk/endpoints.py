"""The AI SDK protocol's endpoint table: what `DefaultChatTransport` calls.

| Endpoint | What it does |
| --- | --- |
| `POST /` | run the chat's next turn and stream it (the run goes on if the client leaves) |
| `GET /{chat_id}/stream` | the chat's active run, replayed from its start then live; 204 when none |

Mounted under a prefix (`make_router(graph, protocol="ai-sdk", prefix="/api/chat")`),
`POST /` is `POST /api/chat`: the transport's `api`.
"""

from __future__ import annotations

from starlette.responses import Response

from langgraph_sse.core.remote import RemoteRun
from langgraph_sse.core.run import Run
from langgraph_sse.http.endpoint import Call, Endpoint, EndpointTable
from langgraph_sse.http.streaming import RunStreams
from langgraph_sse.protocols.aisdk.encoding import AISDKFormat
from langgraph_sse.protocols.aisdk.requests import chat_turn
from langgraph_sse.protocols.aisdk.schemas import ChatPath, ChatRequest

__all__ = ["STREAM_HEADERS", "aisdk_endpoints"]

STREAM_HEADERS = {"x-vercel-ai-ui-message-stream": "v1"}
"""What marks a response as a UI message stream."""

_STREAM = {
    "description": (
        "The AI SDK UI message stream (v1): one `data: <part>` frame per part, "
        "`start` first, steps, text, reasoning, tool and `data-*` parts, then "
        "`finish` (or `error`) and `data: [DONE]`."
    )
}
_AUTH = {401: "Missing or invalid credentials."}
_CHAT = {
    **_AUTH,
    404: "Another principal's chat, or nothing to resume.",
    409: "The chat has a run going, or nothing to resume.",
    422: "Invalid request (no user text, an approval without its answer...).",
    429: "Too many runs going or streams open.",
}


def _headers(run: Run | RemoteRun) -> dict[str, str]:
    return dict(STREAM_HEADERS)


def aisdk_endpoints(streams: RunStreams, input_key: str = "messages") -> list[Endpoint]:
    """The AI SDK endpoints of `streams.service`; a user message is added to the
    graph's state key `input_key`."""
    service = streams.service
    table = EndpointTable()

    @table.route("POST", "/", body=ChatRequest, stream=_STREAM, errors=_CHAT)
    async def chat(call: Call) -> Response:
        """Run the chat's next turn and stream it as UI message parts."""
        turn = chat_turn(call.body, service.limits, input_key)
        return await streams.start(
            call.request,
            call.principal,
            turn.spec,
            AISDKFormat(turn.message_id, turn.answers),
            cancel_on_disconnect=False,  # the client may come back for it
            headers=_headers,
        )

    @table.route(
        "GET",
        "/{chat_id}/stream",
        params=ChatPath,
        stream=_STREAM,
        errors={**_AUTH, 404: "Another principal's chat."},
    )
    async def resume_chat(call: Call) -> Response:
        """The chat's active run from its start, then live; 204 when it has none."""
        run = await service.active_run(call.path.chat_id, call.principal)
        if run is None:
            return Response(status_code=204)
        return await streams.join(
            call.request, call.principal, run.run_id, AISDKFormat(), None, headers=_headers
        )

    return table
