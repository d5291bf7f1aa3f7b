"""When the replica running a run copies its frames to Redis (core/publisher.py):
a frame after a pause at once, not `batch_interval` later; the run's last frames
as soon as it ends. With a `batch_interval` of 30 s, a follower on another replica
gets them only if they are not held for the interval. A copy is safe to repeat:
one whose reply was lost to a cut is tried again without copying a frame twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph

from langgraph_sse import GraphService, JSONFormat, RedisBroker, RunSpec
from langgraph_sse.core.publisher import Publisher
from langgraph_sse.core.run import Run
from tests.graphs import State
from tests.principals import HELLO
from tests.servers import REDIS, needs_redis

pytestmark = needs_redis

HOLD = 30.0
"""The brokers' `batch_interval`: longer than any test may wait (see `within`)."""


def gated_graph(gate: asyncio.Event) -> Any:
    """A node that writes its first output, waits for `gate`, then writes its second."""

    async def speak(state: State) -> dict[str, Any]:
        write = get_stream_writer()
        write({"token": "first"})
        await gate.wait()
        write({"token": "second"})
        return {}

    builder = StateGraph(State)
    builder.add_node("speak", speak)
    builder.add_edge(START, "speak")
    builder.add_edge("speak", END)
    return builder.compile()


async def within(step: Any, seconds: float = 10.0) -> Any:
    """`step` awaited, or a failure well before `HOLD` has passed (a hang guard)."""
    return await asyncio.wait_for(step, seconds)


async def read_until(frames: AsyncIterator[bytes], marker: bytes, seen: bytearray) -> None:
    """Read `frames` into `seen` until `marker` is among them."""
    while marker not in seen:
        seen += await anext(frames)


async def test_a_follower_on_another_replica_gets_the_first_output_while_the_graph_waits(
    prefix: str,
) -> None:
    gate = asyncio.Event()
    a = GraphService(
        gated_graph(gate), broker=RedisBroker(REDIS, prefix=prefix, batch_interval=HOLD)
    )
    b = GraphService(
        gated_graph(gate), broker=RedisBroker(REDIS, prefix=prefix, batch_interval=HOLD)
    )
    try:
        spec = RunSpec(input=HELLO, stream_mode=("custom",))
        run = await a.start(spec, None, JSONFormat())
        _, frames = await b.join(run.run_id, None, JSONFormat())
        assert frames is not None
        seen = bytearray()
        # Copied to Redis while the graph still waits for the gate, not HOLD later.
        await within(read_until(frames, b'"first"', seen))
        assert not run.finished and b'"second"' not in seen
        gate.set()
        # The run's last frames are copied as soon as it ends, not HOLD later.
        await within(read_until(frames, b"event: done", seen))
        assert seen.index(b'"first"') < seen.index(b'"second"') < seen.index(b"event: done")
        assert b'"status":"success"' in seen[seen.index(b"event: done") :]
    finally:
        gate.set()
        await a.shutdown()
        await b.shutdown()


class LostCopyReplyPublisher(Publisher):
    broker: LostCopyReplyBroker

    async def _copy(self, copied: tuple[int, int]) -> tuple[int, int]:
        mark = await super()._copy(copied)
        if not self.broker.lost and mark != copied:
            # Redis copied the frames, but the reply is lost to a cut.
            self.broker.lost = True
            raise ConnectionError("Connection closed by server.")
        return mark


class LostCopyReplyBroker(RedisBroker):
    """Loses the reply of the first copy of a run's frames to Redis: the
    publisher tries it again."""

    lost = False

    async def publish(self, run: Run, retention: float) -> None:
        await LostCopyReplyPublisher(self, run, retention).publish()


async def test_a_copy_whose_reply_was_lost_is_not_copied_twice(prefix: str) -> None:
    gate = asyncio.Event()
    broker = LostCopyReplyBroker(REDIS, prefix=prefix, batch_interval=HOLD)
    a = GraphService(gated_graph(gate), broker=broker)
    try:
        run = await a.start(RunSpec(input=HELLO, stream_mode=("custom",)), None, JSONFormat())
        (publisher,) = broker._publishers
        gate.set()
        await within(run.wait())
        await within(asyncio.wait({publisher}))
        assert broker.lost
        assert publisher.exception() is None
        entries = await broker.redis.xrange(f"{prefix}run:{run.run_id}:frames")
        frames = [fields[b"f"] for _, fields in entries if b"f" in fields]
        assert frames == run.log_slice(0)[1]  # each frame once, in order
        assert [fields for _, fields in entries].count({b"end": b"1"}) == 1
        assert (await broker.find(run.run_id)).status == "success"  # type: ignore[union-attr]
    finally:
        gate.set()
        await a.shutdown()


class CountingPublisher(Publisher):
    broker: CountingBroker

    async def _copy(self, copied: tuple[int, int]) -> tuple[int, int]:
        mark = await super()._copy(copied)
        if mark[0] > copied[0]:
            self.broker.copies.append(mark[0] - copied[0])
        return mark


class CountingBroker(RedisBroker):
    """Records how many frames each copy to Redis carried."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.copies: list[int] = []

    async def publish(self, run: Run, retention: float) -> None:
        await CountingPublisher(self, run, retention).publish()


async def _frames_per_copy(prefix: str, runs: int) -> float:
    from tests.graphs import LoopProbe, endless_graph

    broker = CountingBroker(REDIS, prefix=prefix, batch_interval=0.02)
    service = GraphService(endless_graph(LoopProbe()), broker=broker)
    try:
        spec = RunSpec(input=HELLO, stream_mode=("custom",))
        started = [await service.start(spec, None, JSONFormat()) for _ in range(runs)]
        await asyncio.sleep(0.3)
        broker.copies.clear()  # from here on, every run is publishing
        await asyncio.sleep(0.6)
        copies = list(broker.copies)
        for run in started:
            run.cancel()
    finally:
        await service.shutdown()
    return sum(copies) / len(copies)


async def test_the_more_runs_a_replica_publishes_the_more_frames_share_a_copy(
    prefix: str,
) -> None:
    # Each run writes a frame every 10 ms; batch_interval is 20 ms. Alone, a run's
    # frames go to Redis about two to a copy; with ten runs publishing, a burst
    # waits longer (up to MAX_BURST_INTERVAL): fewer round trips for as many frames.
    alone = await _frames_per_copy(prefix + "one:", 1)
    together = await _frames_per_copy(prefix + "ten:", 10)
    assert alone < 3.5, alone
    assert together > 2 * alone, (alone, together)
