"""The FastAPI router: its OpenAPI schema, and the dependencies it is given."""

from __future__ import annotations

from fastapi import Depends, FastAPI, HTTPException

import langgraph_sse
from langgraph_sse import make_router
from tests import graphs
from tests.conftest import asgi_client


def test_openapi_schema_describes_every_endpoint_with_models() -> None:
    app = FastAPI()
    app.include_router(make_router(graphs.chat_graph(), prefix="/agent"))
    schema = app.openapi()
    paths = schema["paths"]
    assert set(paths) == {
        "/agent/stream",
        "/agent/invoke",
        "/agent/threads/{thread_id}/state",
        "/agent/threads/{thread_id}/history",
        "/agent/runs",
        "/agent/runs/{run_id}",
        "/agent/runs/{run_id}/stream",
        "/agent/runs/{run_id}/cancel",
        "/agent/healthz",
    }
    assert set(paths["/agent/stream"]) == {"get", "post"}

    def ref(op: dict, status: str = "200") -> str:
        return op["responses"][status]["content"]["application/json"]["schema"]["$ref"]

    post_stream = paths["/agent/stream"]["post"]
    body_ref = post_stream["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body_ref.endswith("/StreamRequest")
    events = post_stream["responses"]["200"]["content"]["text/event-stream"]["itemSchema"]
    assert events["required"] == ["event", "id", "data"]
    assert "token" in events["properties"]["event"]["enum"]
    get_params = {p["name"] for p in paths["/agent/stream"]["get"]["parameters"]}
    assert get_params == {"thread_id", "message", "input", "command", "stream_mode", "subgraphs"}
    assert ref(paths["/agent/invoke"]["post"]).endswith("/InvokeResponse")
    assert ref(paths["/agent/threads/{thread_id}/state"]["get"]).endswith("/ThreadState")
    assert ref(paths["/agent/threads/{thread_id}/history"]["get"]).endswith("/ThreadHistory")
    assert ref(paths["/agent/runs"]["post"], "202").endswith("/RunInfo")
    assert ref(paths["/agent/runs/{run_id}"]["get"]).endswith("/RunInfo")
    assert (
        "text/event-stream"
        in paths["/agent/runs/{run_id}/stream"]["get"]["responses"]["200"]["content"]
    )
    history_params = {
        p["name"] for p in paths["/agent/threads/{thread_id}/history"]["get"]["parameters"]
    }
    assert history_params == {"thread_id", "limit", "before"}
    components = schema["components"]["schemas"]
    modes = components["StreamRequest"]["properties"]["stream_mode"]["anyOf"]
    assert {"type": "string", "enum": list(langgraph_sse.STREAM_MODES)} in modes


async def test_router_dependencies_guard_every_endpoint_but_healthz() -> None:
    def deny() -> None:
        raise HTTPException(status_code=401, detail="no key")

    app = FastAPI()
    app.include_router(make_router(graphs.chat_graph("x"), dependencies=[Depends(deny)]))
    async with asgi_client(app) as client:
        assert (await client.get("/healthz")).status_code == 200
        for method, url in [
            ("POST", "/stream"),
            ("GET", "/stream?message=hi"),
            ("POST", "/invoke"),
            ("GET", "/threads/t/state"),
            ("GET", "/threads/t/history"),
            ("POST", "/runs"),
            ("GET", "/runs/r"),
            ("GET", "/runs/r/stream"),
            ("POST", "/runs/r/cancel"),
        ]:
            response = await client.request(method, url, json={"message": "hi"})
            assert response.status_code == 401, url
