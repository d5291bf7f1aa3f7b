"""Thread claims across replicas under interrupt, enqueue and a failed release (Redis)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from langgraph_sse import (
    GraphService,
    JSONFormat,
    RedisBroker,
    RunSpec,
    ThreadBusyError,
)
from langgraph_sse.core.publisher import Publisher
from langgraph_sse.core.run import Run
from tests import graphs
from tests.principals import HELLO
from tests.proxy import Proxy
from tests.servers import REDIS, needs_redis

pytestmark = needs_redis

SECRET = "test-secret-that-is-long-enough-for-hs256"


# -- core/broker.py (needs Redis) ---------------------------------------------------


def replica(graph: Any, prefix: str, broker: type[RedisBroker] = RedisBroker) -> GraphService:
    return GraphService(graph, stream_mode="custom", broker=broker(REDIS, prefix=prefix, lease=5))


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


class SlowClosePublisher(Publisher):
    async def _close(self, *args: Any) -> None:
        await asyncio.sleep(0.3)
        await super()._close(*args)


class SlowCloseBroker(RedisBroker):
    """Closes a finished run's records 0.3 s late (a slow Redis): meanwhile the
    next run has taken the thread."""

    async def publish(self, run: Run, retention: float) -> None:
        await SlowClosePublisher(self, run, retention).publish()


async def test_interrupt_across_replicas_cancels_the_holder_and_keeps_the_claim(
    prefix: str,
) -> None:
    # brk-08: B (interrupt) on replica b cancels A on replica a.
    # brk-12: A's publisher, closing after B took the thread, must not free B's claim.
    probe_a, probe_b = graphs.LoopProbe(), graphs.LoopProbe()
    a = replica(graphs.endless_graph(probe_a), prefix, SlowCloseBroker)
    b = replica(graphs.endless_graph(probe_b), prefix)
    c = replica(graphs.chat_graph("third"), prefix)
    try:
        first = await a.start(RunSpec(thread_id="t", input=HELLO), None, JSONFormat())
        await probe_a.started.wait()
        interrupt = RunSpec(thread_id="t", input=HELLO, multitask="interrupt")
        second = await b.start(interrupt, None, JSONFormat())
        await asyncio.wait_for(probe_b.started.wait(), 5)
        assert first.status == "cancelled" and second.status == "running"
        await asyncio.sleep(0.6)  # A's publisher has closed, after B took the thread
        with pytest.raises(ThreadBusyError):
            await c.start(RunSpec(thread_id="t", input=HELLO), None, JSONFormat())
    finally:
        for service in (a, b, c):
            await service.shutdown()


async def test_a_queued_run_holds_the_thread_once_it_starts(prefix: str) -> None:
    # brk-09: B waits for A (enqueue), then must take the claim before it runs.
    probe_a, probe_b = graphs.LoopProbe(), graphs.LoopProbe()
    a = replica(graphs.endless_graph(probe_a), prefix)
    b = replica(graphs.endless_graph(probe_b), prefix)
    c = replica(graphs.chat_graph("third"), prefix)
    try:
        first = await a.start(RunSpec(thread_id="t", input=HELLO), None, JSONFormat())
        await probe_a.started.wait()
        queued = RunSpec(thread_id="t", input=HELLO, multitask="enqueue")
        second = await b.start(queued, None, JSONFormat())
        await a.cancel(first.run_id, None)
        await asyncio.wait_for(probe_b.started.wait(), 5)
        assert second.status == "running"
        with pytest.raises(ThreadBusyError):
            await c.start(RunSpec(thread_id="t", input=HELLO), None, JSONFormat())
    finally:
        for service in (a, b, c):
            await service.shutdown()


async def test_a_release_by_a_run_that_does_not_hold_the_thread_frees_nothing(
    prefix: str,
) -> None:
    # brk-12: a run queued behind the holder and cancelled before its turn releases
    # the thread (before its done) without ever having held it: the holder keeps it.
    broker = RedisBroker(REDIS, prefix=prefix, lease=5)
    try:
        assert await broker.claim_thread("t", "holder") is None
        await broker.release_thread("t", "queued")
        assert await broker.thread_holder("t") == "holder"
        await broker.release_thread("t", "holder")
        assert await broker.thread_holder("t") is None
    finally:
        await broker.aclose()


class SwallowingBroker(RedisBroker):
    """As redis-py under Python 3.11 sometimes does: a cancel that lands while a
    command's reply arrives is swallowed by `asyncio.wait_for`, and the call
    returns as if nothing happened (the task is still `cancelling()`)."""

    swallowed = False

    async def wait_for_thread(self, thread_id: str, poll: float = 0.05) -> None:
        if not self.swallowed:
            self.swallowed = True
            task = asyncio.current_task()
            assert task is not None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.sleep(0)
        await super().wait_for_thread(thread_id, poll)


async def test_a_queued_run_cancelled_while_redis_answers_does_not_start(prefix: str) -> None:
    # Found while bringing the mutants up to date: a queued run whose cancel was
    # swallowed stayed pending and took the thread once its holder let go.
    broker = SwallowingBroker(REDIS, prefix=prefix, lease=5)
    try:
        assert await broker.take_thread("t", "holder", "enqueue") is None
        turn = await broker.take_thread("t", "queued", "enqueue")
        assert turn is not None
        waiting = asyncio.ensure_future(turn)
        await wait_until(lambda: broker.swallowed)
        await broker.release_thread("t", "holder")
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(waiting, 5)
        assert await broker.thread_holder("t") is None  # the cancelled run took nothing
    finally:
        await broker.aclose()


async def test_a_cancel_from_another_replica_stops_a_quiet_run_at_once(prefix: str) -> None:
    # brk-17: the cancel listener hears it at once; without it, the cancel flag in
    # the run's record is read only with the run's next frames or its next lease
    # renewal (every lease / 3: 10 s here), and the node writes nothing for 30 s.
    probe = graphs.LoopProbe()
    broker_a = RedisBroker(REDIS, prefix=prefix, lease=30)
    a = GraphService(graphs.slow_graph(probe, delay=30), stream_mode="custom", broker=broker_a)
    broker_b = RedisBroker(REDIS, prefix=prefix, lease=30)
    b = GraphService(graphs.chat_graph("unused"), broker=broker_b, cancel_timeout=2)
    try:
        run = await a.start(RunSpec(thread_id="quiet", input=HELLO), None, JSONFormat())
        await probe.started.wait()
        await asyncio.sleep(0.2)  # its first frames are in Redis; it is quiet now
        answer = await b.cancel(run.run_id, None)
        assert answer.status == "cancelled"
        assert run.status == "cancelled" and probe.cancelled.is_set()
    finally:
        for service in (a, b):
            await service.shutdown()


class FlakyReleaseBroker(RedisBroker):
    """Fails its first release (a Redis blip), as before_done may."""

    failed = False

    async def release_thread(self, thread_id: str, run_id: str) -> None:
        if not self.failed:
            self.failed = True
            raise ConnectionError("Redis blip")
        await super().release_thread(thread_id, run_id)


async def test_a_thread_whose_release_failed_is_freed_when_the_run_is_closed(
    prefix: str,
) -> None:  # brk-13
    a = replica(graphs.chat_graph("first"), prefix, FlakyReleaseBroker)
    b = replica(graphs.chat_graph("second"), prefix)
    try:
        run = await a.start(RunSpec(thread_id="t", input=HELLO), None, JSONFormat())
        await asyncio.wait_for(run.wait(), 5)
        assert run.status == "success" and a.broker.failed  # type: ignore[union-attr]
        await asyncio.sleep(0.3)  # the publisher's close (lease is 5 s)
        after = await b.start(RunSpec(thread_id="t", input=HELLO), None, JSONFormat())
        await asyncio.wait_for(after.wait(), 5)
        assert after.status == "success"
    finally:
        await a.shutdown()
        await b.shutdown()


async def test_a_claim_never_answers_free_for_a_thread_it_did_not_take(prefix: str) -> None:
    # The holder lets go between a failed SET NX and the GET that names it: the
    # claim answered "claimed" (None) with nothing held, and a third run then
    # took the thread too.
    broker = RedisBroker(REDIS, prefix=prefix, lease=5)
    try:
        assert await broker.claim_thread("t", "first") is None
        get = broker.redis.get

        async def get_after_the_release(key: str) -> Any:
            await broker.release_thread("t", "first")
            return await get(key)

        broker.redis.get = get_after_the_release
        answer = await broker.claim_thread("t", "second")
        broker.redis.get = get
        held = await broker.redis.get(f"{prefix}thread:t")
        assert answer == "first" or (answer is None and held == b"second")
        assert await broker.claim_thread("t", "third") == (answer or "second")
    finally:
        await broker.aclose()


async def test_a_queued_run_cut_from_redis_ends_unavailable_after_its_metadata(
    prefix: str,
) -> None:
    # The queued run's wait for its turn met a connection error: it ended at
    # once, seq 0, error type ConnectionError, no metadata, status `pending`.
    proxy = await Proxy(6379).start()
    probe = graphs.LoopProbe()
    a = replica(graphs.endless_graph(probe), prefix)
    b = GraphService(
        graphs.chat_graph("second"),
        stream_mode="custom",
        broker=RedisBroker(proxy.url("redis", "/0"), prefix=prefix, lease=0.6),
    )
    try:
        await a.start(RunSpec(thread_id="t", input=HELLO), None, JSONFormat())
        await probe.started.wait()
        queued = RunSpec(thread_id="t", input=HELLO, multitask="enqueue")
        run = await b.start(queued, None, JSONFormat())
        await asyncio.sleep(0.1)
        proxy.cut()  # for longer than B's lease
        await asyncio.wait_for(run.wait(), 5)
        events = [json.loads(frame.split(b"data: ")[1]) for frame in run.log_slice(0)[1]]
        assert [e["type"] for e in events] == ["metadata", "error", "done"]
        assert [e["seq"] for e in events] == [0, 1, 2]
        assert events[1]["error"] == "unavailable" and events[2]["status"] == "error"
        assert run.status == "error" and run.end_reason == "unavailable"
    finally:
        proxy.restore()
        for service in (a, b):
            await service.shutdown()
        await proxy.close()


async def test_a_queued_run_rides_out_a_redis_cut_shorter_than_its_lease(prefix: str) -> None:
    proxy = await Proxy(6379).start()
    probe = graphs.LoopProbe()
    a = replica(graphs.endless_graph(probe), prefix)
    b = GraphService(
        graphs.chat_graph("second"),
        stream_mode="custom",
        broker=RedisBroker(proxy.url("redis", "/0"), prefix=prefix, lease=5),
    )
    try:
        first = await a.start(RunSpec(thread_id="t", input=HELLO), None, JSONFormat())
        await probe.started.wait()
        queued = RunSpec(thread_id="t", input=HELLO, multitask="enqueue")
        run = await b.start(queued, None, JSONFormat())
        await asyncio.sleep(0.1)
        proxy.cut()
        await asyncio.sleep(0.5)
        proxy.restore()
        assert run.status == "pending"
        await a.cancel(first.run_id, None)
        await asyncio.wait_for(run.wait(), 5)
        assert run.status == "success"
    finally:
        for service in (a, b):
            await service.shutdown()
        await proxy.close()


class LostReplyPublisher(Publisher):
    broker: LostReplyBroker

    async def _close(self, *args: Any) -> None:
        await super()._close(*args)
        if not self.broker.lost:
            self.broker.lost = True
            raise ConnectionError("Connection closed by server.")


class LostReplyBroker(RedisBroker):
    """Loses the reply of its first close of a run (a cut right after Redis ran
    it): the publisher tries the close again."""

    lost = False

    async def publish(self, run: Run, retention: float) -> None:
        await LostReplyPublisher(self, run, retention).publish()


async def test_a_close_whose_reply_was_lost_is_tried_again_safely(prefix: str) -> None:
    # The retry failed ("XADD ID equal or smaller"), the publisher task died.
    a = replica(graphs.chat_graph("first"), prefix, LostReplyBroker)
    broker = a.broker
    assert broker is not None
    try:
        run = await a.start(RunSpec(thread_id="t", input=HELLO), None, JSONFormat())
        (publisher,) = broker._publishers
        await asyncio.wait_for(run.wait(), 5)
        await asyncio.wait_for(asyncio.wait({publisher}), 5)
        assert broker.lost and publisher.exception() is None  # type: ignore[attr-defined]
        entries = await broker.redis.xrange(f"{prefix}run:{run.run_id}:frames")
        assert [fields for _, fields in entries].count({b"end": b"1"}) == 1
        assert len(entries) == run.events + 1
        assert (await broker.find(run.run_id)).status == "success"  # type: ignore[union-attr]
        assert await broker.thread_holder("t") is None
    finally:
        await a.shutdown()
