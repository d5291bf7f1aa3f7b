"""Auth on every endpoint, thread ownership, limits, time limits, stream caps, logs."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import shlex
import time
from typing import Any

import httpx
import jwt
import pytest
from httpx_sse import aconnect_sse
from langgraph.checkpoint.memory import InMemorySaver
from starlette.requests import Request

from langgraph_sse import (
    AuthError,
    Limits,
    Principal,
    api_key_auth,
    bearer_auth,
    jwt_verifier,
)
from tests import graphs
from tests.apps import ADAPTERS, mount
from tests.conftest import Serve, asgi_client, read_events, types

KEYS = {"key-alice": "alice", "key-bob": "bob"}
ALICE = {"X-API-Key": "key-alice"}
BOB = {"X-API-Key": "key-bob"}

ENDPOINTS = [
    ("POST", "/stream", {"json": {"message": "hi"}}),
    ("GET", "/stream", {"params": {"message": "hi"}}),
    ("POST", "/invoke", {"json": {"message": "hi"}}),
    ("GET", "/threads/t1/state", {}),
    ("GET", "/threads/t1/history", {}),
]


def replies(n: int = 50) -> tuple[str, ...]:
    return tuple(f"reply {i}" for i in range(n))


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_every_endpoint_but_healthz_needs_credentials(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph(*replies()), auth=api_key_auth(KEYS))
    async with asgi_client(app) as client:
        assert (await client.get("/healthz")).status_code == 200
        for method, url, kwargs in ENDPOINTS:
            for headers in ({}, {"X-API-Key": "wrong"}, {"X-API-Key": ""}):
                response = await client.request(method, url, headers=headers, **kwargs)
                assert response.status_code == 401, (method, url, headers)
                assert response.headers["content-type"] == "application/json"
                assert "API key" in response.json()["detail"]
                challenge = response.headers["www-authenticate"]
                assert challenge.startswith("APIKey ") and 'header="X-API-Key"' in challenge
        events = await read_events(client, "POST", "/stream", json={"message": "hi"}, headers=ALICE)
        assert types(events)[-1] == "done"


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_credentials_are_checked_before_the_body(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph(), auth=api_key_auth(KEYS))
    async with asgi_client(app) as client:
        response = await client.post("/stream", content=b"{not json")
        assert response.status_code == 401  # not 422: nothing is said to strangers


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_another_principals_thread_does_not_exist(adapter: str) -> None:
    app = mount(adapter, graphs.approval_graph(), auth=api_key_auth(KEYS))
    async with asgi_client(app) as client:
        first = await read_events(
            client, "POST", "/stream", json={"message": "mine", "thread_id": "a1"}, headers=ALICE
        )
        assert first[-1]["status"] == "interrupted"
        missing = {
            url: await client.get(url, headers=BOB)
            for url in ("/threads/nope/state", "/threads/nope/history")
        }
        attempts = [
            await client.get("/threads/a1/state", headers=BOB),
            await client.get("/threads/a1/history", headers=BOB),
            await client.post("/stream", json={"message": "x", "thread_id": "a1"}, headers=BOB),
            await client.get("/stream", params={"message": "x", "thread_id": "a1"}, headers=BOB),
            await client.post("/invoke", json={"message": "x", "thread_id": "a1"}, headers=BOB),
            await client.post(
                "/stream", json={"thread_id": "a1", "command": {"resume": "yes"}}, headers=BOB
            ),
        ]
        for response in attempts:
            assert response.status_code == 404
            assert response.json() == {"detail": "Thread 'a1' not found"}
        # ...exactly as a thread that does not exist:
        assert missing["/threads/nope/state"].json() == {"detail": "Thread 'nope' not found"}

        state = await client.get("/threads/a1/state", headers=ALICE)
        assert state.status_code == 200 and state.json()["next"] == ["ask"]
        resumed = await read_events(
            client,
            "POST",
            "/stream",
            json={"thread_id": "a1", "command": {"resume": "yes"}},
            headers=ALICE,
        )
        assert resumed[-1]["status"] == "success"


async def test_ownership_is_kept_in_the_checkpointer_and_survives_a_new_server() -> None:
    saver = InMemorySaver()
    graph = graphs.chat_graph(*replies(), checkpointer=saver)
    async with asgi_client(mount("asgi", graph, auth=api_key_auth(KEYS))) as client:
        await read_events(
            client, "POST", "/stream", json={"message": "hi", "thread_id": "d1"}, headers=ALICE
        )
    stored = await saver.aget_tuple({"configurable": {"thread_id": "d1"}})
    assert stored is not None and stored.metadata["owner"] == "alice"

    # A new server (a restart, another replica) over the same storage knows the owner.
    async with asgi_client(mount("fastapi", graph, auth=api_key_auth(KEYS))) as client:
        assert (await client.get("/threads/d1/state", headers=BOB)).status_code == 404
        assert (await client.get("/threads/d1/state", headers=ALICE)).status_code == 200


async def test_a_client_cannot_claim_a_thread_through_config_metadata() -> None:
    app = mount(
        "asgi",
        graphs.chat_graph(*replies()),
        auth=api_key_auth(KEYS),
        limits=Limits(config_keys=frozenset({"metadata"})),
    )
    async with asgi_client(app) as client:
        await read_events(
            client,
            "POST",
            "/stream",
            json={"message": "hi", "thread_id": "c1", "config": {"metadata": {"owner": "alice"}}},
            headers=BOB,
        )
        assert (await client.get("/threads/c1/state", headers=ALICE)).status_code == 404
        assert (await client.get("/threads/c1/state", headers=BOB)).status_code == 200


async def test_ownership_none_shares_threads() -> None:
    app = mount("starlette", graphs.chat_graph(*replies()), auth=api_key_auth(KEYS), ownership=None)
    async with asgi_client(app) as client:
        await read_events(
            client, "POST", "/stream", json={"message": "hi", "thread_id": "s1"}, headers=ALICE
        )
        assert (await client.get("/threads/s1/state", headers=BOB)).status_code == 200


async def test_api_keys_are_compared_with_every_key_in_constant_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    keys = {"k1": "one", "k2-much-longer-key": "two", "k3": "three"}
    app = mount("asgi", graphs.chat_graph(), auth=api_key_auth(keys))
    async with asgi_client(app) as client:
        for sent, status in [("k1", 404), ("wrong", 401), ("k3", 404), ("k2-much-longer-k", 401)]:
            calls.clear()
            response = await client.get("/threads/x/state", headers={"X-API-Key": sent})
            assert response.status_code == status
            # every key compared, no early exit, digests of one length
            assert calls == [(32, 32)] * 3


async def test_api_key_list_and_own_lookup() -> None:
    async def lookup(key: str) -> Principal | None:
        return Principal(id="db-user-7") if key == "from-db" else None

    listed = mount("asgi", graphs.chat_graph(*replies()), auth=api_key_auth(["plain-key"]))
    async with asgi_client(listed) as client:
        ok = await client.post(
            "/invoke", json={"message": "hi"}, headers={"X-API-Key": "plain-key"}
        )
        assert ok.status_code == 200
        bad = await client.post("/invoke", json={"message": "hi"}, headers={"X-API-Key": "plain"})
        assert bad.status_code == 401
    looked_up = mount(
        "asgi", graphs.chat_graph(*replies()), auth=api_key_auth(lookup, header="X-Token")
    )
    async with asgi_client(looked_up) as client:
        ok = await client.post(
            "/invoke", json={"message": "hi", "thread_id": "l1"}, headers={"X-Token": "from-db"}
        )
        assert ok.status_code == 200
        bad = await client.post("/invoke", json={"message": "hi"}, headers={"X-API-Key": "from-db"})
        assert bad.status_code == 401
    with pytest.raises(ValueError):
        api_key_auth([])


async def test_query_credentials_only_when_opted_in_and_only_for_get_stream() -> None:
    graph = graphs.chat_graph(*replies())
    closed = mount("asgi", graph, auth=api_key_auth(KEYS))
    opened = mount("asgi", graph, auth=api_key_auth(KEYS, query_param="api_key"))
    async with asgi_client(closed) as client:
        response = await client.get("/stream", params={"message": "hi", "api_key": "key-alice"})
        assert response.status_code == 401
    async with asgi_client(opened) as client:
        events = await read_events(
            client, "GET", "/stream", params={"message": "hi", "api_key": "key-alice"}
        )
        assert events[-1]["status"] == "success"
        state = await client.get(
            f"/threads/{events[0]['thread_id']}/state", params={"api_key": "key-alice"}
        )
        assert state.status_code == 401  # not on other endpoints
        post = await client.post("/stream?api_key=key-alice", json={"message": "hi"})
        assert post.status_code == 401  # nor on POST


SECRET = "test-secret-that-is-long-enough-for-hs256"


def token(**claims: Any) -> str:
    return jwt.encode({"exp": time.time() + 60, **claims}, SECRET, algorithm="HS256")


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_bearer_jwt(adapter: str) -> None:
    auth = bearer_auth(jwt_verifier(SECRET, algorithms=["HS256"], audience="sse"))
    app = mount(adapter, graphs.chat_graph(*replies()), auth=auth)
    async with asgi_client(app) as client:

        def bearer(value: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {value}"}

        good = bearer(token(sub="carol", aud="sse"))
        events = await read_events(
            client, "POST", "/stream", json={"message": "hi", "thread_id": "j1"}, headers=good
        )
        assert events[-1]["status"] == "success"
        for bad in (
            bearer(token(sub="carol", aud="other")),
            bearer(token(sub="carol", aud="sse", exp=time.time() - 10)),
            bearer(jwt.encode({"sub": "carol", "aud": "sse", "exp": time.time() + 60}, "x" * 40)),
            bearer(token(aud="sse")),  # no subject
            bearer(jwt.encode({"sub": "carol", "aud": "sse"}, SECRET, algorithm="HS256")),  # no exp
            {"Authorization": "Basic abc"},
            {},
        ):
            response = await client.get("/threads/j1/state", headers=bad)
            assert response.status_code == 401, bad
            assert response.headers["www-authenticate"].startswith("Bearer")
        other = bearer(token(sub="dave", aud="sse"))
        assert (await client.get("/threads/j1/state", headers=other)).status_code == 404
        assert (await client.get("/threads/j1/state", headers=good)).status_code == 200


async def test_own_auth_hook_can_refuse_with_its_own_status() -> None:
    async def auth(request: Request) -> Principal | None:
        if request.headers.get("x-banned"):
            raise AuthError("Account suspended", status_code=403)
        user = request.headers.get("x-user")
        return Principal(id=user) if user else None

    app = mount("fastapi", graphs.chat_graph(*replies()), auth=auth)
    async with asgi_client(app) as client:
        assert (await client.get("/threads/x/state")).status_code == 401
        banned = await client.get("/threads/x/state", headers={"x-user": "a", "x-banned": "1"})
        assert banned.status_code == 403 and banned.json() == {"detail": "Account suspended"}
        ok = await client.post("/invoke", json={"message": "hi"}, headers={"x-user": "erin"})
        assert ok.status_code == 200


# -- limits -------------------------------------------------------------------


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_body_size_limit(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph(*replies()), limits=Limits(max_body_bytes=1000))
    async with asgi_client(app) as client:
        big = json.dumps({"message": "x" * 2000}).encode()
        response = await client.post(
            "/stream", content=big, headers={"content-type": "application/json"}
        )
        assert response.status_code == 413
        assert "1000 bytes" in response.json()["detail"]

        async def chunked() -> Any:  # no Content-Length: the body is counted as it comes
            yield b'{"message": "'
            for _ in range(20):
                yield b"y" * 100
            yield b'"}'

        response = await client.post(
            "/invoke", content=chunked(), headers={"content-type": "application/json"}
        )
        assert response.status_code == 413
        small = await client.post("/invoke", json={"message": "fits"})
        assert small.status_code == 200
        for size, status in ((1000, 200), (1001, 413)):  # the limit itself is allowed
            body = b'{"message": "' + b"z" * (size - 15) + b'"}'
            assert len(body) == size
            response = await client.post(
                "/invoke", content=body, headers={"content-type": "application/json"}
            )
            assert response.status_code == status, size

            async def exactly(body: bytes = body) -> Any:  # chunked, no Content-Length
                yield body[:500]
                yield body[500:]

            response = await client.post(
                "/invoke", content=exactly(), headers={"content-type": "application/json"}
            )
            assert response.status_code == status, ("chunked", size)


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_message_length_and_stream_mode_limits(adapter: str) -> None:
    limits = Limits(max_message_chars=10, stream_modes=frozenset({"messages", "custom"}))
    app = mount(adapter, graphs.chat_graph(*replies()), limits=limits)
    async with asgi_client(app) as client:
        long = await client.post("/stream", json={"message": "x" * 11})
        assert long.status_code == 422 and long.json()["detail"][0]["loc"] == ["body", "message"]
        mode = await client.post(
            "/stream", json={"message": "hi", "stream_mode": ["custom", "debug"]}
        )
        assert mode.status_code == 422
        assert mode.json()["detail"][0]["loc"] == ["body", "stream_mode", 1]
        get = await client.get("/stream", params={"message": "hi", "stream_mode": "values"})
        assert get.status_code == 422 and get.json()["detail"][0]["loc"] == [
            "query",
            "stream_mode",
            0,
        ]
        ok = await read_events(client, "POST", "/stream", json={"message": "x" * 10})
        assert ok[-1]["status"] == "success"


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_clients_may_set_no_config_by_default(adapter: str) -> None:
    app = mount(adapter, graphs.chat_graph(*replies()))
    async with asgi_client(app) as client:
        for config, loc in [
            ({"recursion_limit": 5}, ["body", "config", "recursion_limit"]),
            ({"configurable": {"thread_id": "other"}}, ["body", "config", "configurable"]),
            ({"callbacks": ["evil"]}, ["body", "config", "callbacks"]),
        ]:
            response = await client.post("/stream", json={"message": "hi", "config": config})
            assert response.status_code == 422, config
            assert response.json()["detail"][0]["loc"] == loc


async def test_allowed_config_keys_reach_the_graph() -> None:
    limits = Limits(
        config_keys=frozenset({"recursion_limit"}), configurable_keys=frozenset({"model"})
    )
    app = mount("asgi", graphs.chat_graph(*replies()), limits=limits)
    async with asgi_client(app) as client:
        # recursion_limit=1 is too low for START -> agent: the graph refuses to run.
        events = await read_events(
            client, "POST", "/stream", json={"message": "hi", "config": {"recursion_limit": 1}}
        )
        assert events[-2]["type"] == "error" and events[-2]["error"] == "GraphRecursionError"
        ok = await read_events(
            client,
            "POST",
            "/stream",
            json={"message": "hi", "config": {"configurable": {"model": "x"}}},
        )
        assert ok[-1]["status"] == "success"
        for key in ("thread_id", "checkpoint_ns", "__pregel_send", "other"):
            response = await client.post(
                "/stream", json={"message": "hi", "config": {"configurable": {key: "x"}}}
            )
            assert response.status_code == 422, key
            assert response.json()["detail"][0]["loc"] == ["body", "config", "configurable", key]
    with pytest.raises(ValueError, match="thread_id"):
        Limits(configurable_keys=frozenset({"thread_id"}))


@pytest.mark.parametrize("adapter", ADAPTERS)
async def test_a_run_over_its_time_limit_ends_with_a_timeout_error(adapter: str) -> None:
    probe = graphs.LoopProbe()
    app = mount(
        adapter,
        graphs.endless_graph(probe),
        stream_mode="custom",
        limits=Limits(max_run_seconds=0.3),
    )
    async with asgi_client(app) as client:
        started = time.monotonic()
        events = await read_events(client, "POST", "/stream", json={"message": "go"})
        assert time.monotonic() - started < 3
        assert types(events)[-2:] == ["error", "done"]
        assert events[-2]["error"] == "timeout" and "0.3 s" in events[-2]["message"]
        assert events[-1]["status"] == "error"
        assert [e["seq"] for e in events] == list(range(len(events)))
        assert probe.cancelled.is_set()
        response = await client.post("/invoke", json={"message": "go"})
        assert response.status_code == 504 and response.json()["error"]["error"] == "timeout"


@pytest.mark.timeout(30)  # it waits on streams: without the cap it would hang
async def test_concurrent_stream_cap_per_principal(serve: Serve) -> None:
    probe = graphs.LoopProbe()
    app = mount(
        "asgi",
        graphs.endless_graph(probe),
        stream_mode="custom",
        auth=api_key_auth(KEYS),
        limits=Limits(max_streams_per_principal=1),
    )
    base = await serve(app)
    async with httpx.AsyncClient(base_url=base) as client:
        async with aconnect_sse(
            client, "POST", "/stream", json={"message": "go"}, headers=ALICE
        ) as first:
            async for sse in first.aiter_sse():
                if sse.event == "custom":
                    break
            second = await client.post("/stream", json={"message": "go"}, headers=ALICE)
            assert second.status_code == 429 and second.headers["retry-after"] == "1"
            assert "at most 1" in second.json()["detail"]
            # another principal has its own allowance
            async with aconnect_sse(
                client, "POST", "/stream", json={"message": "go"}, headers=BOB
            ) as other:
                assert other.response.status_code == 200
        # The first stream is closed: once the server sees it go, Alice may open another.
        deadline = time.monotonic() + 5
        while True:
            async with client.stream(
                "POST", "/stream", json={"message": "go"}, headers=ALICE
            ) as again:
                status = again.status_code
            if status != 429 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.05)
        assert status == 200


async def test_one_log_line_per_run_without_secrets_or_contents(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="langgraph_sse")
    app = mount("asgi", graphs.chat_graph("the secret answer"), auth=api_key_auth(KEYS))
    async with asgi_client(app) as client:
        events = await read_events(
            client,
            "POST",
            "/stream",
            json={
                "message": "my private question",
                "thread_id": "log1",
                "stream_mode": ["messages", "custom"],
            },
            headers=ALICE,
        )
    records = [r for r in caplog.records if r.name == "langgraph_sse" and r.levelno == logging.INFO]
    assert len(records) == 1
    fields = records[0].langgraph_sse  # type: ignore[attr-defined]
    assert fields["run_id"] == events[0]["run_id"]
    assert fields["thread_id"] == "log1" and fields["principal"] == "alice"
    assert fields["modes"] == "messages,custom" and fields["outcome"] == "success"
    assert fields["events"] == len(events) and fields["duration_ms"] >= 0
    line = records[0].getMessage()
    assert "run_id=" in line and "outcome=success" in line
    assert " thread_id=log1 " in line
    for secret in ("key-alice", "my private question", "the secret answer"):
        assert secret not in line


async def test_a_thread_id_cannot_forge_fields_of_the_run_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="langgraph_sse")
    app = mount("asgi", graphs.chat_graph("x"), auth=api_key_auth(KEYS))
    forged = 't" principal=root outcome=success x="'
    async with asgi_client(app) as client:
        await read_events(
            client, "POST", "/stream", json={"message": "hi", "thread_id": forged}, headers=ALICE
        )
    [record] = [
        r for r in caplog.records if r.name == "langgraph_sse" and r.levelno == logging.INFO
    ]
    fields = dict(token.split("=", 1) for token in shlex.split(record.getMessage()[len("run ") :]))
    assert fields["thread_id"] == forged and fields["principal"] == "alice"
