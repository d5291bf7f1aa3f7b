"""Bytes on the wire for a 3-token reply, in AG-UI: ours, or ag-ui-langgraph's.

Run:  python -m tests.protocols.agui.size                    (this library)
      python tests/protocols/agui/size.py ag-ui-langgraph    (in a venv with it)

The graph is one node calling langchain_core's fake chat model, which streams
the reply in exactly three chunks ("Hello", " there", " friend"). The script
POSTs one `RunAgentInput` in process (httpx's ASGI transport) and prints the
size of the response body and its event types.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessageChunk, AnyMessage
from langchain_core.outputs import ChatGenerationChunk
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

TOKENS = ("Hello", " there", " friend")


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


class ThreeTokens(GenericFakeChatModel):
    """Streams `TOKENS`, one chunk each."""

    messages: Any = iter(())

    async def _astream(
        self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> AsyncIterator[ChatGenerationChunk]:
        for index, token in enumerate(TOKENS):
            chunk = AIMessageChunk(content=token, id="msg-1")
            if index == len(TOKENS) - 1:
                chunk.chunk_position = "last"
            generation = ChatGenerationChunk(message=chunk)
            if run_manager:
                await run_manager.on_llm_new_token(token, chunk=generation)
            yield generation


def graph() -> Any:
    model = ThreeTokens()

    async def agent(state: State) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(State)
    builder.add_node("agent", agent)
    builder.add_edge(START, "agent")
    builder.add_edge("agent", END)
    return builder.compile(checkpointer=InMemorySaver())


def app(implementation: str) -> Any:
    if implementation == "ag-ui-langgraph":
        from ag_ui_langgraph import (  # type: ignore[import-not-found]
            LangGraphAgent,
            add_langgraph_fastapi_endpoint,
        )
        from fastapi import FastAPI

        fastapi_app = FastAPI()
        add_langgraph_fastapi_endpoint(
            fastapi_app, LangGraphAgent(name="agent", graph=graph()), "/"
        )
        return fastapi_app
    from langgraph_sse import make_asgi_app

    return make_asgi_app(graph(), protocol="ag-ui")


BODY = {
    "threadId": "t-size",
    "runId": "r-size",
    "messages": [{"id": "u1", "role": "user", "content": "hi"}],
    "state": {},
    "tools": [],
    "context": [],
    "forwardedProps": {},
}


async def measure(implementation: str = "langgraph-sse") -> bytes:
    """The response body of one 3-token run."""
    transport = httpx.ASGITransport(app=app(implementation))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/", json=BODY, headers={"accept": "text/event-stream"})
        response.raise_for_status()
        return response.content


def main() -> None:
    implementation = sys.argv[1] if len(sys.argv) > 1 else "langgraph-sse"
    body = asyncio.run(measure(implementation))
    kinds = [
        json.loads(line[6:])["type"]
        for line in body.decode().splitlines()
        if line.startswith("data: ")
    ]
    print(f"{implementation}: {len(body)} bytes, {len(kinds)} events: {' '.join(kinds)}")


if __name__ == "__main__":
    main()
