"""The `ai` package's own chat (7.x: `AbstractChat`, what `useChat` runs, over
`DefaultChatTransport`, which validates every chunk with the SDK's schemas) under
Node, against `protocol="ai-sdk"` on real uvicorn.

Each test runs `js/chat.mjs` with one scenario (see `tests/npm.py`: `ai` is
installed once into a cache outside the repo; without node or npm the tests skip
with the reason) and asserts on the JSON it prints: the chat's messages, status,
and every error the chat reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.agent_graph import REPLY, SLOW_TOKENS, SUBGRAPH_REPLY, TOOL_RESULT
from tests.npm import arun_node

JS = Path(__file__).resolve().parent / "js"

pytestmark = pytest.mark.timeout(300)

Result = dict[str, Any]


async def run_chat(ai_url: str, scenario: str, chat_id: str) -> Result:
    """Run ``js/chat.mjs <api> <scenario> <chat id>``; its JSON result."""
    done = await arun_node(JS / "chat.mjs", ai_url + "/", scenario, chat_id, timeout=240)
    assert done.returncode == 0, f"chat.mjs exited {done.returncode}: {done.stderr[-2000:]}"
    try:
        result: Result = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"chat.mjs printed no JSON: {done.stdout[-500:]!r} {done.stderr[-2000:]}")
    assert result["ok"], f"the chat threw: {result['error']}"
    return result


def assistant(result: Result) -> dict[str, Any]:
    messages = result["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant"], messages
    message: dict[str, Any] = messages[-1]
    return message


def part_types(message: dict[str, Any]) -> list[str]:
    return [p["type"] for p in message["parts"]]


async def test_a_reply_with_custom_data(ai_url: str) -> None:
    result = await run_chat(ai_url, "reply", "js-reply")
    assert result["errors"] == [] and result["status"] == "ready"
    message = assistant(result)
    assert message["text"] == REPLY + SUBGRAPH_REPLY
    data = [p for p in message["parts"] if p["type"] == "data-custom"]
    assert [p["data"] for p in data] == [{"progress": 0.5}]
    texts = [p for p in message["parts"] if p["type"] == "text"]
    assert [t["state"] for t in texts] == ["done", "done"]
    assert part_types(message).count("step-start") == 2
    assert result["finishes"] == [
        {"finishReason": "stop", "isAbort": False, "isError": False, "isDisconnect": False}
    ]


async def test_a_tool_call_and_its_result(ai_url: str) -> None:
    result = await run_chat(ai_url, "tool", "js-tool")
    assert result["errors"] == [] and result["status"] == "ready"
    message = assistant(result)
    tools = [p for p in message["parts"] if p["type"] == "dynamic-tool"]
    assert len(tools) == 1
    tool = tools[0]
    assert tool["toolName"] == "get_weather" and tool["toolCallId"] == "call-1"
    assert tool["state"] == "output-available"
    assert tool["input"] == {"city": "Paris"} and tool["output"] == TOOL_RESULT
    assert message["text"] == f"The tool said: {TOOL_RESULT}{SUBGRAPH_REPLY}"


async def test_an_interrupt_approved_resumes_the_thread(ai_url: str) -> None:
    result = await run_chat(ai_url, "approval", "js-approval")
    assert result["errors"] == [] and result["status"] == "ready"
    requested = result["requested"]["messages"][-1]
    tool = next(p for p in requested["parts"] if p["type"] == "dynamic-tool")
    assert tool["toolName"] == "interrupt" and tool["state"] == "approval-requested"
    assert tool["input"] == {"question": "approve?"}
    assert tool["approval"] == {"id": tool["toolCallId"]}
    assert requested["text"] == REPLY
    message = assistant(result)  # the same assistant message, continued
    assert message["id"] == requested["id"]
    answered = next(p for p in message["parts"] if p["type"] == "dynamic-tool")
    assert answered["state"] == "output-available"
    assert answered["output"] == {"approved": True, "reason": "fine"}
    answer = "approval answer: {'approved': True, 'reason': 'fine'}"
    assert message["text"] == REPLY + answer + SUBGRAPH_REPLY
    assert [f["finishReason"] for f in result["finishes"]] == ["tool-calls", "stop"]


async def test_an_error_is_the_chats_error(ai_url: str) -> None:
    result = await run_chat(ai_url, "error", "js-error")
    assert result["status"] == "error" and result["error"] == "boom requested"
    assert result["errors"] == ["boom requested"]  # the run's error, nothing else


async def test_a_dropped_stream_resumes_to_the_whole_reply(
    ai_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLOW_TOKEN_SECONDS", "0.05")
    result = await run_chat(ai_url, "resume", "js-resume")
    assert result["errors"] == [], result["errors"]
    whole = " ".join(SLOW_TOKENS) + SUBGRAPH_REPLY
    assert result["partial"][1] != whole  # it was dropped mid-reply
    assert result["status"] == "ready"
    assert assistant(result)["text"] == whole  # replayed in place, not appended
    reloaded = result["reloaded"]  # once the run has ended: 204, nothing to resume
    assert reloaded["status"] == "ready" and len(reloaded["messages"]) == 1
