"""`examples/ai_sdk.py`, driven over HTTP in process: a reply with its progress
data, an approval asked and answered, and the resume route."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import examples._model
import httpx
import pytest
from examples._model import REPLIES

from tests.system.test_examples import client, load


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """The fake model without delay, no API keys, threads in a fresh SQLite file."""
    monkeypatch.setenv("LANGGRAPH_SSE_DB", str(tmp_path / "threads.sqlite"))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.setattr(examples._model, "TOKEN_DELAY", 0.0)
    yield


def parts_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
    frames = [f for f in response.text.split("\n\n") if f.startswith("data: ")]
    assert frames[-1] == "data: [DONE]"
    return [json.loads(f.removeprefix("data: ")) for f in frames[:-1]]


def user(text: str) -> dict[str, Any]:
    return {"id": f"u-{text}", "role": "user", "parts": [{"type": "text", "text": text}]}


async def test_ai_sdk_example_chats_asks_and_resumes() -> None:
    module = load("ai_sdk")
    async with client(module.app) as http:
        parts = parts_of(await http.post("/api/chat", json={"id": "c1", "messages": [user("Hi")]}))
        assert parts[-1] == {"type": "finish", "finishReason": "stop"}
        text = "".join(p["delta"] for p in parts if p["type"] == "text-delta")
        assert text in REPLIES
        assert {"type": "data-progress", "data": {"type": "progress", "stage": "thinking"}} in parts

        body = {"id": "c2", "messages": [user("Please approve")]}
        asked = parts_of(await http.post("/api/chat", json=body))
        tool, request = asked[-4], asked[-3]
        assert tool["input"] == {"question": "Approve this request?"}
        assert request["type"] == "tool-approval-request"
        answered = {
            "type": "dynamic-tool",
            "toolName": "interrupt",
            "toolCallId": tool["toolCallId"],
            "state": "approval-responded",
            "input": tool["input"],
            "approval": {"id": request["approvalId"], "approved": True},
        }
        body["messages"].append(
            {"id": asked[0]["messageId"], "role": "assistant", "parts": [answered]}
        )
        resumed = parts_of(await http.post("/api/chat", json=body))
        text = "".join(p["delta"] for p in resumed if p["type"] == "text-delta")
        assert text.startswith("You approved it.")
        assert (await http.get("/api/chat/c2/stream")).status_code == 204
