"""The UI message stream on real uvicorn: parts in order for a reply, a tool
call, custom data, an interrupt and its approval, an error; the three adapters
agree."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.agent_graph import REPLY, SUBGRAPH_REPLY, TOOL_RESULT
from tests.conftest import Serve
from tests.protocols.aisdk.conftest import (
    ADAPTERS,
    API,
    Part,
    app,
    chat_body,
    post_chat,
    text_of,
)


def kinds(parts: list[Part]) -> list[str]:
    return [p["type"] for p in parts]


async def test_a_reply_streams_text_in_steps_then_finish(ai_url: str) -> None:
    async with httpx.AsyncClient(base_url=ai_url) as client:
        parts = await post_chat(client, "/", chat_body("reply", "hi"))
    assert kinds(parts)[:4] == ["start", "start-step", "data-custom", "text-start"]
    assert parts[2]["data"] == {"progress": 0.5}
    assert text_of(parts) == REPLY + SUBGRAPH_REPLY
    ids = [p["id"] for p in parts if p["type"] == "text-start"]
    assert len(ids) == len(set(ids)) == 2  # one id per message
    assert kinds(parts)[-2:] == ["finish-step", "finish"]
    assert parts[-1]["finishReason"] == "stop"
    assert parts[0]["messageId"]


async def test_a_tool_call_streams_its_input_then_its_output(ai_url: str) -> None:
    async with httpx.AsyncClient(base_url=ai_url) as client:
        parts = await post_chat(client, "/", chat_body("tool", "weather in Paris?"))
    start = next(p for p in parts if p["type"] == "tool-input-start")
    assert start == {
        "type": "tool-input-start",
        "toolCallId": "call-1",
        "toolName": "get_weather",
        "dynamic": True,
    }
    deltas = "".join(p["inputTextDelta"] for p in parts if p["type"] == "tool-input-delta")
    assert deltas == '{"city": "Paris"}'
    available = next(p for p in parts if p["type"] == "tool-input-available")
    assert available["input"] == {"city": "Paris"} and available["dynamic"] is True
    output = next(p for p in parts if p["type"] == "tool-output-available")
    assert output["toolCallId"] == "call-1" and output["output"] == TOOL_RESULT
    order = kinds(parts)
    assert order.index("tool-input-available") < order.index("tool-output-available")
    assert text_of(parts) == f"The tool said: {TOOL_RESULT}{SUBGRAPH_REPLY}"


async def test_an_interrupt_is_an_approval_request_and_its_answer_resumes(ai_url: str) -> None:
    async with httpx.AsyncClient(base_url=ai_url) as client:
        body = chat_body("approval", "approve this")
        parts = await post_chat(client, "/", body)
        assert kinds(parts)[-5:] == [
            "start-step",
            "tool-input-available",
            "tool-approval-request",
            "finish-step",
            "finish",
        ]
        tool, request = parts[-4], parts[-3]
        assert tool["toolName"] == "interrupt" and tool["dynamic"] is True
        assert tool["input"] == {"question": "approve?"}
        assert request["approvalId"] == request["toolCallId"] == tool["toolCallId"]
        assert parts[-1]["finishReason"] == "tool-calls"
        # What the SDK sends after addToolApprovalResponse: the assistant message last.
        answered = {
            "type": "dynamic-tool",
            "toolName": "interrupt",
            "toolCallId": tool["toolCallId"],
            "state": "approval-responded",
            "input": tool["input"],
            "approval": {"id": request["approvalId"], "approved": True, "reason": "fine"},
        }
        assistant = {"id": parts[0]["messageId"], "role": "assistant", "parts": [answered]}
        body["messages"].append(assistant)
        body["messageId"] = assistant["id"]
        resumed = await post_chat(client, "/", body)
    assert resumed[0] == {"type": "start", "messageId": assistant["id"]}
    assert resumed[2] == {
        "type": "tool-output-available",
        "toolCallId": tool["toolCallId"],
        "output": {"approved": True, "reason": "fine"},
        "dynamic": True,
    }
    answer = "approval answer: {'approved': True, 'reason': 'fine'}"
    assert text_of(resumed) == answer + SUBGRAPH_REPLY
    assert resumed[-1] == {"type": "finish", "finishReason": "stop"}


async def test_a_denied_approval_is_output_denied(ai_url: str) -> None:
    async with httpx.AsyncClient(base_url=ai_url) as client:
        body = chat_body("denied", "approve this")
        parts = await post_chat(client, "/", body)
        tool = parts[-4]
        answered = {
            "type": "dynamic-tool",
            "toolName": "interrupt",
            "toolCallId": tool["toolCallId"],
            "state": "approval-responded",
            "input": tool["input"],
            "approval": {"id": tool["toolCallId"], "approved": False},
        }
        body["messages"].append({"id": "a1", "role": "assistant", "parts": [answered]})
        resumed = await post_chat(client, "/", body)
    assert resumed[2] == {"type": "tool-output-denied", "toolCallId": tool["toolCallId"]}
    assert text_of(resumed).startswith("approval answer: {'approved': False}")


async def test_an_error_is_the_last_part_and_no_finish(ai_url: str) -> None:
    async with httpx.AsyncClient(base_url=ai_url) as client:
        parts = await post_chat(client, "/", chat_body("error", "boom"))
    assert parts[-1] == {"type": "error", "errorText": "boom requested"}
    assert "finish" not in kinds(parts)


_UUID = re.compile(r"^[0-9a-f-]{32,36}$")


def _without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    if isinstance(value, str) and _UUID.match(value):
        return "<id>"
    return value


async def test_the_three_adapters_stream_the_same_parts(serve: Serve) -> None:
    streams = []
    for adapter in ADAPTERS:
        base = await serve(app(adapter))
        async with httpx.AsyncClient(base_url=base) as client:
            parts = []
            for text in ("hi", "weather?", "approve", "boom"):
                body = chat_body(f"same-{text}", text)
                parts.append(await post_chat(client, API[adapter], body))
        streams.append(_without_ids(parts))
    fastapi, starlette, asgi = streams
    assert fastapi == starlette == asgi
