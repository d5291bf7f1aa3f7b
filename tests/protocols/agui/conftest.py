"""Servers speaking AG-UI (`protocol="ag-ui"`) for these tests, and a reader of
their streams that checks every event against `ag-ui-protocol`'s own models and
the client's verifier rules."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest
from ag_ui.core import Event
from httpx_sse import aconnect_sse
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import TypeAdapter

from langgraph_sse import api_key_auth, make_asgi_app
from tests import agent_graph
from tests.conftest import Serve

KEYS = {"key-alice": "alice", "key-bob": "bob"}

EVENTS: TypeAdapter[Any] = TypeAdapter(Event)
"""AG-UI's discriminated union of events."""

_PAIRS = {
    "TEXT_MESSAGE_START": ("text", "messageId", True),
    "TEXT_MESSAGE_CONTENT": ("text", "messageId", None),
    "TEXT_MESSAGE_END": ("text", "messageId", False),
    "TOOL_CALL_START": ("tool", "toolCallId", True),
    "TOOL_CALL_ARGS": ("tool", "toolCallId", None),
    "TOOL_CALL_END": ("tool", "toolCallId", False),
    "REASONING_START": ("reasoning", "messageId", True),
    "REASONING_END": ("reasoning", "messageId", False),
    "REASONING_MESSAGE_START": ("reasoning-message", "messageId", True),
    "REASONING_MESSAGE_CONTENT": ("reasoning-message", "messageId", None),
    "REASONING_MESSAGE_END": ("reasoning-message", "messageId", False),
    "STEP_STARTED": ("step", "stepName", True),
    "STEP_FINISHED": ("step", "stepName", False),
}


_OPAQUE = ("value", "snapshot")  # user data, where a null is data


def _has_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_has_null(v) for k, v in value.items() if k not in _OPAQUE)
    if isinstance(value, list):
        return any(_has_null(v) for v in value)
    return False


def agent(**options: Any) -> Any:
    """The `agent` graph with its own in-memory checkpointer, mounted as AG-UI."""
    graph = agent_graph.build()
    graph.checkpointer = InMemorySaver()
    return make_asgi_app(graph, protocol="ag-ui", **options)


@pytest.fixture
async def agui_url(serve: Serve) -> str:
    """The base URL of an open AG-UI server (no auth) on real uvicorn."""
    return await serve(agent())


@pytest.fixture
async def private_url(serve: Serve) -> str:
    """An AG-UI server where `key-alice` and `key-bob` are two principals."""
    return await serve(agent(auth=api_key_auth(KEYS)))


def run_input(
    thread_id: str, *texts: str, resume: list[dict[str, Any]] | None = None, **more: Any
) -> dict[str, Any]:
    """A `RunAgentInput` as `HttpAgent` sends it: user messages `texts`."""
    body: dict[str, Any] = {
        "threadId": thread_id,
        "runId": f"run-{uuid.uuid4()}",
        "state": {},
        "messages": [
            {"id": f"user-{i}-{uuid.uuid4()}", "role": "user", "content": text}
            for i, text in enumerate(texts)
        ],
        "tools": [],
        "context": [],
        "forwardedProps": {},
        **more,
    }
    if resume is not None:
        body["resume"] = resume
    return body


def check_stream(events: list[dict[str, Any]]) -> None:
    """What `@ag-ui/client`'s verifier demands, and more: every event validates
    as AG-UI's models, with no `null` and no `rawEvent`; `RUN_STARTED` first;
    `RUN_FINISHED` or `RUN_ERROR` last and only there; every START has its END,
    and nothing is continued or ended that is not open."""
    assert events, "no events"
    assert events[0]["type"] == "RUN_STARTED", events[0]
    assert events[-1]["type"] in ("RUN_FINISHED", "RUN_ERROR"), events[-1]
    open_: set[tuple[str, str]] = set()
    for index, event in enumerate(events):
        EVENTS.validate_python(event)
        assert "rawEvent" not in event and event["type"] != "RAW", event
        assert not _has_null({k: v for k, v in event.items() if k not in _OPAQUE}), event
        if index and event["type"] in ("RUN_STARTED", "RUN_FINISHED", "RUN_ERROR"):
            assert index == len(events) - 1, f"{event['type']} at {index}"
        pair = _PAIRS.get(event["type"])
        if pair is None:
            continue
        kind, field, opens = pair
        key = (kind, event[field])
        if opens is True:
            assert key not in open_, f"{key} opened twice"
            open_.add(key)
        else:
            assert key in open_, f"{event['type']} of {key}, which is not open"
            if opens is False:
                open_.remove(key)
    assert not open_, f"never ended: {open_}"


async def post_run(
    client: httpx.AsyncClient, url: str, body: dict[str, Any], **kwargs: Any
) -> list[dict[str, Any]]:
    """POST a run; its events, parsed by httpx-sse, each frame only `data:`."""
    async with aconnect_sse(client, "POST", url, json=body, **kwargs) as source:
        response = source.response
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        events = []
        async for sse in source.aiter_sse():
            assert sse.event == "message" and not sse.id, sse  # data only
            events.append(json.loads(sse.data))
    return events


def of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind]


def texts(events: list[dict[str, Any]]) -> list[str]:
    """The text of each streamed text message, in order."""
    by_id: dict[str, str] = {}
    for event in events:
        if event["type"] == "TEXT_MESSAGE_START":
            by_id[event["messageId"]] = ""
        elif event["type"] == "TEXT_MESSAGE_CONTENT":
            by_id[event["messageId"]] += event["delta"]
    return list(by_id.values())
