"""One run, four protocols: the same graph and the same three tokens, mounted as
each built-in protocol; docs/events.md shows these very bytes side by side."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import START, MessagesState, StateGraph

from langgraph_sse import make_asgi_app
from tests.conftest import asgi_client

DOC = Path(__file__).parents[2] / "docs" / "events.md"

REQUESTS: dict[str, tuple[str, dict[str, Any]]] = {
    "native": ("/stream", {"message": "Hi", "thread_id": "t1"}),
    "langgraph": (
        "/threads/t1/runs/stream",
        {
            "assistant_id": "agent",
            "input": {"messages": [{"role": "user", "content": "Hi"}]},
            "stream_mode": ["messages-tuple"],
            "if_not_exists": "create",
        },
    ),
    "ag-ui": (
        "/",
        {
            "threadId": "t1",
            "runId": "r1",
            "messages": [{"id": "u1", "role": "user", "content": "Hi"}],
            "state": {},
            "tools": [],
            "context": [],
            "forwardedProps": {},
        },
    ),
    "ai-sdk": (
        "/",
        {
            "id": "t1",
            "messages": [{"id": "u1", "role": "user", "parts": [{"type": "text", "text": "Hi"}]}],
            "trigger": "submit-message",
        },
    ),
}


def three_tokens() -> Any:
    """An agent whose model answers "Hi there!" in three chunks."""
    model = GenericFakeChatModel(messages=iter([AIMessage(content="Hi there!", id="msg-1")]))

    async def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(MessagesState)
    builder.add_node("agent", agent)
    builder.add_edge(START, "agent")
    return builder.compile(checkpointer=InMemorySaver(), name="agent")


_VARYING = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\"langchain-core\":\"[^\"]+\""
)


def _steady(text: str) -> str:
    """`text` without what differs between runs and machines (ids, versions)."""
    return _VARYING.sub("…", text)


@pytest.mark.parametrize("protocol", list(REQUESTS))
async def test_the_docs_show_each_protocols_real_bytes(protocol: str) -> None:
    path, body = REQUESTS[protocol]
    async with asgi_client(make_asgi_app(three_tokens(), protocol=protocol)) as client:
        response = await client.post(path, json=body)
    assert response.status_code == 200, response.text
    frames = [frame for frame in response.text.split("\n\n") if frame]
    doc = _steady(DOC.read_text())
    section = doc[doc.index(f'=== "{protocol}') :]
    for frame in frames:
        for line in frame.splitlines():
            assert "    " + _steady(line) in section, f"{protocol}: {line!r} not in the docs"
