"""`GET /{chat_id}/stream`: 204 without an active run; an active run replayed
from its start and followed live, after its client left (runs are not
cancelled on disconnect); 204 again once it has finished."""

from __future__ import annotations

import httpx
import pytest

from tests.agent_graph import SLOW_TOKENS, SUBGRAPH_REPLY
from tests.protocols.aisdk.conftest import chat_body, check_order, parse_stream, text_of


@pytest.fixture(autouse=True)
def _fast_slow_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLOW_TOKEN_SECONDS", "0.05")


async def test_no_active_run_is_204(ai_url: str) -> None:
    async with httpx.AsyncClient(base_url=ai_url) as client:
        response = await client.get("/never-ran/stream")
    assert response.status_code == 204 and response.content == b""


async def test_a_dropped_stream_is_replayed_then_followed_then_204(ai_url: str) -> None:
    async with httpx.AsyncClient(base_url=ai_url, timeout=30) as client:
        seen = b""
        async with client.stream("POST", "/", json=chat_body("dropped", "slow")) as response:
            assert response.status_code == 200
            async for chunk in response.aiter_bytes():
                seen += chunk
                if seen.count(b"text-delta") >= 3:
                    break  # the client leaves mid-reply
        first = seen.split(b"\n\n")[0]
        resumed = await client.get("/dropped/stream")
        assert resumed.status_code == 200, resumed.text
        assert resumed.headers["x-vercel-ai-ui-message-stream"] == "v1"
        parts = parse_stream(resumed.content)
        check_order(parts)
        assert resumed.content.split(b"\n\n")[0] == first  # the same run, from its start
        assert text_of(parts) == " ".join(SLOW_TOKENS) + SUBGRAPH_REPLY
        assert parts[-1]["type"] == "finish"
        after = await client.get("/dropped/stream")
        assert after.status_code == 204
