"""The Redis broker between replicas (two services in one process, one Redis)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from httpx_sse import EventSource, aconnect_sse

from langgraph_sse import (
    GraphService,
    JSONFormat,
    NotFound,
    RedisBroker,
    RunSpec,
    ThreadBusyError,
    Unavailable,
    api_key_auth,
    make_asgi_app,
)
from tests import graphs
from tests.conftest import Serve, read_events
from tests.principals import HELLO
from tests.protocols.native.test_attacks import SlowSaver
from tests.proxy import Proxy
from tests.servers import REDIS, needs_redis

pytestmark = needs_redis


def replica(graph: object, prefix: str, lease: float) -> GraphService:
    return GraphService(graph, broker=RedisBroker(REDIS, prefix=prefix, lease=lease))  # type: ignore[arg-type]


async def test_the_thread_claim_holds_while_a_node_is_quiet_longer_than_the_lease(
    prefix: str,
) -> None:
    probe = graphs.LoopProbe()
    a = replica(graphs.slow_graph(probe, delay=1.5), prefix, lease=0.3)
    b = replica(graphs.chat_graph("fork"), prefix, lease=0.3)
    try:
        run = await a.start(RunSpec(thread_id="quiet", input=HELLO), None, JSONFormat())
        await probe.started.wait()
        await asyncio.sleep(1.0)  # the node writes nothing for three leases
        with pytest.raises(ThreadBusyError):
            await b.start(RunSpec(thread_id="quiet", input=HELLO), None, JSONFormat())
        await asyncio.wait_for(run.wait(), 5)
        assert run.status == "success"
        after = await b.start(RunSpec(thread_id="quiet", input=HELLO), None, JSONFormat())
        await asyncio.wait_for(after.wait(), 5)
        assert after.status == "success"
    finally:
        await a.shutdown()
        await b.shutdown()


async def test_a_new_thread_is_its_creators_on_every_replica(prefix: str, serve: Serve) -> None:
    # Two replicas share one checkpointer (a slow one: the thread's first
    # checkpoint comes late) and one Redis; Bob asks replica B for the thread
    # Alice has just started on replica A.
    saver = SlowSaver(0.3)
    auth = api_key_auth({"key-alice": "alice", "key-bob": "bob"})
    urls, services = [], []
    for _ in range(2):
        graph = graphs.agent_graph(graphs.fake_model("reply 0", "reply 1"), saver)
        services.append(GraphService(graph, auth=auth, broker=RedisBroker(REDIS, prefix=prefix)))
        urls.append(await serve(make_asgi_app(services[-1])))
    try:
        await _alice_keeps_her_new_thread(urls)
    finally:
        for service in services:
            await service.shutdown()


async def _alice_keeps_her_new_thread(urls: list[str]) -> None:
    alice, bob = {"X-API-Key": "key-alice"}, {"X-API-Key": "key-bob"}
    async with httpx.AsyncClient(timeout=10) as client:
        started = await client.post(
            f"{urls[0]}/runs", json={"message": "alice's", "thread_id": "fresh"}, headers=alice
        )
        assert started.status_code == 202
        for strategy in ("enqueue", "interrupt"):
            body = {"message": "bob's", "thread_id": "fresh", "multitask_strategy": strategy}
            refused = await client.post(f"{urls[1]}/runs", json=body, headers=bob)
            assert refused.status_code == 404, strategy
        run = f"{urls[0]}/runs/{started.json()['run_id']}"
        for _ in range(200):
            if (await client.get(run, headers=alice)).json()["status"] == "success":
                break
            await asyncio.sleep(0.02)
        state = await client.get(f"{urls[1]}/threads/fresh/state", headers=alice)
        assert [m["content"] for m in state.json()["values"]["messages"]] == ["alice's", "reply 0"]
        assert (await client.get(f"{urls[1]}/threads/fresh/state", headers=bob)).status_code == 404


async def test_a_finished_run_read_to_its_end_on_another_replica_has_nothing_more(
    prefix: str,
) -> None:
    a = replica(graphs.chat_graph("one two three"), prefix, lease=5)
    b = replica(graphs.chat_graph("unused"), prefix, lease=5)
    try:
        run = await a.start(RunSpec(thread_id="t", input=HELLO), None, JSONFormat())
        await run.wait()
        await a.shutdown()  # its last frames are in Redis
        last = run.events - 1
        remote, frames = await b.join(run.run_id, None, JSONFormat(), last_event_id=str(last))
        assert remote.finished and frames is None
        _, frames = await b.join(run.run_id, None, JSONFormat(), last_event_id=str(last - 1))
        assert frames is not None
        assert b"".join([chunk async for chunk in frames]).startswith(b"event: done\n")
    finally:
        await b.shutdown()


class SlowReleaseBroker(RedisBroker):
    """Frees a thread 0.2 s late, as a slow Redis would."""

    async def release_thread(self, thread_id: str, run_id: str) -> None:
        await asyncio.sleep(0.2)
        await super().release_thread(thread_id, run_id)


async def test_whoever_sees_done_finds_the_thread_free_on_any_replica(prefix: str) -> None:
    a = GraphService(
        graphs.chat_graph("first"), broker=SlowReleaseBroker(REDIS, prefix=prefix, lease=5)
    )
    b = replica(graphs.chat_graph("second"), prefix, lease=5)
    try:
        run = await a.start(RunSpec(thread_id="next", input=HELLO), None, JSONFormat())
        async for chunk in run.chunks():
            if b"event: done" in chunk:
                # the client goes on at once, on another replica
                after = await b.start(RunSpec(thread_id="next", input=HELLO), None, JSONFormat())
                await asyncio.wait_for(after.wait(), 5)
                assert after.status == "success"
    finally:
        await a.shutdown()
        await b.shutdown()


async def test_finished_runs_expire_after_their_retention_here_and_in_redis(prefix: str) -> None:
    broker = RedisBroker(REDIS, prefix=prefix, lease=5)
    service = GraphService(graphs.chat_graph("x"), broker=broker, run_retention=0.5)
    other = replica(graphs.chat_graph("y"), prefix, lease=5)
    try:
        run = await service.start(RunSpec(thread_id="r", input=HELLO), None, JSONFormat())
        await run.wait()
        await asyncio.sleep(0.1)  # the publisher's last copy
        assert await service.find(run.run_id, None) is run
        remote = await other.find(run.run_id, None)
        assert remote.finished and remote.status == "success"
        for key in (f"{prefix}run:{run.run_id}", f"{prefix}run:{run.run_id}:frames"):
            assert 0 < await broker.redis.pttl(key) <= 500
        await asyncio.sleep(0.7)
        for replica_ in (service, other):
            with pytest.raises(NotFound):
                await replica_.find(run.run_id, None)
    finally:
        await service.shutdown()
        await other.shutdown()


async def test_a_redis_cut_on_the_running_replica_loses_no_frame_for_followers(
    prefix: str, serve: Serve
) -> None:
    proxy = await Proxy(6379).start()
    probe = graphs.LoopProbe()
    broker = RedisBroker(proxy.url("redis", "/0"), prefix=prefix, lease=5)
    a = GraphService(graphs.endless_graph(probe), stream_mode="custom", broker=broker)
    b = replica(graphs.chat_graph("unused"), prefix, lease=5)
    base_a = await serve(make_asgi_app(a))
    try:
        run = await a.start(RunSpec(thread_id="cut", input=HELLO), None, JSONFormat())
        await probe.started.wait()
        await asyncio.sleep(0.2)
        _, frames = await b.join(run.run_id, None, JSONFormat())
        assert frames is not None
        follower = asyncio.create_task(_read_all(frames))

        proxy.cut()  # Redis is gone for the running replica, for a second
        async with httpx.AsyncClient(base_url=base_a, timeout=10) as client:
            refused = await client.post("/runs", json={"message": "hi", "thread_id": "other"})
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "1" and "Redis" in refused.json()["detail"]
        await asyncio.sleep(1.0)
        proxy.restore()

        await asyncio.sleep(0.5)
        await a.cancel(run.run_id, None)
        events = await asyncio.wait_for(follower, 10)
        assert [e["seq"] for e in events] == list(range(len(events)))  # no gap, no duplicate
        assert events[-1] == {**events[-1], "type": "done", "status": "cancelled"}
        assert len(events) == run.events  # every frame of the run reached the follower
        assert (await b.find(run.run_id, None)).status == "cancelled"
    finally:
        await a.shutdown()
        await b.shutdown()
        await proxy.close()


async def _read_all(frames: AsyncIterator[bytes]) -> list[dict[str, Any]]:
    body = b"".join([chunk async for chunk in frames])
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
    return [json.loads(sse.data) async for sse in EventSource(response).aiter_sse()]


async def test_a_run_whose_replica_died_ends_lost_for_its_followers(
    prefix: str, serve: Serve
) -> None:
    probe = graphs.LoopProbe()
    dying = RedisBroker(REDIS, prefix=prefix, lease=0.6)
    a = GraphService(graphs.endless_graph(probe), stream_mode="custom", broker=dying)
    b = replica(graphs.chat_graph("unused"), prefix, lease=0.6)
    base_b = await serve(make_asgi_app(b))
    try:
        run = await a.start(RunSpec(thread_id="lost", input=HELLO), None, JSONFormat())
        await probe.started.wait()
        async with httpx.AsyncClient(base_url=base_b, timeout=10) as client:
            events: list[dict[str, Any]] = []

            async def follow() -> None:
                async with aconnect_sse(client, "GET", f"/runs/{run.run_id}/stream") as source:
                    assert source.response.status_code == 200
                    async for sse in source.aiter_sse():
                        events.append(json.loads(sse.data))

            follower = asyncio.create_task(follow())
            while len(events) < 5:
                await asyncio.sleep(0.02)
            # Replica A dies as under kill -9: from Redis's side it just goes
            # silent (no last frames, no renewals, nothing released).
            for publisher in dying._publishers:
                publisher.cancel()
            await asyncio.wait_for(follower, 20)
            assert [e["seq"] for e in events] == list(range(len(events)))
            assert events[-2] == {**events[-2], "type": "error", "error": "lost"}
            assert events[-1] == {**events[-1], "type": "done", "status": "error"}
            status = (await client.get(f"/runs/{run.run_id}")).json()["status"]
            assert status == "error"
            again = await client.get(
                f"/runs/{run.run_id}/stream", headers={"Last-Event-ID": str(events[-1]["seq"])}
            )
            assert again.status_code == 204  # read to its end: nothing more
        for key in (f"{prefix}run:{run.run_id}", f"{prefix}run:{run.run_id}:frames"):
            assert 0 < await b.broker.redis.pttl(key) <= 60_000  # type: ignore[union-attr]
    finally:
        run.cancel()
        await a.shutdown()
        await b.shutdown()


async def test_a_follower_whose_redis_is_cut_ends_and_resumes_later(
    prefix: str, serve: Serve
) -> None:
    proxy = await Proxy(6379).start()
    probe = graphs.LoopProbe()
    a = GraphService(
        graphs.endless_graph(probe),
        stream_mode="custom",
        broker=RedisBroker(REDIS, prefix=prefix, lease=5),
    )
    b = GraphService(
        graphs.chat_graph("unused"),
        broker=RedisBroker(proxy.url("redis", "/0"), prefix=prefix, lease=0.5),
    )
    base_b = await serve(make_asgi_app(b))
    try:
        run = await a.start(RunSpec(thread_id="far", input=HELLO), None, JSONFormat())
        await probe.started.wait()
        async with httpx.AsyncClient(base_url=base_b, timeout=10) as client:
            relayed: list[Any] = []
            async with aconnect_sse(client, "GET", f"/runs/{run.run_id}/stream") as source:
                async for sse in source.aiter_sse():
                    relayed.append(sse)
                    if len(relayed) == 10:
                        proxy.cut()  # B loses Redis; the run goes on on A
            ending = [json.loads(sse.data) for sse in relayed[-2:]]
            assert [e["type"] for e in ending] == ["error", "done"]
            assert ending[0]["error"] == "unavailable" and ending[1]["status"] == "error"
            last_id = relayed[-3].id  # the endings have no id of their own
            assert [sse.id for sse in relayed[-2:]] == [last_id, last_id]
            proxy.restore()
            await a.cancel(run.run_id, None)
            await asyncio.sleep(0.3)
            rest = await read_events(
                client, "GET", f"/runs/{run.run_id}/stream", headers={"Last-Event-ID": last_id}
            )
        seen = [json.loads(sse.data) for sse in relayed[:-2]] + rest
        assert [e["seq"] for e in seen] == list(range(len(seen)))  # nothing lost
        assert seen[-1] == {**seen[-1], "type": "done", "status": "cancelled"}
    finally:
        await a.shutdown()
        await b.shutdown()
        await proxy.close()


async def test_a_run_cut_from_redis_longer_than_its_lease_stops_before_another_can_fork(
    prefix: str,
) -> None:
    proxy = await Proxy(6379).start()
    probe = graphs.LoopProbe()
    a = GraphService(
        graphs.slow_graph(probe, delay=5),
        broker=RedisBroker(proxy.url("redis", "/0"), prefix=prefix, lease=0.6),
    )
    b = replica(graphs.chat_graph("second"), prefix, lease=0.6)
    try:
        run = await a.start(RunSpec(thread_id="fence", input=HELLO), None, JSONFormat())
        await probe.started.wait()
        proxy.cut()  # A can no longer renew its claim; Redis lets it lapse
        await asyncio.wait_for(run.wait(), 3)  # stopped within its lease, not after 5 s
        assert probe.cancelled.is_set()
        assert run.status == "error" and run.end_reason == "unavailable"
        _, frames = await a.join(run.run_id, None, JSONFormat())
        assert frames is not None
        ending = [
            json.loads(line[6:])
            for line in b"".join([f async for f in frames]).split(b"\n")
            if line.startswith(b"data: ")
        ][-2:]
        assert [e["type"] for e in ending] == ["error", "done"]
        assert ending[0]["error"] == "unavailable"
        await asyncio.sleep(0.7)  # the claim's lease in Redis runs out
        after = await b.start(RunSpec(thread_id="fence", input=HELLO), None, JSONFormat())
        await asyncio.wait_for(after.wait(), 5)
        assert after.status == "success"  # the thread has one writer at a time
    finally:
        proxy.restore()
        await a.shutdown()
        await b.shutdown()
        await proxy.close()


async def test_a_follower_of_a_queued_run_waits_for_its_first_frame(prefix: str) -> None:
    # The queued run has no frames in Redis until its turn comes: that is not the
    # end of it (a follower elsewhere got an empty stream without `done`).
    probe = graphs.LoopProbe()
    a = replica(graphs.slow_graph(probe, delay=1.5), prefix, lease=5)  # past a 1 s XREAD
    b = replica(graphs.chat_graph("unused"), prefix, lease=5)
    try:
        first = await a.start(RunSpec(thread_id="queue", input=HELLO), None, JSONFormat())
        queued = RunSpec(thread_id="queue", input=HELLO, multitask="enqueue")
        second = await a.start(queued, None, JSONFormat())
        assert second.status == "pending"
        remote, frames = await b.join(second.run_id, None, JSONFormat())
        assert remote.status == "pending" and frames is not None
        events = await asyncio.wait_for(_read_all(frames), 10)
        assert first.status == "success"
        assert [e["seq"] for e in events] == list(range(len(events)))
        assert events[0] == {**events[0], "type": "metadata", "run_id": second.run_id}
        assert events[-1] == {**events[-1], "type": "done", "status": "success"}
    finally:
        await a.shutdown()
        await b.shutdown()


class SlowAfterReleaseBroker(RedisBroker):
    """Answers a thread's release late (a slow event loop or Redis reply): the
    run's lease renewal falls in between, and finds the thread free."""

    async def release_thread(self, thread_id: str, run_id: str) -> None:
        await super().release_thread(thread_id, run_id)
        await asyncio.sleep(0.2)


async def test_a_run_that_freed_its_thread_as_it_ends_is_not_taken_for_lost(
    prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Its publisher's renewal found the claim gone and stopped the run again
    # ("its lease was lost"): a cancelled run ended without `done`.
    probe = graphs.LoopProbe()
    broker = SlowAfterReleaseBroker(REDIS, prefix=prefix, lease=0.3)
    a = GraphService(graphs.endless_graph(probe), stream_mode="custom", broker=broker)
    try:
        run = await a.start(RunSpec(thread_id="t", input=HELLO), None, JSONFormat())
        await probe.started.wait()
        await asyncio.sleep(0.05)
        run.cancel()
        await asyncio.wait_for(run.wait(), 5)
        seqs, frames = run.log_slice(0)
        assert run.status == "cancelled" and run.end_reason is None
        assert frames[-1].startswith(b"event: done\n") and b'"cancelled"' in frames[-1]
        done = await a.join(run.run_id, None, JSONFormat(), last_event_id=str(seqs[-1]))
        assert done[1] is None
        assert "lease was lost" not in caplog.text
    finally:
        await a.shutdown()


async def test_a_run_that_ends_during_a_cut_shorter_than_its_lease_is_not_lost(
    prefix: str,
) -> None:
    # The run ends (cancelled on its own replica) while that replica's Redis is
    # cut for 2 s of a 3 s lease: once Redis is back its sign of life must be
    # renewed before it lapses, so followers elsewhere get the real end, not `lost`.
    proxy = await Proxy(6379).start()
    probe = graphs.LoopProbe()
    a = GraphService(
        graphs.endless_graph(probe),
        stream_mode="custom",
        broker=RedisBroker(proxy.url("redis", "/0"), prefix=prefix, lease=3),
    )
    b = replica(graphs.chat_graph("unused"), prefix, lease=3)
    try:
        run = await a.start(RunSpec(thread_id="short-cut", input=HELLO), None, JSONFormat())
        await probe.started.wait()
        await asyncio.sleep(0.2)
        _, frames = await b.join(run.run_id, None, JSONFormat())
        assert frames is not None
        follower = asyncio.create_task(_read_all(frames))
        proxy.cut()
        await asyncio.sleep(0.1)
        run.cancel()  # a local cancel: the run ends during the cut
        await asyncio.sleep(1.9)
        proxy.restore()
        statuses = set()
        while not follower.done():  # as followers and status readers on B see it
            statuses.add((await b.find(run.run_id, None)).status)
            await asyncio.sleep(0.02)
        events = await asyncio.wait_for(follower, 10)
        assert "error" not in statuses
        assert [e["seq"] for e in events] == list(range(len(events)))
        assert events[-1] == {**events[-1], "type": "done", "status": "cancelled"}
        assert len(events) == run.events  # the real end, not an ending of B's own
        assert not await b.broker.redis.hexists(f"{prefix}run:{run.run_id}", "lost")  # type: ignore[union-attr]
    finally:
        await a.shutdown()
        await b.shutdown()
        await proxy.close()


async def test_a_cancel_asked_while_the_running_replica_is_cut_off_reaches_it(
    prefix: str,
) -> None:
    # B asks for the cancel while A's cancel listener is cut from Redis: the
    # message is gone, the ask must not be.
    proxy = await Proxy(6379).start()
    probe = graphs.LoopProbe()
    a = GraphService(
        graphs.endless_graph(probe),
        stream_mode="custom",
        broker=RedisBroker(proxy.url("redis", "/0"), prefix=prefix, lease=5),
    )
    b = replica(graphs.chat_graph("unused"), prefix, lease=5)
    try:
        run = await a.start(RunSpec(thread_id="deaf", input=HELLO), None, JSONFormat())
        await probe.started.wait()
        proxy.cut()
        await asyncio.sleep(0.2)
        await b.broker.cancel(run.run_id)  # type: ignore[union-attr]
        await asyncio.sleep(0.5)
        proxy.restore()
        await asyncio.wait_for(run.wait(), 5)
        assert run.status == "cancelled" and probe.cancelled.is_set()
    finally:
        await a.shutdown()
        await b.shutdown()
        await proxy.close()


async def test_connections_kept_through_a_redis_cut_do_not_fail_requests_later(
    prefix: str,
) -> None:
    # Every pooled connection cut under the broker failed once, on its first
    # use after Redis was back, however much later: a request that drew one got
    # a 503 long after the cut.
    proxy = await Proxy(6379).start()
    broker = RedisBroker(proxy.url("redis", "/0"), prefix=prefix, lease=5)
    try:
        await asyncio.gather(*(broker.thread_holder(f"t{i}") for i in range(20)))  # 20 connections
        proxy.cut()
        await asyncio.sleep(0.2)
        proxy.restore()
        await asyncio.sleep(0.5)  # Redis is back
        holders = await asyncio.gather(*(broker.thread_holder(f"t{i}") for i in range(20)))
        assert holders == [None] * 20
        assert await broker.find("nothing") is None
    finally:
        await broker.aclose()
        await proxy.close()


def _quiet_graph_without_checkpointer(seconds: float) -> Any:
    """A node quiet for `seconds`, in a graph with no checkpointer: no thread to claim."""
    from langgraph.graph import END, START, StateGraph

    async def wait(state: graphs.State) -> dict[str, Any]:
        await asyncio.sleep(seconds)
        return {}

    builder = StateGraph(graphs.State)
    builder.add_node("wait", wait)
    builder.add_edge(START, "wait")
    builder.add_edge("wait", END)
    return builder.compile()


async def test_a_run_without_a_thread_to_claim_outlives_its_lease(prefix: str) -> None:
    # Without a checkpointer no thread is claimed; renewing the run's lease must
    # not take the missing claim for a lost one (it stopped every such run after
    # a third of its lease, with an `unavailable` error).
    service = replica(_quiet_graph_without_checkpointer(1.2), prefix, lease=0.3)
    try:
        run = await service.start(RunSpec(input=HELLO), None, JSONFormat())
        await asyncio.wait_for(run.wait(), 10)
        assert (run.status, run.end_reason) == ("success", None)
    finally:
        await service.shutdown()


async def test_runs_wait_for_a_free_redis_connection_rather_than_fail(prefix: str) -> None:
    # More runs at once than the broker has connections: each copy waits its turn
    # for one (redis-py's default pool raises past its size instead, which read
    # as Redis being down: a 503 or an `unavailable` error).
    graph = graphs.chat_graph(*(f"reply {i} with several tokens" for i in range(40)))
    broker = RedisBroker(REDIS, prefix=prefix, max_connections=3)
    service = GraphService(graph, broker=broker)
    try:
        runs = await asyncio.gather(
            *(
                service.start(RunSpec(thread_id=f"t{i}", input=HELLO), None, JSONFormat())
                for i in range(40)
            )
        )
        await asyncio.wait_for(asyncio.gather(*(run.wait() for run in runs)), 30)
        assert [run.status for run in runs] == ["success"] * 40
    finally:
        await service.shutdown()


async def test_a_redis_that_goes_silent_fails_calls_instead_of_holding_them(prefix: str) -> None:
    # A server that accepts connections and never answers (a connection that went
    # silent, without a reset): every call gives up after socket_timeout, as if
    # Redis could not be reached (503), rather than waiting for good.
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # swallow what comes, answer nothing, until closed
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    broker = RedisBroker(f"redis://127.0.0.1:{port}/0", prefix=prefix, socket_timeout=0.1)
    service = GraphService(graphs.chat_graph("never"), broker=broker)
    try:
        with pytest.raises(Unavailable):
            await asyncio.wait_for(
                service.start(RunSpec(thread_id="silent", input=HELLO), None, JSONFormat()), 10
            )
        with pytest.raises(Unavailable):
            await asyncio.wait_for(service.find("some-run", None), 10)
    finally:
        await service.shutdown()
        server.close()
