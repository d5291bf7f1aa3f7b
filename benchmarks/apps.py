"""The servers the benchmarks compare, each an ASGI app serving benchmarks.graph.

- `lib`: langgraph-sse, `make_asgi_app(graph)` (`lib_under_valgrind`: the same with
  the longer `flush_interval` benchmarks.instructions needs);
- `guide`: the usual hand-written FastAPI server (`StreamingResponse`,
  `json.dumps` per event), as popular streaming recipes write it;
- `plain`: the same loop handed to sse-starlette's `EventSourceResponse`;
- `ref`: the limit to measure against, not a peer: a bare ASGI app that runs the
  graph inside uvicorn (`graph.astream`, as the floor does) and writes the library's
  exact bytes for its reply (`messages` mode: `metadata`, one `token` frame per
  token, `done`) in one write at the end, with no per-token work beyond keeping
  each token's text. What is left between it and the floor is the cost of the
  process, HTTP and the client's parsing, which no streaming layer can remove.

Each process freezes its startup heap (`gc.freeze()`), as the floor does and as
docs/production.md recommends for servers.

Run one with `uvicorn benchmarks.apps:lib` (or `:guide`, `:plain`, `:ref`).
"""

from __future__ import annotations

import gc
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
from benchmarks.graph import build_graph
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse
from langchain_core.messages import AIMessageChunk
from sse_starlette import EventSourceResponse
from starlette.types import Receive, Scope, Send

from langgraph_sse import make_asgi_app

lib = make_asgi_app(build_graph())
# For benchmarks.instructions: under valgrind a program runs some 50 times slower,
# and 0.1 s then groups about as many tokens per write as the 2 ms default natively.
lib_under_valgrind = make_asgi_app(build_graph(), flush_interval=0.1)

_graph = build_graph()


async def _events(body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    # As the hand-written recipe does it: astream with the requested modes, one dict per event.
    modes = body.get("stream_mode", "messages")
    modes = [modes] if isinstance(modes, str) else modes
    async for mode, data in _graph.astream(body["input"], stream_mode=modes):
        if mode == "messages":
            chunk, metadata = data
            if isinstance(chunk, AIMessageChunk) and chunk.content:
                yield {
                    "type": "token",
                    "content": chunk.content,
                    "node": metadata.get("langgraph_node", ""),
                }
        elif mode == "custom":
            yield {"type": "progress", "data": data}
        elif mode == "updates":
            yield {"type": "updates", "data": {k: str(v) for k, v in data.items()}}
        elif mode == "values":
            yield {"type": "values", "data": {k: str(v) for k, v in data.items()}}


guide = FastAPI()


@guide.post("/stream")
async def guide_stream(request: Request) -> StreamingResponse:
    body = await request.json()

    async def frames() -> AsyncIterator[str]:
        async for event in _events(body):
            yield f"data: {json.dumps(event)}\n\n"
        yield 'data: {"type": "done"}\n\n'

    return StreamingResponse(
        frames(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


plain = FastAPI()


@plain.post("/stream")
async def plain_stream(request: Request) -> EventSourceResponse:
    body = await request.json()

    async def frames() -> AsyncIterator[dict[str, str]]:
        async for event in _events(body):
            yield {"event": event["type"], "data": json.dumps(event)}
        yield {"event": "done", "data": "{}"}

    return EventSourceResponse(frames())


@guide.get("/healthz")
@plain.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


_TOKEN = b'event: token\nid: %d\ndata: {"type":"token","seq":%d,"ns":[],"text":%s,"node":%s,"message_id":%s}\n\n'


async def ref(scope: Scope, receive: Receive, send: Send) -> None:
    """The graph run inside uvicorn, its reply in langgraph-sse's bytes in one write at the end."""
    if scope["type"] != "http":
        return
    if scope["path"] == "/healthz":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    request = json.loads(body)
    tokens = []  # (text, node, message id) of each token, as the run streams them
    async for chunk, metadata in _graph.astream(request["input"], stream_mode="messages"):
        if isinstance(chunk, AIMessageChunk) and chunk.content:
            tokens.append((chunk.content, metadata.get("langgraph_node", ""), chunk.id))
    run_id, thread_id = str(uuid.uuid4()), str(uuid.uuid4())
    frames = [
        b'event: metadata\nid: 0\ndata: {"type":"metadata","seq":0,"ns":[],"run_id":"%s","thread_id":"%s"}\n\n'
        % (run_id.encode(), thread_id.encode())
    ]
    dumps = orjson.dumps
    frames += [
        _TOKEN % (seq, seq, dumps(text), dumps(node), dumps(message_id))
        for seq, (text, node, message_id) in enumerate(tokens, 1)
    ]
    done = len(tokens) + 1
    frames.append(
        b'event: done\nid: %d\ndata: {"type":"done","seq":%d,"ns":[],"status":"success"}\n\n'
        % (done, done)
    )
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/event-stream; charset=utf-8"),
                (b"cache-control", b"no-cache"),
                (b"x-accel-buffering", b"no"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"".join(frames)})


# Every server process (and the floor, benchmarks.floor) freezes what it holds once
# started, so the collector's full passes scan only what runs create; otherwise a
# process that imported more (FastAPI, three graphs) pays more per collection.
gc.collect()
gc.freeze()
