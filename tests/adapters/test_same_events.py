"""The three adapters, each on a real uvicorn server, stream the same events."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests import graphs
from tests.apps import ADAPTERS, mount
from tests.conftest import Serve, read_events

_ID = re.compile(
    r"^(lc_run--)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(-\d+)?$"
)


def _without_ids(value: Any) -> Any:
    """Events with generated ids (run, message, checkpoint, task) replaced by a marker."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    if isinstance(value, str) and (_ID.match(value) or (len(value) == 32 and value.isalnum())):
        return "<id>"
    if isinstance(value, str) and ":" in value and _ID.match(value.split(":", 1)[1]):
        return value.split(":", 1)[0] + ":<id>"
    return value


async def test_the_three_adapters_stream_identical_events(serve: Serve) -> None:
    modes = ["messages", "custom", "updates", "values", "debug"]
    streams = []
    for adapter in ADAPTERS:
        base = await serve(mount(adapter, graphs.subgraph_graph("same everywhere")))
        async with httpx.AsyncClient(base_url=base) as client:
            events = await read_events(
                client,
                "POST",
                "/stream",
                json={
                    "message": "hi",
                    "thread_id": "same",
                    "stream_mode": modes,
                    "subgraphs": True,
                },
            )
        streams.append(_without_ids(events))
    fastapi, starlette, asgi = streams
    assert fastapi == starlette == asgi
    kinds = {e["type"] for e in fastapi}
    assert {"token", "custom", "updates", "values", "node_start", "checkpoint", "done"} <= kinds
