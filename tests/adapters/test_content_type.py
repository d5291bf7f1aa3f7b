"""Every adapter reads a JSON body whatever its `Content-Type`: what `fetch()`
sends for a string body (`text/plain;charset=UTF-8`), none at all, or the form
type `curl -d` sends. FastAPI alone used to refuse them with a 422."""

from __future__ import annotations

import json

import pytest

from tests import graphs
from tests.apps import ADAPTERS, mount
from tests.conftest import asgi_client, read_events, types

CONTENT_TYPES = [
    None,
    "text/plain;charset=UTF-8",
    "application/x-www-form-urlencoded",
    "application/json",
    "application/json; charset=utf-8",
]


def headers(content_type: str | None) -> dict[str, str]:
    return {} if content_type is None else {"content-type": content_type}


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("content_type", CONTENT_TYPES)
async def test_a_json_body_is_read_whatever_its_content_type(
    adapter: str, content_type: str | None
) -> None:
    app = mount(adapter, graphs.chat_graph("one", "two", "three"))
    async with asgi_client(app) as client:
        body = json.dumps({"message": "hi", "thread_id": "ct"}).encode()
        events = await read_events(
            client, "POST", "/stream", content=body, headers=headers(content_type)
        )
        assert types(events)[-1] == "done" and events[-1]["status"] == "success"

        body = json.dumps({"message": "again", "thread_id": "ct"}).encode()
        invoked = await client.post("/invoke", content=body, headers=headers(content_type))
        assert invoked.status_code == 200 and invoked.json()["status"] == "success"

        created = await client.post("/runs", content=body, headers=headers(content_type))
        assert created.status_code == 202, created.text


@pytest.mark.parametrize("adapter", ADAPTERS)
@pytest.mark.parametrize("content_type", ["text/plain;charset=UTF-8", None])
async def test_a_body_that_is_no_json_is_a_422_naming_the_body(
    adapter: str, content_type: str | None
) -> None:
    app = mount(adapter, graphs.chat_graph("one"))
    async with asgi_client(app) as client:
        response = await client.post(
            "/invoke", content=b"message=hi", headers=headers(content_type)
        )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["type"] == "json_invalid" and error["loc"][0] == "body"


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_the_field_errors_are_the_same_as_with_json(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph("one"))
    async with asgi_client(app) as client:
        body = json.dumps({"message": "hi", "stream_mode": "bogus"}).encode()
        plain = await client.post("/stream", content=body, headers=headers("text/plain"))
        typed = await client.post("/stream", content=body, headers=headers("application/json"))
    assert plain.status_code == typed.status_code == 422
    assert plain.json() == typed.json()
    assert plain.json()["detail"][0]["loc"] == ["body", "stream_mode", 0]
