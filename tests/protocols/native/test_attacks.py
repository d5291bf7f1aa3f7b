"""What another principal can try on a thread or run it does not own, over real uvicorn."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import httpx
import pytest
from httpx_sse import aconnect_sse
from langgraph.checkpoint.memory import InMemorySaver

from langgraph_sse import Limits, api_key_auth
from tests import graphs
from tests.apps import ADAPTERS, mount
from tests.conftest import Serve, asgi_client

KEYS = {"key-alice": "alice", "key-bob": "bob"}
ALICE = {"X-API-Key": "key-alice"}
BOB = {"X-API-Key": "key-bob"}


class SlowSaver(InMemorySaver):
    """Writes each checkpoint `delay` seconds late, as a busy database would: a
    wide window between accepting a run on a new thread and its first checkpoint."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    async def aput(self, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(self.delay)
        return await super().aput(*args, **kwargs)


def slow_app(**options: Any) -> Any:
    graph = graphs.agent_graph(graphs.fake_model(*graphs_replies()), SlowSaver(0.3))
    return mount("fastapi", graph, auth=api_key_auth(KEYS), **options)


def graphs_replies() -> tuple[str, ...]:
    return tuple(f"reply {i}" for i in range(10))


async def finished(client: httpx.AsyncClient, run_id: str, headers: dict[str, str]) -> str:
    for _ in range(200):
        status = (await client.get(f"/runs/{run_id}", headers=headers)).json()["status"]
        if status not in ("pending", "running"):
            return str(status)
        await asyncio.sleep(0.02)
    raise AssertionError("the run did not finish")


@pytest.mark.parametrize("strategy", ["enqueue", "interrupt", "reject"])
async def test_a_new_thread_is_its_creators_from_the_moment_the_run_is_accepted(
    serve: Serve, strategy: str
) -> None:
    base = await serve(slow_app())
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        alice = await client.post(
            "/runs", json={"message": "alice's secret", "thread_id": "fresh"}, headers=ALICE
        )
        assert alice.status_code == 202
        # Bob comes before the thread's first checkpoint is written.
        bob = {"message": "bob", "thread_id": "fresh", "multitask_strategy": strategy}
        assert (await client.post("/runs", json=bob, headers=BOB)).status_code == 404
        assert (await client.post("/stream", json=bob, headers=BOB)).status_code == 404
        assert (await client.post("/invoke", json=bob, headers=BOB)).status_code == 404
        assert await finished(client, alice.json()["run_id"], ALICE) == "success"
        state = await client.get("/threads/fresh/state", headers=ALICE)
        assert state.status_code == 200
        assert [m["content"] for m in state.json()["values"]["messages"]] == [
            "alice's secret",
            "reply 0",
        ]
        assert (await client.get("/threads/fresh/state", headers=BOB)).status_code == 404


async def test_two_principals_racing_for_one_new_thread_one_wins(serve: Serve) -> None:
    base = await serve(slow_app())
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        body = {"thread_id": "contested", "multitask_strategy": "enqueue"}
        answers = await asyncio.gather(
            client.post("/runs", json={**body, "message": "from alice"}, headers=ALICE),
            client.post("/runs", json={**body, "message": "from bob"}, headers=BOB),
        )
        codes = sorted(a.status_code for a in answers)
        assert codes == [202, 404]
        winner, headers = ("alice", ALICE) if answers[0].status_code == 202 else ("bob", BOB)
        loser = BOB if winner == "alice" else ALICE
        run_id = next(a for a in answers if a.status_code == 202).json()["run_id"]
        assert await finished(client, run_id, headers) == "success"
        state = (await client.get("/threads/contested/state", headers=headers)).json()
        assert state["values"]["messages"][0]["content"] == f"from {winner}"
        assert (await client.get("/threads/contested/state", headers=loser)).status_code == 404


async def test_a_config_key_cannot_point_the_owner_check_elsewhere(serve: Serve) -> None:
    app = mount(
        "asgi",
        graphs.chat_graph(*graphs_replies()),
        auth=api_key_auth(KEYS),
        limits=Limits(configurable_keys=frozenset({"checkpoint_id"})),
    )
    base = await serve(app)
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        mine = await client.post(
            "/invoke", json={"message": "alice's", "thread_id": "mine"}, headers=ALICE
        )
        assert mine.status_code == 200
        elsewhere = {"configurable": {"checkpoint_id": "1f000000-0000-0000-0000-000000000000"}}
        for path in ("/stream", "/invoke", "/runs"):
            sneaky = {"message": "bob's", "thread_id": "mine", "config": elsewhere}
            assert (await client.post(path, json=sneaky, headers=BOB)).status_code == 404, path
        assert (await client.get("/threads/mine/history", headers=BOB)).status_code == 404
        state = await client.get("/threads/mine/state", headers=ALICE)
        assert state.status_code == 200
        assert [m["content"] for m in state.json()["values"]["messages"]] == ["alice's", "reply 0"]


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_deep_nan_and_huge_inputs_get_a_small_422_naming_the_field(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph("x"))
    async with asgi_client(app) as client:
        deep = "[" * 5000 + "]" * 5000
        response = await client.get("/stream", params={"input": deep})
        assert response.status_code == 422, response.text[:200]
        assert response.json()["detail"][0]["loc"] == ["query", "input"]

        nested: Any = 0
        for _ in range(150):
            nested = [nested]
        for path in ("/stream", "/invoke", "/runs"):
            response = await client.post(path, json={"input": {"deep": nested}})
            assert response.status_code == 422, (path, response.text[:200])
            assert response.json()["detail"][0]["loc"][0] == "body"

        for raw in (b'{"message": NaN}', b'{"input": {"x": Infinity}}', b'{"input": NaN}'):
            response = await client.post(
                "/invoke", content=raw, headers={"content-type": "application/json"}
            )
            assert response.status_code == 422, (raw, response.text[:200])
            assert response.headers["content-type"] == "application/json"

        many = {"message": "hi", "config": {"tags": list(range(50_000))}}  # ~300 KB
        response = await client.post("/stream", json=many)
        assert response.status_code == 422
        assert len(response.content) < 8_000  # not an echo of 50,000 invalid tags
        detail = response.json()["detail"]
        assert detail[0]["loc"] == ["body", "config", "tags", 0]
        assert detail[-1] == {
            "type": "too_many_errors",
            "loc": ["body"],
            "msg": "49980 more",
        }

        huge = {"input": {"n": 10**100_000}}
        response = await client.post("/invoke", content=json_dumps(huge))
        assert response.status_code == 422 and len(response.content) < 2_000


def json_dumps(value: Any) -> bytes:
    sys.set_int_max_str_digits(0)  # write an integer of 100,000 digits
    try:
        return json.dumps(value).encode()
    finally:
        sys.set_int_max_str_digits(4300)


async def test_runs_going_are_capped_per_principal_however_started(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    app = mount(
        "asgi",
        graphs.endless_graph(probe),
        stream_mode="custom",
        auth=api_key_auth(KEYS),
        limits=Limits(max_runs_per_principal=2),
    )
    base = await serve(app)
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        runs = []
        for thread in ("a1", "a2"):
            started = await client.post(
                "/runs", json={"message": "go", "thread_id": thread}, headers=ALICE
            )
            assert started.status_code == 202
            runs.append(started.json()["run_id"])
        queued = {"message": "go", "thread_id": "a1", "multitask_strategy": "enqueue"}
        for path, body in (("/runs", queued), ("/stream", {"message": "go"}), ("/invoke", queued)):
            refused = await client.post(path, json=body, headers=ALICE)
            assert refused.status_code == 429, path
            assert refused.headers["retry-after"] == "1"
            assert "runs going" in refused.json()["detail"]
        other = await client.post("/runs", json={"message": "go"}, headers=BOB)
        assert other.status_code == 202  # Bob has his own count
        runs.append(other.json()["run_id"])
        await client.post(f"/runs/{runs[0]}/cancel", headers=ALICE)
        again = await client.post("/runs", json={"message": "go"}, headers=ALICE)
        assert again.status_code == 202
        for run_id, headers in ((runs[1], ALICE), (runs[2], BOB), (again.json()["run_id"], ALICE)):
            await client.post(f"/runs/{run_id}/cancel", headers=headers)


async def test_a_run_past_its_bytes_is_stopped_with_a_too_large_error(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    app = mount(
        "asgi",
        graphs.endless_graph(probe),
        stream_mode="custom",
        limits=Limits(max_run_bytes=5_000),
    )
    base = await serve(app)
    async with (
        httpx.AsyncClient(base_url=base, timeout=10) as client,
        aconnect_sse(client, "POST", "/stream", json={"message": "go"}) as source,
    ):
        assert source.response.status_code == 200
        events = [json.loads(sse.data) async for sse in source.aiter_sse()]
    assert [e["type"] for e in events[-2:]] == ["error", "done"]
    assert events[-2]["error"] == "too_large" and "5000 bytes" in events[-2]["message"]
    assert events[-1]["status"] == "error"
    assert 5_000 < sum(len(json.dumps(e)) + 40 for e in events) < 8_000
    assert probe.cancelled.is_set()  # the graph was stopped, not left writing
