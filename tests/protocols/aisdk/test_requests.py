"""Bad requests get a 422 naming the field; auth and ownership hold on both
routes (another principal's chat is the library's 404)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.protocols.aisdk.conftest import ALICE, BOB, chat_body, post_chat


def _loc(response: httpx.Response) -> list[Any]:
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail[0]["msg"]
    return list(detail[0]["loc"])


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"messages": [{"id": "u", "role": "user", "parts": []}]}, ["body", "id"]),
        ({"id": "c"}, ["body", "messages"]),
        ({"id": "c", "messages": []}, ["body", "messages"]),
        ({"id": "", "messages": [{"id": "u", "role": "user", "parts": []}]}, ["body", "id"]),
        ({"id": "c", "messages": [{"id": "u", "role": "robot", "parts": []}]}, None),
        ({"id": "c", "messages": [{"id": "u", "role": "user"}]}, None),
        (
            {"id": "c", "messages": [{"id": "u", "role": "user", "parts": [{"type": "file"}]}]},
            ["body", "messages", 0, "parts"],
        ),
        (
            {"id": "c", "messages": [{"id": "u", "role": "system", "parts": []}]},
            ["body", "messages", 0, "role"],
        ),
        (
            {
                "id": "c",
                "messages": [
                    {"id": "u", "role": "user", "parts": [{"type": "text", "text": "hi"}]},
                    {"id": "a", "role": "assistant", "parts": [{"type": "text", "text": "yo"}]},
                ],
            },
            ["body", "messages", 1],
        ),
        (
            {
                "id": "c",
                "messages": [
                    {
                        "id": "a",
                        "role": "assistant",
                        "parts": [{"type": "dynamic-tool", "state": "approval-responded"}],
                    }
                ],
            },
            ["body", "messages", 0, "parts", 0],
        ),
        ({**chat_body("c", "hi"), "trigger": "nope"}, ["body", "trigger"]),
    ],
)
async def test_bad_requests_name_the_field(
    ai_url: str, body: dict[str, Any], loc: list[Any] | None
) -> None:
    async with httpx.AsyncClient(base_url=ai_url) as client:
        response = await client.post("/", json=body)
    found = _loc(response)
    if loc is not None:
        assert found == loc
    else:
        assert found[:4] == ["body", "messages", 0, found[3]]


async def test_resuming_a_chat_with_nothing_to_resume_is_refused(ai_url: str) -> None:
    body = chat_body("nothing", "hi")
    answered = {
        "type": "dynamic-tool",
        "toolName": "interrupt",
        "toolCallId": "x",
        "state": "approval-responded",
        "input": {},
        "approval": {"id": "x", "approved": True},
    }
    body["messages"].append({"id": "a", "role": "assistant", "parts": [answered]})
    async with httpx.AsyncClient(base_url=ai_url) as client:
        response = await client.post("/", json=body)
    assert response.status_code in (404, 409), response.text


async def test_credentials_are_needed_on_both_routes(private_url: str) -> None:
    async with httpx.AsyncClient(base_url=private_url) as client:
        assert (await client.post("/", json=chat_body("c", "hi"))).status_code == 401
        assert (await client.get("/c/stream")).status_code == 401


async def test_a_chat_is_its_owners(private_url: str) -> None:
    async with httpx.AsyncClient(base_url=private_url) as client:
        await post_chat(client, "/", chat_body("alices", "hi"), headers=ALICE)
        taken = await client.post("/", json=chat_body("alices", "hi"), headers=BOB)
        assert taken.status_code == 404, taken.text
        assert (await client.get("/alices/stream", headers=BOB)).status_code == 404
        assert (await client.get("/alices/stream", headers=ALICE)).status_code == 204
        parts = await post_chat(client, "/", chat_body("alices", "hi again"), headers=ALICE)
    assert parts[-1]["type"] == "finish"


async def test_limits_on_clients_stream_modes_do_not_refuse_the_protocols_own() -> None:
    # Limits.stream_modes bounds what clients ask for; a chat request asks for none,
    # and its runs stream the modes the encoder reads (messages, custom, tasks).
    from langgraph_sse import Limits
    from tests.agent_graph import REPLY, SUBGRAPH_REPLY
    from tests.conftest import asgi_client
    from tests.protocols.aisdk.conftest import app, text_of

    served = app(limits=Limits(stream_modes=frozenset({"values"})))
    async with asgi_client(served) as client:
        parts = await post_chat(client, "/", chat_body("limited", "hi"))
    assert text_of(parts) == REPLY + SUBGRAPH_REPLY
    kinds = {part["type"] for part in parts}
    assert {"start-step", "data-custom"} <= kinds, kinds  # from the tasks and custom modes
