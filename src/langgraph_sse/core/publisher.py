"""A local run's copy in Redis, kept by the replica running it.

[RedisBroker][langgraph_sse.core.broker.RedisBroker] starts a
[Publisher][langgraph_sse.core.publisher.Publisher] beside each run it shares: it
copies the run's frames to Redis in batches, keeps its status, renews its lease (its
sign of life and its thread claim), obeys a cancel flagged in its record, and, once
the run has ended, closes it (the `end` entry, the final status, its retention, its
thread freed). While Redis cannot be reached it retries, and stops a run whose lease
may have lapsed.

Copies are coalesced as HTTP writes are (see [Run.chunks][langgraph_sse.core.run.Run.chunks]),
without delaying the first: a frame that comes after a pause is copied at once;
frames that follow a copy within `batch_interval` wait out the rest of that
interval and go in one copy; the run's last frames are copied as soon as it ends.
A follower on another replica sees a slow model's tokens as they come, and a burst
costs one round trip to Redis per interval (a pipeline; the last frame Redis has is
read first only after a copy failed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from langgraph_sse.core.redis_scripts import CLOSE, RENEW_IF_HELD
from langgraph_sse.core.run import MAX_BURST_INTERVAL, Run

if TYPE_CHECKING:
    from langgraph_sse.core.broker import RedisBroker

__all__ = ["Publisher", "cancel_if_asked", "raise_if_cancelling"]

P = ParamSpec("P")
T = TypeVar("T")

logger = logging.getLogger("langgraph_sse")


class Publisher:
    """Copies one local run to Redis, from its first frame to its close.

    Args:
        broker: The broker sharing the run (its connection, keys and settings).
        run: The run, running in this process.
        retention: Seconds the run stays in Redis once finished.
    """

    def __init__(self, broker: RedisBroker, run: Run, retention: float) -> None:
        self.broker = broker
        self.run = run
        self.retention = retention
        self.redis: Any = broker.redis
        self.lease = broker.lease
        self._info_key = broker._info_key(run.run_id)
        self._frames_key = broker._frames_key(run.run_id)
        self._alive_key = broker._alive_key(run.run_id)
        self._lease_until = 0.0
        """Until when (event loop time) the run's lease surely holds in Redis."""
        self._unsure = False
        """Whether a copy failed since the last that went through: Redis may have
        its frames all the same (only its reply was lost)."""

    async def publish(self) -> None:
        """Copy the run's frames to Redis as they come, keep its status, renew its
        thread claim, then mark it finished with `retention` seconds to live.
        Runs until the run has ended.

        While Redis cannot be reached it retries, with backoff, and goes on from
        the first frame Redis does not have: followers on other replicas see the
        frames late, never lose them."""
        run, broker = self.run, self.broker
        broker._local[run.run_id] = run
        copied = (0, 0)  # (log position, seq of the last frame) copied to Redis
        loop = asyncio.get_running_loop()
        self._lease_until = loop.time() + self.lease  # claimed just before this started
        renew_at = loop.time() + self.lease / 3
        # When frames are due for a copy: by the rule of the run's HTTP writes,
        # with `batch_interval` for their `flush_interval`.
        due = run.chunks(broker.batch_interval)
        base = broker.batch_interval
        cap = max(base, MAX_BURST_INTERVAL)
        try:
            while True:
                finished = run.finished
                copied = await self._retrying(self._copy, copied)
                if finished:
                    break
                due.position = max(due.position, copied[0])
                # The more runs this replica publishes, the longer a burst waits:
                # a copy is a round trip, most of what publishing costs.
                due.burst_interval = min(base * len(broker._publishers), cap)
                if loop.time() >= renew_at:
                    await self._keep()
                    renew_at = loop.time() + self.lease / 3
                # Wake up to renew the claim even while the graph is quiet (a slow
                # model or tool): a lapsed claim would let a second run in.
                with contextlib.suppress(TimeoutError, StopAsyncIteration):
                    async with asyncio.timeout_at(renew_at):
                        await anext(due)  # what it hands out is copied from the log
                # Cancelled as the timeout expired: Python 3.11's timeout then
                # answers TimeoutError, and the cancel must not be lost.
                raise_if_cancelling()
            await self._retrying(self._close, *copied)
        finally:
            broker._local.pop(run.run_id, None)
            broker._claims.discard(run.run_id)

    async def _retrying(
        self, step: Callable[P, Coroutine[Any, Any, T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`step`, tried again with backoff while Redis cannot be reached.

        Once the run's lease may have lapsed in Redis, the run is stopped (`error`
        of type `unavailable`): Redis may let another run onto its thread, and two
        runs must never write one thread. Its ending is published when Redis is back.
        The run's sign of life is renewed before each new try: a run that ends
        during a cut shorter than its lease is not taken for lost meanwhile.
        """
        run = self.run
        loop = asyncio.get_running_loop()
        delay = 0.05
        failed = False
        while True:
            try:
                if failed:  # first the sign of life, which may be about to lapse
                    await self._touch()
                return await step(*args, **kwargs)
            except self.broker._down as exc:
                failed = self._unsure = True
                logger.warning("run %s: Redis unreachable (%s); retrying", run.run_id, exc)
                if not run.ending and loop.time() + delay >= self._lease_until:
                    logger.warning("run %s: its lease lapsed; stopping it", run.run_id)
                    run.cancel("unavailable")
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.broker._backoff_cap)

    async def _copy(self, copied: tuple[int, int]) -> tuple[int, int]:
        """Copy the frames after `copied` (log position, last seq), renewing the
        run's sign of life and reading whether a cancel was asked; answer the new
        mark. One round trip: a pipeline, which followers blocked on the stream
        read at once. After a failed copy, first the last frame Redis has: a
        copy whose reply was lost went through all the same."""
        run = self.run
        position, last_seq = copied
        if self._unsure:
            top = await self.broker._top_seq(run.run_id)
            if top is not None and top > last_seq:  # a batch cut short went through
                position, last_seq = run.position_after(top), top
        seqs, frames = run.log_slice(position)
        if not frames:
            self._unsure = False
            return position, last_seq
        events = position + len(frames)
        pipe = self.redis.pipeline(transaction=False)
        for seq, frame in zip(seqs, frames, strict=True):
            pipe.xadd(self._frames_key, {"f": frame}, id=f"{seq}-1")
        pipe.hset(self._info_key, mapping={"status": run.status, "events": events})
        pipe.pexpire(self._alive_key, int(self.lease * 1000))
        pipe.hget(self._info_key, "cancel")
        replies = await pipe.execute()
        self._unsure = False
        cancel_if_asked(run, replies[-1])
        return events, seqs[-1]

    async def _touch(self) -> None:
        """Renew the run's sign of life (not its thread claim)."""
        await self.redis.pexpire(self._alive_key, int(self.lease * 1000))

    async def _keep(self) -> None:
        """Renew the run's lease (its sign of life and its thread claim). A run that
        finds it taken is stopped, as one cut off for the whole lease is (see
        [_retrying][langgraph_sse.core.publisher.Publisher._retrying]); not one
        that is ending, which may have freed its thread itself."""
        run = self.run
        asked_at = asyncio.get_running_loop().time()
        if await self._retrying(self._renew):
            self._lease_until = asked_at + self.lease
        elif not run.ending:
            logger.warning("run %s: its lease was lost; stopping it", run.run_id)
            run.cancel("unavailable")

    async def _renew(self) -> bool:
        """Renew the run's lease and obey a cancel asked meanwhile; answer whether
        it still held its lease. A run waiting for its turn on a thread holds no
        claim on it yet; a run that is ending may have freed it already."""
        run = self.run
        lease = int(self.lease * 1000)
        pipe = self.redis.pipeline(transaction=False)
        pipe.pexpire(self._alive_key, lease)
        pipe.hget(self._info_key, "cancel")
        claimed = run.run_id in self.broker._claims and run.status != "pending" and not run.ending
        if claimed:
            key = self.broker._thread_key(run.thread_id or "")
            pipe.eval(RENEW_IF_HELD, 1, key, run.run_id, lease)
        alive, cancel, *held = await pipe.execute()
        cancel_if_asked(run, cancel)
        return bool(alive) and (not claimed or bool(held[0]) or run.ending)

    async def _close(self, position: int, last_seq: int) -> None:
        """Mark the run finished in Redis with `retention` seconds to live and free
        its thread (in case the run died before its `done`); safe to run again."""
        run = self.run
        keys = [self._info_key, self._frames_key, self._alive_key]
        args: list[str | int] = [
            last_seq,
            run.status,
            position,
            max(1, int(self.retention * 1000)),
        ]
        if run.thread_id is not None:
            keys.append(self.broker._thread_key(run.thread_id))
            args.append(run.run_id)
        await self.redis.eval(CLOSE, len(keys), *keys, *args)


def cancel_if_asked(run: Run, flag: bytes | None) -> None:
    """Cancel `run` if its record's `cancel` flag says a cancel was asked."""
    if flag is not None:
        run.cancel()


def raise_if_cancelling() -> None:
    """Raise the cancel of the current task if it was asked for but swallowed:
    Python 3.11's `asyncio.wait_for` (which redis-py awaits its replies in) and
    `asyncio.timeout` drop a cancel that lands as the awaited call finishes, and a
    queued run would then take its thread, or a publisher go on, though cancelled.

    Raises:
        asyncio.CancelledError: the task is being cancelled.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
