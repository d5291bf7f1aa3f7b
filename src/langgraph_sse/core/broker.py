"""Runs shared between replicas through Redis.

Without a broker, a run lives in the process that started it: a client must
reconnect to that process to resume. With [RedisBroker][langgraph_sse.core.broker.RedisBroker]
every replica can serve every run:

- each run's frames are copied, in batches, to a Redis stream
  (`<prefix>run:<run_id>:frames`), one entry per frame with the entry id
  `<sse id>-1`, so a reader on any replica resumes after its `Last-Event-ID`
  with `XREAD` and follows the live tail; a final `end` entry closes the stream;
- the run's id, thread, owner and status are kept in a hash (`<prefix>run:<run_id>`);
- finished runs expire after the server's `run_retention`;
- a cancel asked on any replica reaches the replica running the run (pub/sub,
  and a flag in the run's hash that replica reads as it copies frames and renews
  its lease, so that a cancel sent while its listener was cut off is not lost);
- a thread's active run is claimed in Redis (one atomic claim with a lease the
  running replica renews), so one run per thread holds across replicas, and a
  crashed replica's claim lapses.

The replica running a run keeps its copy in Redis with a
[Publisher][langgraph_sse.core.publisher.Publisher] (frames, status, lease, close);
the broker claims threads, finds and follows runs, and carries cancels.

Needs `pip install "langgraph-sse[redis]"` (redis-py's asyncio client).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from langgraph_sse.core.errors import Unavailable, unavailable_when
from langgraph_sse.core.extras import extra
from langgraph_sse.core.manager import MultitaskStrategy, ThreadBusyError
from langgraph_sse.core.publisher import Publisher, cancel_if_asked, raise_if_cancelling
from langgraph_sse.core.redis_scripts import CANCEL, CLAIM, DELETE_IF_HELD, MARK_LOST
from langgraph_sse.core.remote import RelayStopped, RemoteRun, RunLost
from langgraph_sse.core.run import Run

__all__ = ["RedisBroker"]

P = ParamSpec("P")
T = TypeVar("T")

logger = logging.getLogger("langgraph_sse")


_unavailable = unavailable_when(
    lambda broker: broker._down, "Redis cannot be reached; try again shortly"
)

_Method = Callable[Concatenate["RedisBroker", P], Coroutine[Any, Any, T]]

_TRIES = 3
"""How many times a broker method is tried at once before Redis is deemed
unreachable (see `_reachable`)."""


def _reachable(method: _Method[P, T]) -> _Method[P, T]:
    """A broker method whose callers hear `Unavailable` (503) while Redis cannot be
    reached, rather than the client library's connection error.

    It is tried again at once (up to `_TRIES` times in all): each connection the
    pool kept through a cut fails once, on its first use after Redis is back,
    however much later (redis-py's client made from a URL does not retry), and
    is made anew for the next try. Every such method is safe to repeat."""

    @functools.wraps(method)
    async def call(self: RedisBroker, *args: P.args, **kwargs: P.kwargs) -> T:
        for _ in range(_TRIES - 1):
            try:
                return await method(self, *args, **kwargs)
            except self._down:
                pass
        return await method(self, *args, **kwargs)

    return _unavailable(cast(_Method[P, T], call))


_POOL_WAIT = 5.0  # seconds a call waits for a free connection of the pool
_BLOCK = 1000  # milliseconds a follower's XREAD waits for new frames


class RedisBroker:
    """Shares runs between replicas through Redis.

    Args:
        url: e.g. `"redis://127.0.0.1:6379/0"`.
        prefix: Prefix of every key and channel.
        batch_interval: Seconds a run's frames may wait to share a copy to Redis,
            counted from the previous copy: a frame after a longer pause is
            copied at once, frames that follow a copy closer than this go
            together once it has passed (a burst costs one round trip per
            interval; a reader on another replica sees them up to that much
            later), and the run's last frames are copied as soon as it ends.
            With N runs publishing from this replica, a burst waits N times as
            long, up to 0.1 s ([MAX_BURST_INTERVAL][langgraph_sse.core.run.MAX_BURST_INTERVAL]).
            Readers on the running replica read them from memory at once.
        lease: Seconds a thread claim, and a run's sign of life, last unless
            renewed (every third of it while the run goes on, and with each batch
            of frames): a run whose replica stops renewing is lost, its followers
            get an `error` of type `lost` and `done`.
        lost_ttl: Seconds a lost run stays in Redis once found lost.
        max_connections: Most connections to Redis at once (a `max_connections`
            in `url` wins). A follower of a run on another replica holds one while
            it waits for new frames, and each run of this replica one while its
            frames are copied: give it more than the streams this replica follows
            through Redis at once. Past it, a call waits up to 5 s for a free
            connection, then fails as if Redis were down (503, or a stream's
            `error` of type `unavailable`).
        socket_timeout: Longest, in seconds, a call waits for Redis's reply or for a
            connection to open (a `socket_timeout` in `url` wins): past it, Redis
            counts as unreachable for that call, which is retried or answered as
            such, never left waiting on a connection that went silent.
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "langgraph-sse:",
        batch_interval: float = 0.01,
        lease: float = 30.0,
        lost_ttl: float = 60.0,
        max_connections: int = 1000,
        socket_timeout: float = 5.0,
    ) -> None:
        with extra("redis"):
            from redis.asyncio import BlockingConnectionPool, Redis
            from redis.exceptions import ConnectionError, TimeoutError

        # A pool that waits for a free connection rather than failing: redis-py's
        # default pool raises past 100 connections, which would read as Redis down.
        # Every reply is awaited at most `socket_timeout` (a connection that went
        # silent, with no reset, would otherwise hold its caller for good): a
        # follower's blocking read waits half of it at most; pub/sub waits as long
        # as it must (redis-py reads it without a timeout).
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=_POOL_WAIT,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            decode_responses=False,
        )
        # Typed loosely: redis-py's stubs for stream replies are not usable as is.
        self.redis: Any = Redis.from_pool(pool)
        self._block_ms = max(1, min(_BLOCK, int(socket_timeout * 500)))
        self.prefix = prefix
        self.batch_interval = batch_interval
        self.lease = lease
        self.lost_ttl = lost_ttl
        self._listener: asyncio.Task[None] | None = None
        self._local: dict[str, Run] = {}
        # The runs of this replica that claimed their thread (a graph without a
        # checkpointer has no thread to claim): their publishers renew the claim.
        self._claims: set[str] = set()
        self._publishers: set[asyncio.Task[None]] = set()
        # What an unreachable Redis raises (a refused, cut or timed-out connection).
        self._down: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError, OSError)

    # -- keys -------------------------------------------------------------------

    def _info_key(self, run_id: str) -> str:
        return f"{self.prefix}run:{run_id}"

    def _frames_key(self, run_id: str) -> str:
        return f"{self.prefix}run:{run_id}:frames"

    def _alive_key(self, run_id: str) -> str:
        return f"{self.prefix}run:{run_id}:alive"

    def _thread_key(self, thread_id: str) -> str:
        return f"{self.prefix}thread:{thread_id}"

    @property
    def _cancel_channel(self) -> str:
        return f"{self.prefix}cancel"

    # -- the running replica ----------------------------------------------------

    @property
    def _backoff_cap(self) -> float:
        """Longest wait between two tries while Redis cannot be reached: well
        under the lease, so that a run's sign of life is renewed in time once
        Redis is back."""
        return min(2.0, self.lease / 10)

    @_reachable
    async def claim_thread(self, thread_id: str, run_id: str) -> str | None:
        """Claim `thread_id` for `run_id` (renewing its lease if `run_id` holds it
        already); the run id holding it if another does."""
        key = self._thread_key(thread_id)
        holder = await self.redis.eval(CLAIM, 1, key, run_id, int(self.lease * 1000))
        if holder is not None:
            return str(holder.decode())
        self._claims.add(run_id)
        return None

    async def take_thread(
        self, thread_id: str, run_id: str, multitask: MultitaskStrategy
    ) -> Awaitable[None] | None:
        """Claim `thread_id` for `run_id`. If another run holds it: refuse
        (`reject`), or answer what to await before the run may start (`interrupt`
        cancels the holder first; `enqueue` waits for it).

        Raises:
            ThreadBusyError: the thread is held and `multitask` is `reject`.
        """
        holder = await self.claim_thread(thread_id, run_id)
        if holder is None:
            return None
        if multitask == "reject":
            raise ThreadBusyError(thread_id, holder)
        return self._turn(thread_id, run_id, holder, multitask)

    async def _turn(
        self, thread_id: str, run_id: str, holder: str, multitask: MultitaskStrategy
    ) -> None:
        """Wait for `run_id`'s turn on `thread_id`, then claim it.

        Raises:
            Unavailable: Redis could not be reached for a whole lease (the run
                ends with an `error` of type `unavailable`).
        """
        if multitask == "interrupt":
            await self._patiently(self.cancel, holder)
        while await self._patiently(self.claim_thread, thread_id, run_id) is not None:
            await self._patiently(self.wait_for_thread, thread_id)

    async def _patiently(
        self, step: Callable[P, Coroutine[Any, Any, T]], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`step`, tried again with backoff while Redis cannot be reached, for up
        to a lease (a queued run rides out a short cut).

        Raises:
            Unavailable: Redis could not be reached for a whole lease.
        """
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.lease
        down: tuple[type[BaseException], ...] = (Unavailable, *self._down)
        delay = 0.05
        while True:
            try:
                result = await step(*args, **kwargs)
                raise_if_cancelling()
                return result
            except down as exc:
                if loop.time() + delay >= give_up:
                    raise Unavailable("Redis could not be reached to wait for the thread") from exc
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._backoff_cap)

    @_reachable
    async def claim_owner(self, thread_id: str, owner: str, ttl: float = 86_400) -> str:
        """Record `owner` as the owner of the new thread `thread_id` unless one is
        recorded already; answer the owner recorded. The record lasts `ttl` seconds,
        long past the thread's first checkpoint, which records the owner for good."""
        key = f"{self.prefix}owner:{thread_id}"
        if await self.redis.set(key, owner, nx=True, px=int(ttl * 1000)):
            return owner
        recorded = await self.redis.get(key)
        return owner if recorded is None else recorded.decode()

    @_reachable
    async def release_thread(self, thread_id: str, run_id: str) -> None:
        """Free `thread_id` if `run_id` still holds it."""
        await self.redis.eval(DELETE_IF_HELD, 1, self._thread_key(thread_id), run_id)
        self._claims.discard(run_id)

    @_reachable
    async def thread_holder(self, thread_id: str) -> str | None:
        """The id of the run holding `thread_id`, on any replica, if one does."""
        holder = await self.redis.get(self._thread_key(thread_id))
        return None if holder is None else holder.decode()

    @_reachable
    async def wait_for_thread(self, thread_id: str, poll: float = 0.05) -> None:
        """Wait until no run holds `thread_id`."""
        while await self.redis.exists(self._thread_key(thread_id)):
            await asyncio.sleep(poll)

    @_reachable
    async def share(self, run: Run, retention: float) -> None:
        """Record `run` in Redis, so that any replica finds it from now on, then
        [publish][langgraph_sse.core.broker.RedisBroker.publish] it in a task beside
        it, awaited on [aclose][langgraph_sse.core.broker.RedisBroker.aclose]."""
        self._local[run.run_id] = run  # a cancel heard from now on reaches it
        try:
            await self._open(run)
        except BaseException:
            self._local.pop(run.run_id, None)
            raise
        publisher = asyncio.get_running_loop().create_task(
            self.publish(run, retention), name=f"langgraph-sse publish {run.run_id}"
        )
        self._publishers.add(publisher)
        publisher.add_done_callback(self._published)

    def _published(self, publisher: asyncio.Task[None]) -> None:
        """Forget a publisher that has ended; say in the log if it failed."""
        self._publishers.discard(publisher)
        if not publisher.cancelled() and (exc := publisher.exception()) is not None:
            logger.error("%s failed", publisher.get_name(), exc_info=exc)

    async def publish(self, run: Run, retention: float) -> None:
        """Copy `run`'s frames to Redis as they come, keep its status, renew its
        thread claim, then mark it finished with `retention` seconds to live.
        Runs until the run has ended; start it as a task beside the run.

        While Redis cannot be reached it retries, with backoff, and goes on from
        the first frame Redis does not have: followers on other replicas see the
        frames late, never lose them (see
        [Publisher][langgraph_sse.core.publisher.Publisher])."""
        await Publisher(self, run, retention).publish()

    async def _open(self, run: Run) -> None:
        self._ensure_listener()
        fields = {
            "thread_id": run.thread_id or "",
            "owner": run.owner or "",
            "format": run.format,
            "status": run.status,
            "created_at": repr(run.created_at),
        }
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(self._info_key(run.run_id), mapping=fields)
        pipe.set(self._alive_key(run.run_id), b"1", px=int(self.lease * 1000))
        await pipe.execute()

    # -- any replica ------------------------------------------------------------

    @_reachable
    async def find(self, run_id: str) -> RemoteRun | None:
        """The run as Redis knows it, if it is there (running, or within retention)."""
        # Its sign of life with it, in the same round trip: only a run without one
        # may be lost (then marked so, atomically, for every replica).
        pipe = self.redis.pipeline(transaction=False)
        pipe.hgetall(self._info_key(run_id))
        pipe.exists(self._alive_key(run_id))
        fields, alive = await pipe.execute()
        if not fields:
            return None
        remote = RemoteRun(run_id, {k.decode(): v.decode() for k, v in fields.items()})
        if (
            not remote.finished
            and run_id not in self._local
            and not alive
            and await self._is_lost(run_id)
        ):
            remote.status = "error"
        return remote

    async def _is_lost(self, run_id: str) -> bool:
        keys = (self._info_key(run_id), self._frames_key(run_id), self._alive_key(run_id))
        return bool(await self.redis.eval(MARK_LOST, 3, *keys, int(self.lost_ttl * 1000)))

    async def frames(
        self,
        run_id: str,
        after: int | None,
        block_ms: int | None = None,
        stop: asyncio.Event | None = None,
    ) -> AsyncIterator[bytes]:
        """The run's frames after SSE id `after` (all of them for None), then the
        live tail, until the run's end.

        Raises:
            RunLost: the replica running it stopped before its end.
            RelayStopped: `stop` was set (checked at least every `block_ms`: 1 s, or
                half the broker's `socket_timeout` if less), or Redis could not be
                reached for longer than the lease.
        """
        if block_ms is None:
            block_ms = self._block_ms
        key, info_key = self._frames_key(run_id), self._info_key(run_id)
        last = "0-0" if after is None else f"{after}-1"
        loop = asyncio.get_running_loop()
        down_since: float | None = None
        while True:
            seen = int(last.split("-")[0]) if last != "0-0" else -1
            if stop is not None and stop.is_set():
                raise RelayStopped(seen)
            try:
                reply = await self.redis.xread({key: last}, count=500, block=block_ms)
                if not reply:
                    # No frames yet is not the end: a queued run publishes its
                    # first frame when its turn comes (its record is there).
                    if not await self.redis.exists(info_key):
                        return  # expired
                    if await self._is_lost(run_id):
                        raise RunLost(run_id, seen)
            except self._down:  # wait for Redis, up to a lease
                down_since = down_since or loop.time()
                if loop.time() - down_since > self.lease:
                    raise RelayStopped(seen, "unavailable") from None
                await asyncio.sleep(min(0.2, self.lease / 4))
                continue
            down_since = None
            if not reply:
                continue
            chunk: list[bytes] = []
            for entry_id, fields in reply[0][1]:
                last = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                if b"end" in fields:
                    if chunk:
                        yield b"".join(chunk)
                    return
                chunk.append(fields[b"f"])
            yield b"".join(chunk)

    @_reachable
    async def last_seq(self, run_id: str) -> int | None:
        """The seq of the last frame of a run in Redis, if it has any."""
        return await self._top_seq(run_id)

    async def _top_seq(self, run_id: str) -> int | None:
        last = await self.redis.xrevrange(self._frames_key(run_id), count=1)
        if not last:
            return None
        entry_id = last[0][0]
        return int((entry_id.decode() if isinstance(entry_id, bytes) else entry_id).split("-")[0])

    @_reachable
    async def cancel(self, run_id: str) -> None:
        """Ask whichever replica runs `run_id` to cancel it: at once if its
        listener hears it, else as soon as that replica reaches Redis again."""
        local = self._local.get(run_id)
        if local is not None:
            local.cancel()
            return
        await self.redis.eval(CANCEL, 1, self._info_key(run_id), self._cancel_channel, run_id)

    def _ensure_listener(self) -> None:
        """Start the cancel listener unless it runs. Made at once, without an
        await: the first runs shared at once start one listener, not one each
        (each would hold a connection for good)."""
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(
                self._listen(), name="langgraph-sse cancel listener"
            )

    async def _listen(self) -> None:
        """Subscribe to the cancel channel and cancel the local runs it names; once
        subscribed (at first, and again after a cut), obey the cancels asked
        meanwhile (their messages were missed: their flag in Redis says so)."""
        delay = 0.05
        pubsub: Any = None
        try:
            while True:
                try:
                    if pubsub is None:
                        pubsub = self.redis.pubsub()
                        await pubsub.subscribe(self._cancel_channel)
                        await self._missed_cancels()
                    async for message in pubsub.listen():
                        delay = 0.05
                        if message.get("type") == "message":
                            run = self._local.get(message["data"].decode())
                            if run is not None:
                                run.cancel()
                except self._down as exc:
                    logger.warning("cancel listener: Redis unreachable (%s); retrying", exc)
                if pubsub is not None:  # cut from Redis: subscribe again once it is back
                    with contextlib.suppress(*self._down):
                        await pubsub.aclose()
                    pubsub = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._backoff_cap)
        finally:
            if pubsub is not None:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def _missed_cancels(self) -> None:
        """Cancel the local runs whose cancel was asked (their flag in Redis)."""
        runs = list(self._local.values())
        if not runs:
            return
        pipe = self.redis.pipeline(transaction=False)
        for run in runs:
            pipe.hget(self._info_key(run.run_id), "cancel")
        for run, asked in zip(runs, await pipe.execute(), strict=True):
            cancel_if_asked(run, asked)

    async def aclose(self, timeout: float = 5.0) -> None:
        """Let the runs' last frames reach Redis (up to `timeout` seconds), stop
        listening and close the connection."""
        if self._publishers:
            _, pending = await asyncio.wait(self._publishers, timeout=timeout)
            for publisher in pending:  # Redis still unreachable: give up
                publisher.cancel()
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, *self._down):
                await self._listener
        await self.redis.aclose()
