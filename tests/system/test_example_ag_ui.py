"""`examples/ag_ui.py`, driven over HTTP in process as CopilotKit's `HttpAgent`
would: a chat reply with progress, an approval and its answer."""

from __future__ import annotations

import json
from typing import Any

import httpx
from httpx_sse import aconnect_sse

from tests.protocols.agui.conftest import check_stream, run_input, texts
from tests.system.test_examples import _offline, client, load  # noqa: F401  (autouse)


async def run(http: httpx.AsyncClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    async with aconnect_sse(http, "POST", "/agui", json=body) as source:
        assert source.response.status_code == 200
        events = [json.loads(sse.data) async for sse in source.aiter_sse()]
    check_stream(events)
    return events


async def test_ag_ui_example_chats_and_asks_for_approval() -> None:
    module = load("ag_ui")
    assert "uvicorn examples.ag_ui:app" in (module.__doc__ or "")
    async with client(module.app) as http:
        chat = await run(http, run_input("t1", "Hi"))
        assert texts(chat) and texts(chat)[0].startswith("Hello!")
        custom = [(e["name"], e["value"]) for e in chat if e["type"] == "CUSTOM"]
        assert custom == [("custom", {"step": "thinking"}), ("custom", {"step": "done"})]
        assert chat[-1]["outcome"] == {"type": "success"}

        asked = await run(http, run_input("t2", "please approve"))
        (pending,) = asked[-1]["outcome"]["interrupts"]
        assert pending["reason"] == "approval"
        resume = [{"interruptId": pending["id"], "status": "resolved", "payload": "yes"}]
        answered = await run(http, run_input("t2", resume=resume))
        assert texts(answered) == ["You answered: yes"]
