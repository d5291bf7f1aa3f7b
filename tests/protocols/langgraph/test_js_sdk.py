"""The official JavaScript client, `@langchain/langgraph-sdk` 2.x under Node,
against `protocol="langgraph"` on real uvicorn.

Each test runs one script of `js/` with Node (see `tests/npm.py`: the SDK is
installed once into a cache outside the repo; without node or npm the tests skip
with the reason) and asserts on the one JSON result it prints: what the client
yielded and returned. The server is the `langgraph_url` fixture, serving
tests.agent_graph as assistant `agent`; `LANGGRAPH_SSE_REFERENCE_URL` points the
scripts at another server instead (e.g. `langgraph dev`, to compare).
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.npm import arun_node

JS = Path(__file__).resolve().parent / "js"
ASSISTANT = "agent"

pytestmark = pytest.mark.timeout(300)

Event = dict[str, Any]
Result = dict[str, Any]


@pytest.fixture
def base_url(langgraph_url: str) -> str:
    """The server under test: ours, unless `LANGGRAPH_SSE_REFERENCE_URL` names another."""
    return os.environ.get("LANGGRAPH_SSE_REFERENCE_URL") or langgraph_url


async def run_flow(base_url: str, name: str, timeout: float = 240.0) -> Result:
    """Run ``js/<name>.mjs`` against `base_url`; its JSON result, checked to have
    completed without the client throwing."""
    done = await arun_node(JS / f"{name}.mjs", base_url, ASSISTANT, timeout=timeout)
    assert done.returncode == 0, f"{name}.mjs exited {done.returncode}: {done.stderr[-2000:]}"
    try:
        result: Result = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"{name}.mjs printed no JSON: {done.stdout[-500:]!r} {done.stderr[-2000:]}")
    assert result["ok"], f"the client threw: {result['error']}"
    return result


def real(events: list[Event]) -> list[Event]:
    """The events without the client's phantom ones: SDK 2.0.0 yields
    ``{event: "", data: null}`` (with the last id) for every SSE comment such as
    the server's heartbeat once an id has been seen. They carry nothing."""
    for e in events:
        if not e["event"]:
            assert e["data"] is None, e
    return [e for e in events if e["event"]]


def names(events: list[Event]) -> list[str]:
    return [e["event"] for e in real(events)]


def streamed_text(events: list[Event]) -> dict[str, str]:
    """Per message id, the concatenated content of the messages-tuple events, in order."""
    text: dict[str, str] = {}
    for e in real(events):
        if e["event"] != "messages":
            continue
        chunk, metadata = e["data"]
        assert isinstance(metadata, dict), e
        assert chunk["id"], f"a message without id (useStream drops it): {chunk}"
        content = chunk["content"]
        assert isinstance(content, str), chunk
        text[chunk["id"]] = text.get(chunk["id"], "") + content
    return text


def chunks_of(events: list[Event], message_id: str) -> list[str]:
    return [
        e["data"][0]["content"]
        for e in real(events)
        if e["event"] == "messages" and e["data"][0]["id"] == message_id
    ]


def final_values(events: list[Event]) -> dict[str, Any]:
    values = [e["data"] for e in real(events) if e["event"] == "values"]
    assert values, f"no values event in {names(events)}"
    last: dict[str, Any] = values[-1]
    return last


def by_id(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in messages}


def assert_clean(stream: Result) -> None:
    """The client iterated to the end, without throwing and without an error event."""
    assert stream["error"] is None, stream["error"]
    errors = [e for e in stream["events"] if e["event"] == "error"]
    assert not errors, errors


def assert_tokens_match(events: list[Event]) -> str:
    """Every streamed message's chunks concatenate to its content in the final
    values; returns the first AI reply, which must have come in several tokens."""
    messages = by_id(final_values(events)["messages"])
    streamed = streamed_text(events)
    assert streamed, "no messages-tuple events"
    for message_id, text in streamed.items():
        assert message_id in messages, f"streamed message {message_id} not in the final values"
        assert messages[message_id]["content"] == text
    first = next(iter(streamed))
    assert len(chunks_of(events, first)) > 1, "the reply was not streamed token by token"
    return streamed[first]


async def test_stream_tokens_and_values(base_url: str) -> None:
    result = await run_flow(base_url, "stream")
    stream = {"events": result["events"], "error": result["error"]}
    assert_clean(stream)
    events = real(result["events"])
    assert set(names(events)) <= {"metadata", "values", "messages", "end"}, names(events)
    assert events[0]["event"] == "metadata"
    run_id = events[0]["data"]["run_id"]
    # Content-Location gave the client the run (onRunCreated)
    assert result["run_created"] == {"run_id": run_id, "thread_id": result["thread"]["thread_id"]}
    # Beyond langgraph-api: the run says it is over.
    assert [e["event"] for e in events[-2:]] == ["values", "end"]
    messages = final_values(events)["messages"]
    assert messages[0]["type"] == "human"
    assert messages[0]["content"] == "hi"
    reply = assert_tokens_match(events)
    assert reply == "Hello there friend"
    assert any(m["type"] == "ai" and m["content"] == reply for m in messages)
    # messages-tuple metadata says where the token came from
    first_tuple = next(e for e in events if e["event"] == "messages")
    assert first_tuple["data"][0]["type"] == "AIMessageChunk"
    assert first_tuple["data"][1]["langgraph_node"] == "agent"


async def test_interrupt_then_resume(base_url: str) -> None:
    result = await run_flow(base_url, "interrupt")
    first = result["first"]
    assert_clean(first)
    assert names(first["events"])[0] == "metadata"
    last = final_values(first["events"])
    interrupts = last.get("__interrupt__")
    assert isinstance(interrupts, list)
    assert len(interrupts) == 1, last
    assert interrupts[0]["value"] == {"question": "approve?"}
    assert interrupts[0]["id"]
    assert any(
        e["event"] == "updates" and "__interrupt__" in e["data"] for e in real(first["events"])
    )

    paused = result["state_after_interrupt"]
    assert paused["next"], paused
    task_interrupts = [i for t in paused["tasks"] for i in t["interrupts"]]
    assert [i["value"] for i in task_interrupts] == [{"question": "approve?"}]
    assert result["thread_after_interrupt"]["status"] == "interrupted"

    resume = result["resume"]
    assert_clean(resume)
    assert names(resume["events"])[0] == "metadata"
    done = final_values(resume["events"])
    assert "__interrupt__" not in done
    assert any(m["type"] == "ai" and "yes" in m["content"] for m in done["messages"])
    assert result["final_state"]["next"] == []
    assert result["final_state"]["values"]["messages"] == done["messages"]
    assert result["final_thread"]["status"] == "idle"


async def test_join_stream_replay_and_reconnect(base_url: str) -> None:
    result = await run_flow(base_url, "join")
    thread_id = result["thread"]["thread_id"]
    run_id = result["run"]["run_id"]
    assert result["run_created"] == {"run_id": run_id, "thread_id": thread_id}
    assert result["run_after"]["status"] == "success"

    live = result["live"]
    assert_clean(live)
    live_events = real(live["events"])
    assert live_events[0]["event"] == "metadata"
    assert live_events[0]["data"]["run_id"] == run_id
    assert assert_tokens_match(live_events).startswith("tok0 tok1")
    ids = [e["id"] for e in live_events]
    assert None not in ids, "a resumable stream's events need ids"
    assert len(set(ids)) == len(ids)

    # Last-Event-ID "-1" (useStream's default) replays the whole stream...
    assert_clean(result["replay_all"])
    assert real(result["replay_all"]["events"]) == live_events
    # ...and a real id replays what came after it.
    pivot = result["replay_after_id"]
    assert pivot == ids[2]
    assert_clean(result["replay_after"])
    assert real(result["replay_after"]["events"]) == live_events[3:]

    # A dropped resumable stream: one GET on the Location with Last-Event-ID,
    # and the client's events are whole: no gap, no duplicate.
    reconnect = result["reconnect"]
    assert_clean(reconnect)
    assert reconnect["run_created"]["thread_id"] == reconnect["thread_id"]
    (cut,) = reconnect["cuts"]
    (again,) = reconnect["reconnect_requests"]
    assert again["method"] == "GET"
    assert again["path"] == (
        f"/threads/{reconnect['thread_id']}/runs/{reconnect['run_created']['run_id']}/stream"
    )
    events = real(reconnect["events"])
    event_ids = [e["id"] for e in events]
    assert len(set(event_ids)) == len(event_ids), "events repeated after the reconnect"
    assert again["headers"]["last-event-id"] == event_ids[cut["whole_frames"] - 1]
    assert names(events).count("metadata") == 1
    assert assert_tokens_match(events).startswith("tok0 tok1")

    # Beyond langgraph-api: every run's frames have ids, so even a stream not
    # asked to be resumable reconnects with Last-Event-ID and loses nothing.
    lossless = result["reconnect_not_resumable"]
    assert_clean(lossless)
    (again,) = lossless["reconnect_requests"]
    events = real(lossless["events"])
    assert again["headers"]["last-event-id"] in [e["id"] for e in events]
    assert len({e["id"] for e in events}) == len(events)
    assert assert_tokens_match(events).startswith("tok0 tok1")


async def test_thread_search_state_history(base_url: str) -> None:
    result = await run_flow(base_url, "state")
    thread_id = result["thread"]["thread_id"]
    final = result["wait"]["messages"]
    assert [m["type"] for m in final][:2] == ["human", "ai"]

    (found,) = result["search_by_tag"]
    assert found["thread_id"] == thread_id
    assert found["status"] == "idle"
    assert found["values"]["messages"] == final
    assert 1 <= len(result["search_limit_2"]) <= 2
    assert result["thread_after"]["status"] == "idle"

    state = result["state"]
    assert state["values"]["messages"] == final
    assert state["next"] == []
    assert state["checkpoint"]["thread_id"] == thread_id
    assert state["checkpoint"]["checkpoint_id"]

    history = result["history"]
    assert 2 <= len(history) <= 5
    assert history[0]["checkpoint"]["checkpoint_id"] == state["checkpoint"]["checkpoint_id"]
    assert history[0]["values"] == state["values"]
    # newest first: each entry's parent is the next one
    for newer, older in itertools.pairwise(history):
        assert newer["parent_checkpoint"]["checkpoint_id"] == older["checkpoint"]["checkpoint_id"]

    older = result["older_state"]
    assert older["checkpoint"]["checkpoint_id"] == result["older_checkpoint_id"]
    assert older["values"] == history[1]["values"]
    assert older["next"] == history[1]["next"]

    (run,) = result["runs"]
    assert run["thread_id"] == thread_id
    assert run["status"] == "success"


async def test_errors_reach_the_client(base_url: str) -> None:
    result = await run_flow(base_url, "errors")
    boom = result["boom"]
    assert boom["error"] is None, "a failing run must end the stream, not break the client"
    events = real(boom["events"])
    assert events[0]["event"] == "metadata"
    assert events[-2] == {
        "id": events[-2]["id"],
        "event": "error",
        "data": {"error": "ValueError", "message": "boom requested"},
    }
    assert events[-1] == {"id": events[-1]["id"], "event": "end", "data": None}
    assert result["thread_after_boom"]["status"] == "error"

    assert result["wait_boom"]["error"]["message"] == "ValueError: boom requested"
    assert result["missing_thread"]["error"]["status"] == 404
    assert result["reject_busy"]["error"]["status"] == 409
    assert result["cancel"]["error"] is None
    assert result["joined"]["error"] is None
    assert result["cancelled_run"]["value"]["status"] == "interrupted"
