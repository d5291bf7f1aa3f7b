"""The native protocol's endpoints, through each adapter, over httpx's ASGI transport with httpx-sse."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph

from langgraph_sse import InvokeResponse, ThreadHistory, ThreadState
from tests import graphs
from tests.apps import ADAPTERS, mount
from tests.conftest import asgi_client, read_events, text, types

pytestmark = pytest.mark.parametrize("adapter", ADAPTERS)


async def test_post_stream_tokens(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph("Hello from the graph"))
    async with asgi_client(app) as client:
        events = await read_events(client, "POST", "/stream", json={"message": "hi"})
    assert types(events)[0] == "metadata" and types(events)[-1] == "done"
    assert events[-1]["status"] == "success"
    assert text(events) == "Hello from the graph"
    assert [e["seq"] for e in events] == list(range(len(events)))


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("messages", {"token"}),
        ("updates", {"updates"}),
        ("values", {"values"}),
        ("custom", {"custom"}),
        ("debug", {"node_start", "node_end", "checkpoint"}),
        (["messages", "custom", "updates"], {"token", "custom", "updates"}),
    ],
)
async def test_each_stream_mode(adapter: str, mode: Any, expected: set[str]) -> None:
    app = mount(adapter, graphs.progress_graph("all good"))
    async with asgi_client(app) as client:
        events = await read_events(
            client, "POST", "/stream", json={"message": "q", "stream_mode": mode}
        )
    assert set(types(events)) == {"metadata", "done", *expected}
    if "values" in expected:
        last = [e for e in events if e["type"] == "values"][-1]["data"]
        assert [m["type"] for m in last["messages"]] == ["human", "ai"]
        assert last["messages"][-1]["content"] == "all good"
    if "updates" in expected:
        update = next(e for e in events if e["type"] == "updates")
        assert update["node"] == "research"
        assert update["data"]["messages"][0]["content"] == "all good"


async def test_default_stream_mode_comes_from_the_factory(adapter: str) -> None:
    app = mount(adapter, graphs.progress_graph("x"), stream_mode=["custom"])
    async with asgi_client(app) as client:
        events = await read_events(client, "POST", "/stream", json={"message": "q"})
    assert types(events) == ["metadata", "custom", "custom", "done"]


async def test_get_stream_for_event_source(adapter: str) -> None:
    app = mount(adapter, graphs.progress_graph("via GET", "again"))
    async with asgi_client(app) as client:
        events = await read_events(
            client,
            "GET",
            "/stream",
            params={"thread_id": "g1", "message": "q", "stream_mode": "messages,custom"},
        )
        assert text(events) == "via GET"
        assert "custom" in types(events)
        assert events[0]["thread_id"] == "g1"
        repeated = await read_events(
            client,
            "GET",
            "/stream",
            params=[("message", "again"), ("stream_mode", "custom"), ("stream_mode", "updates")],
        )
        assert set(types(repeated)) == {"metadata", "custom", "updates", "done"}


async def test_get_stream_with_json_input(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph("json input ok"))
    async with asgi_client(app) as client:
        payload = json.dumps({"messages": [{"role": "user", "content": "hi"}]})
        events = await read_events(client, "GET", "/stream", params={"input": payload})
    assert text(events) == "json input ok"


async def test_thread_id_is_made_when_absent_and_state_follows(adapter: str) -> None:
    reply = "word " * 300  # longer than the seed's 200-character cut
    app = mount(adapter, graphs.chat_graph(reply.strip()))
    async with asgi_client(app) as client:
        events = await read_events(client, "POST", "/stream", json={"message": "hi"})
        thread_id = events[0]["thread_id"]
        assert thread_id
        response = await client.get(f"/threads/{thread_id}/state")
    assert response.status_code == 200
    state = ThreadState.model_validate(response.json())
    messages = state.values["messages"]
    assert [m["type"] for m in messages] == ["human", "ai"]
    assert messages[1]["content"] == reply.strip()  # whole, not cut
    assert state.next == [] and state.checkpoint_id and state.step == 1
    assert state.created_at and state.interrupts == []


async def test_history_lists_checkpoints_newest_first(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph("one", "two"))
    async with asgi_client(app) as client:
        await read_events(client, "POST", "/stream", json={"message": "a", "thread_id": "h1"})
        await read_events(client, "POST", "/stream", json={"message": "b", "thread_id": "h1"})
        full = ThreadHistory.model_validate(
            (await client.get("/threads/h1/history?limit=100")).json()
        )
        page = ThreadHistory.model_validate(
            (await client.get("/threads/h1/history?limit=2")).json()
        )
        before = full.checkpoints[1].checkpoint_id
        older = ThreadHistory.model_validate(
            (
                await client.get("/threads/h1/history", params={"before": before, "limit": 100})
            ).json()
        )
    steps = [c.step for c in full.checkpoints]
    assert steps == sorted(steps, reverse=True) and len(steps) == 6
    assert [c.checkpoint_id for c in page.checkpoints] == [
        c.checkpoint_id for c in full.checkpoints[:2]
    ]
    assert [c.checkpoint_id for c in older.checkpoints] == [
        c.checkpoint_id for c in full.checkpoints[2:]
    ]
    assert [m["content"] for m in full.checkpoints[0].values["messages"]] == [
        "a",
        "one",
        "b",
        "two",
    ]
    for newer, parent in zip(full.checkpoints, full.checkpoints[1:], strict=False):
        assert newer.parent_checkpoint_id == parent.checkpoint_id


async def test_interrupt_then_resume_over_http(adapter: str) -> None:
    app = mount(adapter, graphs.approval_graph())
    async with asgi_client(app) as client:
        first = await read_events(
            client, "POST", "/stream", json={"message": "email bob", "thread_id": "a1"}
        )
        assert types(first) == ["metadata", "interrupt", "done"]
        assert first[1]["value"] == {"question": "Send the email?"}
        assert first[-1]["status"] == "interrupted"

        state = (await client.get("/threads/a1/state")).json()
        assert state["next"] == ["ask"]
        assert state["interrupts"] == [
            {"id": first[1]["id"], "value": {"question": "Send the email?"}}
        ]

        second = await read_events(
            client, "POST", "/stream", json={"thread_id": "a1", "command": {"resume": "yes"}}
        )
        assert second[-1]["status"] == "success"
        message = next(e for e in second if e["type"] == "message")["message"]
        assert message["content"] == "human said: yes"

        again = await client.post("/stream", json={"thread_id": "a1", "command": {"resume": "yes"}})
        assert again.status_code == 409
        assert "no pending interrupt" in again.json()["detail"]


async def test_resume_with_get_for_event_source(adapter: str) -> None:
    app = mount(adapter, graphs.approval_graph())
    async with asgi_client(app) as client:
        await read_events(client, "GET", "/stream", params={"message": "go", "thread_id": "a2"})
        events = await read_events(
            client, "GET", "/stream", params={"thread_id": "a2", "command": '{"resume": "ok"}'}
        )
    assert (
        next(e for e in events if e["type"] == "message")["message"]["content"] == "human said: ok"
    )


async def test_error_in_a_node_ends_the_stream_cleanly(adapter: str) -> None:
    app = mount(adapter, graphs.failing_graph("database is down"))
    async with asgi_client(app) as client:
        events = await read_events(client, "POST", "/stream", json={"message": "hi"})
        assert types(events)[-2:] == ["error", "done"]
        assert events[-2]["error"] == "RuntimeError" and events[-2]["message"] == "database is down"
        assert "Traceback" not in json.dumps(events)
        assert events[-1]["status"] == "error"
        assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_unserializable_custom_value_ends_the_stream_with_an_error(adapter: str) -> None:
    class Opaque:
        pass

    def node(state: graphs.State) -> dict[str, Any]:
        write = get_stream_writer()
        write({"ok": 1})
        write({"bad": Opaque()})
        return {}

    builder = StateGraph(graphs.State)
    builder.add_node("node", node)
    builder.add_edge(START, "node")
    builder.add_edge("node", END)
    app = mount(adapter, builder.compile(), stream_mode="custom")
    async with asgi_client(app) as client:
        events = await read_events(client, "POST", "/stream", json={"message": "hi"})
    assert types(events) == ["metadata", "custom", "error", "done"]
    assert events[2]["error"] == "SerializationError" and "Opaque" in events[2]["message"]
    assert events[-1]["status"] == "error"


async def test_invoke_returns_final_values(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph("invoked"))
    async with asgi_client(app) as client:
        response = await client.post("/invoke", json={"message": "hi", "thread_id": "i1"})
    assert response.status_code == 200
    result = InvokeResponse.model_validate(response.json())
    assert result.status == "success" and result.thread_id == "i1" and result.error is None
    assert [m["content"] for m in result.values["messages"]] == ["hi", "invoked"]


async def test_invoke_reports_interrupts_and_resumes(adapter: str) -> None:
    app = mount(adapter, graphs.approval_graph())
    async with asgi_client(app) as client:
        first = InvokeResponse.model_validate(
            (await client.post("/invoke", json={"message": "go", "thread_id": "i2"})).json()
        )
        assert first.status == "interrupted"
        assert first.interrupts[0].value == {"question": "Send the email?"}
        second = (
            await client.post("/invoke", json={"thread_id": "i2", "command": {"resume": "no"}})
        ).json()
    assert second["status"] == "success"
    assert second["values"]["messages"][-1]["content"] == "human said: no"


async def test_invoke_graph_error_is_a_500_with_the_error(adapter: str) -> None:
    app = mount(adapter, graphs.failing_graph("boom"))
    async with asgi_client(app) as client:
        response = await client.post("/invoke", json={"message": "hi"})
    assert response.status_code == 500
    body = response.json()
    assert body["status"] == "error"
    assert body["error"] == {"error": "RuntimeError", "message": "boom"}


async def test_graph_without_checkpointer_streams_but_has_no_threads(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph("stateless", checkpointer=False))
    async with asgi_client(app) as client:
        events = await read_events(
            client, "POST", "/stream", json={"message": "hi", "thread_id": "n1"}
        )
        assert text(events) == "stateless"
        for url in ("/threads/n1/state", "/threads/n1/history"):
            response = await client.get(url)
            assert response.status_code == 409
            assert "checkpointer" in response.json()["detail"]
        resume = await client.post("/stream", json={"thread_id": "n1", "command": {"resume": 1}})
        assert resume.status_code == 409


async def test_unknown_thread_is_404(adapter: str) -> None:
    app = mount(adapter, graphs.approval_graph())
    async with asgi_client(app) as client:
        for response in (
            await client.get("/threads/nope/state"),
            await client.get("/threads/nope/history"),
            await client.post("/stream", json={"thread_id": "nope", "command": {"resume": 1}}),
        ):
            assert response.status_code == 404
            assert response.json() == {"detail": "Thread 'nope' not found"}


BAD_BODIES = [
    (b"{not json", "body"),
    (b'{"message": "hi", "stream_mode": "tokens"}', "stream_mode"),
    (b'{"message": "hi", "stream_mode": ["messages", "nope"]}', "stream_mode"),
    (b'{"message": "hi", "stream_mode": []}', "stream_mode"),
    (b'{"message": "hi", "input": {"messages": []}}', "exactly one"),
    (b"{}", "exactly one"),
    (b'{"message": 42}', "message"),
    (b'{"message": "hi", "subgraphs": "yes"}', "subgraphs"),
    (b'{"message": "hi", "thread_id": 7}', "thread_id"),
    (b'{"message": "hi", "thread_id": ""}', "thread_id"),
    (b'{"message": "hi", "mesage": "typo"}', "mesage"),
    (b'{"command": {"resume": 1}}', "thread_id"),
    (b'{"thread_id": "t", "command": {"resume": 1, "goto": "x"}}', "goto"),
    (b"[1, 2]", "body"),
]


@pytest.mark.parametrize(("body", "named"), BAD_BODIES)
async def test_bad_stream_bodies_get_a_422_naming_the_problem(
    adapter: str, body: bytes, named: str
) -> None:
    app = mount(adapter, graphs.chat_graph("never"))
    async with asgi_client(app) as client:
        for url in ("/stream", "/invoke"):
            response = await client.post(
                url, content=body, headers={"content-type": "application/json"}
            )
            assert response.status_code == 422, (url, response.text)
            assert response.headers["content-type"] == "application/json"
            assert named in json.dumps(response.json()), response.text


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"message": "hi", "stream_mode": "nope"}, "stream_mode"),
        ({"message": "hi", "subgraphs": "maybe"}, "subgraphs"),
        ({"input": "{broken"}, "input"),
        ({"thread_id": "t", "command": "[not json"}, "command"),
        ({}, "exactly one"),
    ],
)
async def test_bad_stream_query_gets_a_422_naming_the_parameter(
    adapter: str, params: dict[str, str], named: str
) -> None:
    app = mount(adapter, graphs.chat_graph("never"))
    async with asgi_client(app) as client:
        response = await client.get("/stream", params=params)
    assert response.status_code == 422
    assert named in json.dumps(response.json())


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "limit=100000"])
async def test_bad_history_query_is_422(adapter: str, query: str) -> None:
    app = mount(adapter, graphs.chat_graph("x"))
    async with asgi_client(app) as client:
        response = await client.get(f"/threads/t/history?{query}")
    assert response.status_code == 422
    assert "limit" in json.dumps(response.json())


async def test_too_long_thread_id_is_422(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph("x"))
    async with asgi_client(app) as client:
        response = await client.get("/threads/" + "x" * 300 + "/state")
    assert response.status_code == 422
    assert "thread_id" in json.dumps(response.json())


async def test_healthz(adapter: str) -> None:
    async with asgi_client(mount(adapter, graphs.chat_graph())) as client:
        response = await client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_event_source_reconnect_does_not_run_the_graph_again(adapter: str) -> None:
    graph = graphs.chat_graph("only once", "twice?")
    app = mount(adapter, graph)
    async with asgi_client(app) as client:
        params = {"message": "hi", "thread_id": "r1"}
        events = await read_events(client, "GET", "/stream", params=params)
        # The browser reconnects by itself when the stream ends, with Last-Event-ID.
        again = await client.get(
            "/stream", params=params, headers={"Last-Event-ID": str(events[-1]["seq"])}
        )
        assert again.status_code == 204 and again.content == b""
        state = (await client.get("/threads/r1/state")).json()
    assert [m["content"] for m in state["values"]["messages"]] == ["hi", "only once"]


async def test_head_request_runs_nothing(adapter: str) -> None:
    probe = graphs.LoopProbe()
    app = mount(adapter, graphs.endless_graph(probe))
    async with asgi_client(app) as client:
        response = await client.head("/stream", params={"message": "hi"})
        assert response.status_code in (200, 405)
        assert response.content == b""
    await asyncio.sleep(0.05)
    assert not probe.started.is_set()


async def test_invoke_input_the_graph_refuses_is_a_422(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph("x", "y"))
    async with asgi_client(app) as client:
        for bad in (None, 0, {"messages": 5}):
            response = await client.post("/invoke", json={"input": bad})
            assert response.status_code == 422, bad
            (error,) = response.json()["detail"]
            assert error["loc"] == ["body", "input"] and "refused the input" in error["msg"]


async def test_thread_ids_with_any_text_but_control_characters(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph("x", "y"))
    async with asgi_client(app) as client:
        response = await client.post("/stream", json={"message": "hi", "thread_id": "thé 日本 a/b"})
        assert response.status_code == 200
        assert response.headers["x-thread-id"] == "th%C3%A9%20%E6%97%A5%E6%9C%AC%20a%2Fb"
        assert '"thread_id":"thé 日本 a/b"' in response.text
        for bad in ("a\nb", "a\rb", "nul\x00"):
            response = await client.post("/stream", json={"message": "hi", "thread_id": bad})
            assert response.status_code == 422 and "thread_id" in json.dumps(response.json())


async def test_get_stream_input_keeps_big_integers_exact_and_refuses_them(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph("x"))
    async with asgi_client(app) as client:
        response = await client.get(
            "/stream", params={"input": '{"messages": [], "n": 18446744073709551616}'}
        )
    assert response.status_code == 422 and "64 bits" in response.text
