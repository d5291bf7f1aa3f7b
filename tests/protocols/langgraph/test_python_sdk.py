"""The official Python client, `langgraph_sdk`, against `protocol="langgraph"` on
real uvicorn: every call a chat app makes, and what it reads back."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langgraph.checkpoint.memory import InMemorySaver
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient
from langgraph_sdk.errors import ConflictError, NotFoundError
from langgraph_sdk.schema import StreamPart

from tests import agent_graph
from tests.agent_graph import REPLY, SLOW_TOKENS, SUBGRAPH_REPLY, TOOL_RESULT

MODES = ["messages-tuple", "values", "updates", "custom"]
pytestmark = pytest.mark.timeout(60)


def hi(text: str = "hi") -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": text}]}


@pytest.fixture
def client(langgraph_url: str) -> LangGraphClient:
    return get_client(url=langgraph_url, api_key=None)


async def collect(parts: Any) -> list[StreamPart]:
    return [part async for part in parts]


def tokens(parts: list[StreamPart], node: str | None = None) -> str:
    """The text of the streamed message chunks (of `node`'s model calls)."""
    return "".join(
        part.data[0]["content"]
        for part in parts
        if part.event.split("|")[0] == "messages"
        and part.data[0]["type"] == "AIMessageChunk"
        and (node is None or part.data[1].get("langgraph_node") == node)
    )


async def in_process(text: str, modes: list[str], subgraphs: bool = False) -> list[Any]:
    """What `graph.astream` gives for the same input (v2 parts)."""
    graph = agent_graph.build()
    graph.checkpointer = InMemorySaver()
    config = {"configurable": {"thread_id": "in-process"}}
    return [
        part
        async for part in graph.astream(
            hi(text), config, stream_mode=modes, subgraphs=subgraphs, version="v2"
        )
    ]


# -- assistants and threads --------------------------------------------------------


async def test_assistants_search_and_get_name_the_graph(client: LangGraphClient) -> None:
    [found] = await client.assistants.search()
    assert found["assistant_id"] == "agent" and found["graph_id"] == "agent"
    assert (await client.assistants.get("agent"))["name"] == "agent"
    schemas = await client.assistants.get_schemas("agent")
    assert "messages" in schemas["input_schema"]["properties"]
    drawn = await client.assistants.get_graph("agent")
    assert {"agent", "tools", "approval", "sub"} <= {node["id"] for node in drawn["nodes"]}
    with pytest.raises(NotFoundError):
        await client.assistants.get("someone-else")


async def test_threads_create_get_search_delete(client: LangGraphClient) -> None:
    made = await client.threads.create(metadata={"user": "ann"})
    assert made["status"] == "idle" and made["values"] is None and made["interrupts"] == {}
    assert made["metadata"] == {"user": "ann", "graph_id": "agent", "assistant_id": "agent"}
    named = await client.threads.create(thread_id="t-named", metadata={"n": 1})
    with pytest.raises(ConflictError):
        await client.threads.create(thread_id="t-named")
    same = await client.threads.create(thread_id="t-named", if_exists="do_nothing")
    assert same["metadata"]["n"] == 1

    await client.runs.wait(named["thread_id"], "agent", input=hi())
    got = await client.threads.get("t-named")
    assert got["status"] == "idle"
    assert [m["content"] for m in got["values"]["messages"]] == ["hi", REPLY, SUBGRAPH_REPLY]

    newest_first = await client.threads.search(metadata={"graph_id": "agent"})
    assert [t["thread_id"] for t in newest_first] == ["t-named", made["thread_id"]]
    assert [t["thread_id"] for t in await client.threads.search(metadata={"n": 1})] == ["t-named"]
    assert [t["thread_id"] for t in await client.threads.search(limit=1, offset=1)] == [
        made["thread_id"]
    ]
    assert await client.threads.search(status="interrupted") == []

    await client.threads.delete("t-named")
    with pytest.raises(NotFoundError):
        await client.threads.get("t-named")
    with pytest.raises(NotFoundError):
        await client.threads.get_state("t-named")


# -- streaming ---------------------------------------------------------------------


async def test_a_stream_gives_what_the_graph_streams(client: LangGraphClient) -> None:
    thread = await client.threads.create()
    parts = await collect(
        client.runs.stream(thread["thread_id"], "agent", input=hi(), stream_mode=MODES)
    )
    events = [part.event for part in parts]
    assert events[0] == "metadata" and events[-1] == "end"
    assert parts[0].data["run_id"]
    reference = await in_process("hi", ["messages", "values", "updates", "custom"])
    assert tokens(parts, "agent") == REPLY
    streamed = "".join(
        p["data"][0].content
        for p in reference
        if p["type"] == "messages" and p["data"][1]["langgraph_node"] == "agent"
    )
    assert tokens(parts, "agent") == streamed
    assert [p.data for p in parts if p.event == "custom"] == [
        p["data"] for p in reference if p["type"] == "custom"
    ]
    assert [list(p.data) for p in parts if p.event == "updates"] == [
        list(p["data"]) for p in reference if p["type"] == "updates"
    ]
    last_values = [p.data for p in parts if p.event == "values"][-1]
    assert [m["content"] for m in last_values["messages"]] == ["hi", REPLY, SUBGRAPH_REPLY]


async def test_content_blocks_and_a_single_mode(client: LangGraphClient) -> None:
    blocks = {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}
    parts = await collect(client.runs.stream(None, "agent", input=blocks, stream_mode="values"))
    assert {p.event for p in parts} == {"metadata", "values", "end"}
    assert parts[-2].data["messages"][1]["content"] == REPLY


async def test_tool_call_chunks_stream_as_the_model_sent_them(client: LangGraphClient) -> None:
    parts = await collect(
        client.runs.stream(None, "agent", input=hi("weather?"), stream_mode="messages-tuple")
    )
    chunks = [
        chunk
        for p in parts
        if p.event == "messages"
        for chunk in p.data[0].get("tool_call_chunks") or []
    ]
    assert chunks[0]["name"] == "get_weather" and chunks[0]["id"] == "call-1"
    assert "".join(c["args"] for c in chunks) == '{"city": "Paris"}'
    tool_messages = [
        p.data[0] for p in parts if p.event == "messages" and p.data[0]["type"] == "tool"
    ]
    assert [m["content"] for m in tool_messages] == [TOOL_RESULT]
    assert tokens(parts, "agent").startswith("The tool said: " + TOOL_RESULT)


async def test_subgraph_events_are_named_by_their_namespace(client: LangGraphClient) -> None:
    parts = await collect(
        client.runs.stream(
            None, "agent", input=hi(), stream_mode=["updates", "custom"], stream_subgraphs=True
        )
    )
    inner = [p for p in parts if "|" in p.event]
    assert {p.event.split("|")[0] for p in inner} == {"updates", "custom"}
    assert all(p.event.split("|")[1].startswith("sub:") for p in inner)
    assert {"progress": 1.0} in [p.data for p in inner if p.event.startswith("custom|")]
    reference = await in_process("hi", ["updates", "custom"], subgraphs=True)
    assert len(inner) == sum(1 for part in reference if part["ns"])


async def test_debug_and_legacy_messages_modes(client: LangGraphClient) -> None:
    parts = await collect(
        client.runs.stream(None, "agent", input=hi(), stream_mode=["debug", "messages"])
    )
    debug = [p.data for p in parts if p.event == "debug"]
    assert {d["type"] for d in debug} >= {"checkpoint", "task", "task_result"}
    partial = [p.data[0]["content"] for p in parts if p.event == "messages/partial"]
    assert partial[-1] == REPLY and partial[0] == "Hello"  # each partial is the text so far
    assert any(p.event == "messages/metadata" for p in parts)


async def test_an_error_in_the_graph_is_an_error_event_then_end(client: LangGraphClient) -> None:
    thread = await client.threads.create()
    parts = await collect(client.runs.stream(thread["thread_id"], "agent", input=hi("boom")))
    assert [p.event for p in parts][-2:] == ["error", "end"]
    assert parts[-2].data == {"error": "ValueError", "message": "boom requested"}
    assert (await client.threads.get(thread["thread_id"]))["status"] == "error"


# -- interrupts --------------------------------------------------------------------


async def test_an_interrupt_then_a_resume_command(client: LangGraphClient) -> None:
    thread = (await client.threads.create())["thread_id"]
    parts = await collect(
        client.runs.stream(thread, "agent", input=hi("please approve"), stream_mode="values")
    )
    [interrupt] = parts[-2].data["__interrupt__"]
    assert interrupt["value"] == {"question": "approve?"}
    stopped = await client.threads.get(thread)
    assert stopped["status"] == "interrupted"
    [(task_id, [pending])] = stopped["interrupts"].items()
    assert pending["id"] == interrupt["id"] and task_id
    state = await client.threads.get_state(thread)
    assert state["next"] == ["approval"] and state["interrupts"][0]["id"] == interrupt["id"]

    resumed = await collect(
        client.runs.stream(thread, "agent", command={"resume": "yes"}, stream_mode="values")
    )
    contents = [m["content"] for m in resumed[-2].data["messages"]]
    assert contents[-2:] == ["approval answer: yes", SUBGRAPH_REPLY]
    assert (await client.threads.get(thread))["status"] == "idle"


async def test_wait_answers_the_interrupt_with_the_values(client: LangGraphClient) -> None:
    thread = (await client.threads.create())["thread_id"]
    values = await client.runs.wait(thread, "agent", input=hi("approve"))
    assert values["__interrupt__"][0]["value"] == {"question": "approve?"}
    assert values["messages"][-1]["content"] == REPLY


# -- state and history -------------------------------------------------------------


async def test_state_history_checkpoints_and_updates(client: LangGraphClient) -> None:
    thread = (await client.threads.create())["thread_id"]
    await client.runs.wait(thread, "agent", input=hi())
    state = await client.threads.get_state(thread)
    assert state["next"] == [] and state["checkpoint"]["thread_id"] == thread
    history = await client.threads.get_history(thread, limit=100)
    assert history[0]["checkpoint"] == state["checkpoint"]  # newest first
    assert [len(h["values"].get("messages", [])) for h in history] == sorted(
        (len(h["values"].get("messages", [])) for h in history), reverse=True
    )
    earlier = history[2]
    at = await client.threads.get_state(
        thread, checkpoint_id=earlier["checkpoint"]["checkpoint_id"]
    )
    assert at["values"] == earlier["values"]
    before = await client.threads.get_history(thread, limit=2, before=earlier["checkpoint"])
    assert [h["checkpoint"] for h in before] == [h["checkpoint"] for h in history[3:5]]

    written = await client.threads.update_state(
        thread, {"messages": [{"role": "ai", "content": "edited", "id": "edit-1"}]}, as_node="sub"
    )
    assert written["checkpoint"]["thread_id"] == thread
    after = await client.threads.get_state(thread)
    assert after["checkpoint"] == written["checkpoint"]
    assert after["values"]["messages"][-1]["content"] == "edited"


# -- runs --------------------------------------------------------------------------


async def test_background_runs_get_list_join_and_wait(client: LangGraphClient) -> None:
    thread = (await client.threads.create())["thread_id"]
    run = await client.runs.create(thread, "agent", input=hi())
    assert run["status"] in ("pending", "running") and run["thread_id"] == thread
    joined = await client.runs.join(thread, run["run_id"])
    assert joined["messages"][-1]["content"] == SUBGRAPH_REPLY
    got = await client.runs.get(thread, run["run_id"])
    assert got["status"] == "success"
    listed = await client.runs.list(thread)
    assert [r["run_id"] for r in listed] == [run["run_id"]]
    stateless = await client.runs.wait(None, "agent", input=hi())
    assert stateless["messages"][1]["content"] == REPLY


async def test_reject_on_a_busy_thread_is_a_conflict(client: LangGraphClient) -> None:
    thread = (await client.threads.create())["thread_id"]
    run = await client.runs.create(thread, "agent", input=hi("slow"))
    assert (await client.threads.get(thread))["status"] == "busy"
    with pytest.raises(ConflictError):
        await client.runs.create(thread, "agent", input=hi(), multitask_strategy="reject")
    await client.runs.cancel(thread, run["run_id"], wait=True)
    assert (await client.runs.get(thread, run["run_id"]))["status"] == "interrupted"
    assert (await client.threads.get(thread))["status"] == "idle"


async def test_a_run_on_a_thread_never_created_is_404_unless_asked(client: LangGraphClient) -> None:
    with pytest.raises(httpx.HTTPStatusError) as refused:  # what runs.wait raises for it
        await client.runs.wait("never-made", "agent", input=hi())
    assert refused.value.response.status_code == 404
    made = await client.runs.wait("made-now", "agent", input=hi(), if_not_exists="create")
    assert made["messages"][1]["content"] == REPLY
    assert (await client.threads.get("made-now"))["metadata"]["graph_id"] == "agent"


async def test_stream_headers_point_to_the_run_without_the_prefix(langgraph_url: str) -> None:
    async with httpx.AsyncClient(base_url=langgraph_url) as http:
        thread = (await http.post("/threads", json={})).json()["thread_id"]
        body = {"assistant_id": "agent", "input": hi()}
        async with http.stream("POST", f"/threads/{thread}/runs/stream", json=body) as response:
            where = response.headers["content-location"]
            assert where.startswith(f"/threads/{thread}/runs/")
            assert response.headers["location"] == where + "/stream"
            text = (await response.aread()).decode()
    ids = [int(line[4:]) for line in text.splitlines() if line.startswith("id: ")]
    assert ids == list(range(len(ids)))  # one id per frame, strictly increasing


# -- resuming ----------------------------------------------------------------------


async def test_join_stream_after_a_drop_loses_and_repeats_nothing(
    client: LangGraphClient,
) -> None:
    thread = (await client.threads.create())["thread_id"]
    run = await client.runs.create(thread, "agent", input=hi("slow"), stream_mode=MODES)
    whole = await collect(client.runs.join_stream(thread, run["run_id"], last_event_id="-1"))
    assert whole[-1].event == "end"
    assert tokens(whole, "agent") == " ".join(SLOW_TOKENS)

    loop = asyncio.get_running_loop()

    # Hypothesis drives a plain function in a worker thread; each example runs on
    # this test's event loop, where the client lives.
    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(drop=st.integers(min_value=0, max_value=len(whole) - 2))
    def resumes(drop: int) -> None:
        async def check() -> None:
            seen = []
            async for part in client.runs.join_stream(thread, run["run_id"], last_event_id="-1"):
                seen.append(part)
                if len(seen) > drop:
                    break  # the connection drops
            rest = await collect(
                client.runs.join_stream(thread, run["run_id"], last_event_id=seen[-1].id)
            )
            assert [(p.event, p.data) for p in seen + rest] == [(p.event, p.data) for p in whole]

        asyncio.run_coroutine_threadsafe(check(), loop).result(timeout=30)

    await asyncio.to_thread(resumes)


async def test_join_stream_with_modes_keeps_only_those(client: LangGraphClient) -> None:
    run = await client.runs.create(None, "agent", input=hi(), stream_mode=MODES)
    thread = run["thread_id"]
    kept = await collect(
        client.runs.join_stream(thread, run["run_id"], stream_mode="custom", last_event_id="-1")
    )
    assert {p.event for p in kept} == {"metadata", "custom", "end"}


async def test_a_command_wins_over_an_input_sent_beside_it(langgraph_url: str) -> None:
    async with httpx.AsyncClient(base_url=langgraph_url) as http:
        thread = (await http.post("/threads", json={})).json()["thread_id"]
        ask = {"assistant_id": "agent", "input": hi("approve")}
        assert (await http.post(f"/threads/{thread}/runs/wait", json=ask)).status_code == 200
        # What Agent Chat UI sends when its widget answers an interrupt.
        resume = {"assistant_id": "agent", "input": {}, "command": {"resume": "ok"}}
        done = await http.post(f"/threads/{thread}/runs/wait", json=resume)
    assert done.status_code == 200
    assert "approval answer: ok" in [m["content"] for m in done.json()["messages"]]
