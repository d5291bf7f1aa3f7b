"""CopilotKit's client, `@ag-ui/client` 1.x (`HttpAgent.runAgent`, its event
verification on), under Node against `protocol="ag-ui"` on real uvicorn: a chat
reply, a tool call with its result, custom data, an interrupt and its resume,
and an error, with exact text, and not one warning or error from the client.

The client is installed once into a cache outside the repo (see `tests/npm.py`);
without node or npm the test skips with the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.agent_graph import REPLY, SUBGRAPH_REPLY, TOOL_RESULT
from tests.npm import arun_node

JS = Path(__file__).resolve().parent / "js"

pytestmark = pytest.mark.timeout(300)


def assistant_texts(flow: dict[str, Any]) -> list[str]:
    return [m["content"] for m in flow["messages"] if m["role"] == "assistant" and m["content"]]


async def test_http_agent_reads_every_flow(agui_url: str) -> None:
    done = await arun_node(JS / "flows.mjs", agui_url, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout)
    assert results["logged"] == []

    chat = results["chat"]
    assert chat["thrown"] is None and chat["runError"] is None
    assert assistant_texts(chat) == [REPLY, SUBGRAPH_REPLY]
    assert chat["custom"] == [["custom", {"progress": 0.5}], ["custom", {"progress": 1.0}]]
    assert chat["types"][0] == "RUN_STARTED" and chat["types"][-1] == "RUN_FINISHED"

    tool = results["tool"]
    assert tool["thrown"] is None
    assert tool["toolCalls"] == [["get_weather", {"city": "Paris"}]]
    assert tool["toolResults"] == [["call-1", TOOL_RESULT]]
    assert [m["role"] for m in tool["messages"]] == [
        "user",
        "assistant",
        "tool",
        "assistant",
        "assistant",
    ]
    assert assistant_texts(tool) == [f"The tool said: {TOOL_RESULT}", SUBGRAPH_REPLY]

    interrupt = results["interrupt"]
    assert interrupt["thrown"] is None
    assert interrupt["custom"][-1] == ["on_interrupt", {"question": "approve?"}]
    (pending,) = interrupt["interrupts"]
    assert pending["reason"] == "langgraph:interrupt"
    assert pending["metadata"] == {"value": {"question": "approve?"}}
    assert results["pending"] == [pending["id"]]

    resume = results["resume"]
    assert resume["thrown"] is None and resume["interrupts"] is None
    assert assistant_texts(resume) == [REPLY, "approval answer: yes", SUBGRAPH_REPLY]

    error = results["error"]
    assert error["runError"] == ["ValueError", "boom requested"]
    assert error["types"][-1] == "RUN_ERROR"
