"""AG-UI streams of the `agent` graph over real HTTP (uvicorn on 127.0.0.1),
each event validated by `ag-ui-protocol`'s models and the verifier's rules."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.agent_graph import REPLY, SUBGRAPH_REPLY, TOOL_RESULT
from tests.protocols.agui.conftest import check_stream, of, post_run, run_input, texts

pytestmark = pytest.mark.timeout(60)


def thread() -> str:
    return f"thread-{uuid.uuid4()}"


async def test_chat_reply(agui_url: str) -> None:
    body = run_input(thread(), "hi")
    async with httpx.AsyncClient(base_url=agui_url) as client:
        events = await post_run(client, "/", body)
    check_stream(events)
    assert events[0] == {
        "type": "RUN_STARTED",
        "threadId": body["threadId"],
        "runId": body["runId"],
    }
    assert texts(events) == [REPLY, SUBGRAPH_REPLY]
    assert [e["role"] for e in of(events, "TEXT_MESSAGE_START")] == ["assistant", "assistant"]
    steps = [(e["type"], e["stepName"]) for e in events if e["type"].startswith("STEP_")]
    assert steps == [
        ("STEP_STARTED", "agent"),
        ("STEP_FINISHED", "agent"),
        ("STEP_STARTED", "sub"),
        ("STEP_FINISHED", "sub"),
    ]
    # get_stream_writer() output, the subgraph's too, in CUSTOM events.
    assert [(e["name"], e["value"]) for e in of(events, "CUSTOM")] == [
        ("custom", {"progress": 0.5}),
        ("custom", {"progress": 1.0}),
    ]
    assert [e["type"] for e in events[-2:]] == ["MESSAGES_SNAPSHOT", "RUN_FINISHED"]
    snapshot = events[-2]["messages"]
    assert [(m["role"], m.get("content")) for m in snapshot] == [
        ("user", "hi"),
        ("assistant", REPLY),
        ("assistant", SUBGRAPH_REPLY),
    ]
    assert snapshot[0]["id"] == body["messages"][0]["id"]  # the client's own id
    assert events[-1] == {
        "type": "RUN_FINISHED",
        "threadId": body["threadId"],
        "runId": body["runId"],
        "outcome": {"type": "success"},
    }


async def test_tool_call_and_result(agui_url: str) -> None:
    async with httpx.AsyncClient(base_url=agui_url) as client:
        events = await post_run(client, "/", run_input(thread(), "weather?"))
    check_stream(events)
    (start,) = of(events, "TOOL_CALL_START")
    assert start["toolCallId"] == "call-1" and start["toolCallName"] == "get_weather"
    args = "".join(e["delta"] for e in of(events, "TOOL_CALL_ARGS"))
    assert args == '{"city": "Paris"}'
    (result,) = of(events, "TOOL_CALL_RESULT")
    assert result["toolCallId"] == "call-1" and result["content"] == TOOL_RESULT
    assert texts(events) == [f"The tool said: {TOOL_RESULT}", SUBGRAPH_REPLY]
    snapshot = events[-2]["messages"]
    call = snapshot[1]
    assert call["id"] == start["parentMessageId"]
    assert call["toolCalls"] == [
        {
            "id": "call-1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
        }
    ]
    assert snapshot[2] == {
        "id": result["messageId"],
        "role": "tool",
        "content": TOOL_RESULT,
        "toolCallId": "call-1",
    }


async def test_interrupt_then_resume(agui_url: str) -> None:
    thread_id = thread()
    async with httpx.AsyncClient(base_url=agui_url) as client:
        first = await post_run(client, "/", run_input(thread_id, "approve"))
        check_stream(first)
        custom = of(first, "CUSTOM")[-1]
        assert custom == {
            "type": "CUSTOM",
            "name": "on_interrupt",
            "value": {"question": "approve?"},
        }
        outcome = first[-1]["outcome"]
        assert outcome["type"] == "interrupt"
        (interrupt,) = outcome["interrupts"]
        assert interrupt["reason"] == "langgraph:interrupt"
        assert interrupt["metadata"] == {"value": {"question": "approve?"}}
        resume = [{"interruptId": interrupt["id"], "status": "resolved", "payload": "yes"}]
        second = await post_run(client, "/", run_input(thread_id, "approve", resume=resume))
    check_stream(second)
    assert texts(second) == ["approval answer: yes", SUBGRAPH_REPLY]
    assert second[-1]["outcome"] == {"type": "success"}
    contents = [m.get("content") for m in second[-2]["messages"]]
    assert contents == ["approve", REPLY, "approval answer: yes", SUBGRAPH_REPLY]


async def test_resume_by_forwarded_command(agui_url: str) -> None:
    thread_id = thread()
    async with httpx.AsyncClient(base_url=agui_url) as client:
        await post_run(client, "/", run_input(thread_id, "approve"))
        props = {"command": {"resume": "later"}}
        events = await post_run(client, "/", run_input(thread_id, forwardedProps=props))
    check_stream(events)
    assert texts(events)[0] == "approval answer: later"


async def test_error_is_last(agui_url: str) -> None:
    async with httpx.AsyncClient(base_url=agui_url) as client:
        events = await post_run(client, "/", run_input(thread(), "boom"))
    check_stream(events)
    assert events[-1] == {"type": "RUN_ERROR", "message": "boom requested", "code": "ValueError"}
    assert not of(events, "RUN_FINISHED")


async def test_next_turn_sends_only_new_messages(agui_url: str) -> None:
    thread_id = thread()
    async with httpx.AsyncClient(base_url=agui_url) as client:
        first = await post_run(client, "/", run_input(thread_id, "hi"))
        history = first[-2]["messages"]
        body = run_input(thread_id)
        body["messages"] = [*history, {"id": "u-2", "role": "user", "content": "weather?"}]
        second = await post_run(client, "/", body)
    check_stream(second)
    roles = [m["role"] for m in second[-2]["messages"]]
    # The first turn once, then the second: nothing sent twice.
    assert roles == [
        "user",
        "assistant",
        "assistant",
        "user",
        "assistant",
        "tool",
        "assistant",
        "assistant",
    ]
