"""A protocol of your own: the answer's text as plain SSE `data:` lines.

A protocol is a request mapping, an encoder and an endpoint table; the service
does the rest (threads, runs, auth, ownership, limits, cancellation). This one
answers `POST /ask {"question": ...}` with one frame per token of the answer and
a last `data: [DONE]`, and shares its graph's service with the native endpoints.

Run:  uvicorn examples.text_protocol:app --port 8000
Try:  curl -N -X POST http://127.0.0.1:8000/text/ask -H 'Content-Type: application/json' \
        -d '{"question": "Hello"}'
"""

from fastapi import FastAPI
from langchain_core.messages import HumanMessage
from pydantic import BaseModel
from starlette.responses import Response

from examples._graph import chat_graph, durable
from langgraph_sse import (
    Call,
    DoneEvent,
    Encoder,
    Endpoint,
    EndpointTable,
    Event,
    GraphService,
    RunSpec,
    RunStreams,
    TokenEvent,
    format_frame,
    make_router,
)


# --8<-- [start:text_protocol]
class Ask(BaseModel):
    """The request: a question, on a thread if given."""

    question: str
    thread_id: str | None = None


class TextFormat:
    """The encoder: a token's text as `data:` (its `id:` the event's seq), a last
    `data: [DONE]`, nothing for other events."""

    name = "text"

    def encoder(self) -> Encoder:
        def encode(event: Event) -> bytes:
            if isinstance(event, TokenEvent):
                return format_frame(event.text.encode(), id=event.seq)
            if isinstance(event, DoneEvent):
                return format_frame(b"[DONE]", id=event.seq)
            return b""

        return encode

    def event_seq(self, last_event_id: str) -> int:
        return int(last_event_id)


class TextProtocol:
    """The endpoint table: `POST /ask`, mapped to a run of the service."""

    name = "text"

    def endpoints(self, streams: RunStreams) -> list[Endpoint]:
        table = EndpointTable()
        text = TextFormat()

        @table.route("POST", "/ask", body=Ask, stream={"description": "The answer's text."})
        async def ask(call: Call) -> Response:
            """Ask a question; stream the answer's text."""
            spec = RunSpec(
                thread_id=call.body.thread_id,
                input={"messages": [HumanMessage(content=call.body.question)]},
                stream_mode=("messages",),
            )
            return await streams.start(call.request, call.principal, spec, text)

        return table


# --8<-- [end:text_protocol]


graph = chat_graph()
service = GraphService(graph)
app = FastAPI(title="langgraph-sse: a protocol of your own", lifespan=durable(graph))
app.include_router(make_router(service, protocol=TextProtocol(), prefix="/text"))
app.include_router(make_router(service, prefix="/native"))  # the same threads and runs
