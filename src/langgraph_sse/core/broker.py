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
- a cancel asked on any replica reaches the replica running the run (pub/sub);
- a thread's active run is claimed in Redis (`SET NX` with a lease the running
  replica renews), so one run per thread holds across replicas, and a crashed
  replica's claim lapses.

Needs `pip install "langgraph-sse[redis]"` (redis-py's asyncio client).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any, cast

from langgraph_sse.core.events import RunStatus
from langgraph_sse.core.extras import extra
from langgraph_sse.core.manager import MultitaskStrategy, ThreadBusyError
from langgraph_sse.core.run import Run

__all__ = ["RedisBroker", "RemoteRun"]

logger = logging.getLogger("langgraph_sse")

# Compare-and-act on a thread claim, atomically: only the run holding it may
# renew or free it.
_RENEW_IF_HELD = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_DELETE_IF_HELD = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class RemoteRun:
    """What a replica knows of a run kept in Redis (possibly running elsewhere)."""

    def __init__(self, run_id: str, fields: dict[str, str]) -> None:
        self.run_id = run_id
        self.thread_id: str | None = fields.get("thread_id") or None
        self.owner: str | None = fields.get("owner") or None
        self.status = cast(RunStatus, fields.get("status", "running"))
        self.format = fields.get("format") or "json"
        self.events = int(fields.get("events", "0"))

    @property
    def finished(self) -> bool:
        """True once the run has ended."""
        return self.status not in ("pending", "running")


class RedisBroker:
    """Shares runs between replicas through Redis.

    Args:
        url: e.g. `"redis://127.0.0.1:6379/0"`.
        prefix: Prefix of every key and channel.
        batch_interval: Seconds between copies of a run's new frames to Redis (a
            reader on another replica sees them that much later; readers on the
            running replica read them from memory at once).
        lease: Seconds a thread claim lasts unless renewed (renewed every third
            of it while the run goes on).
    """

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "langgraph-sse:",
        batch_interval: float = 0.01,
        lease: float = 30.0,
    ) -> None:
        with extra("redis"):
            from redis.asyncio import Redis

        # Typed loosely: redis-py's stubs for stream replies are not usable as is.
        self.redis: Any = Redis.from_url(url, decode_responses=False)
        self.prefix = prefix
        self.batch_interval = batch_interval
        self.lease = lease
        self._listener: asyncio.Task[None] | None = None
        self._local: dict[str, Run] = {}
        self._publishers: set[asyncio.Task[None]] = set()

    # -- keys -------------------------------------------------------------------

    def _info_key(self, run_id: str) -> str:
        return f"{self.prefix}run:{run_id}"

    def _frames_key(self, run_id: str) -> str:
        return f"{self.prefix}run:{run_id}:frames"

    def _thread_key(self, thread_id: str) -> str:
        return f"{self.prefix}thread:{thread_id}"

    @property
    def _cancel_channel(self) -> str:
        return f"{self.prefix}cancel"

    # -- the running replica ----------------------------------------------------

    async def claim_thread(self, thread_id: str, run_id: str) -> str | None:
        """Claim `thread_id` for `run_id`; the run id holding it if another does."""
        key = self._thread_key(thread_id)
        if await self.redis.set(key, run_id, nx=True, px=int(self.lease * 1000)):
            return None
        holder = await self.redis.get(key)
        return None if holder is None else holder.decode()

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
        if multitask == "interrupt":
            await self.cancel(holder)
        while await self.claim_thread(thread_id, run_id) is not None:
            await self.wait_for_thread(thread_id)

    async def claim_owner(self, thread_id: str, owner: str, ttl: float = 86_400) -> str:
        """Record `owner` as the owner of the new thread `thread_id` unless one is
        recorded already; answer the owner recorded. The record lasts `ttl` seconds,
        long past the thread's first checkpoint, which records the owner for good."""
        key = f"{self.prefix}owner:{thread_id}"
        if await self.redis.set(key, owner, nx=True, px=int(ttl * 1000)):
            return owner
        recorded = await self.redis.get(key)
        return owner if recorded is None else recorded.decode()

    async def release_thread(self, thread_id: str, run_id: str) -> None:
        """Free `thread_id` if `run_id` still holds it."""
        await self.redis.eval(_DELETE_IF_HELD, 1, self._thread_key(thread_id), run_id)

    async def wait_for_thread(self, thread_id: str, poll: float = 0.05) -> None:
        """Wait until no run holds `thread_id`."""
        while await self.redis.exists(self._thread_key(thread_id)):
            await asyncio.sleep(poll)

    def share(self, run: Run, retention: float) -> None:
        """[publish][langgraph_sse.core.broker.RedisBroker.publish] `run` in a task
        beside it, awaited on [aclose][langgraph_sse.core.broker.RedisBroker.aclose]."""
        publisher = asyncio.get_running_loop().create_task(
            self.publish(run, retention), name=f"langgraph-sse publish {run.run_id}"
        )
        self._publishers.add(publisher)
        publisher.add_done_callback(self._publishers.discard)

    async def publish(self, run: Run, retention: float) -> None:
        """Copy `run`'s frames to Redis as they come, keep its status, renew its
        thread claim, then mark it finished with `retention` seconds to live.
        Runs until the run has ended; start it as a task beside the run."""
        await self._ensure_listener()
        self._local[run.run_id] = run
        info_key, frames_key = self._info_key(run.run_id), self._frames_key(run.run_id)
        fields = {
            "thread_id": run.thread_id or "",
            "owner": run.owner or "",
            "format": run.format,
            "status": run.status,
        }
        await self.redis.hset(info_key, mapping=fields)
        position = 0
        last_seq = 0  # the seq of the last frame copied
        renew_at = asyncio.get_running_loop().time() + self.lease / 3
        try:
            while True:
                finished = run.finished
                seqs, frames = run.log_slice(position)
                if frames:
                    pipe = self.redis.pipeline(transaction=False)
                    for seq, frame in zip(seqs, frames, strict=True):
                        pipe.xadd(frames_key, {"f": frame}, id=f"{seq}-1")
                    pipe.hset(
                        info_key, mapping={"status": run.status, "events": position + len(frames)}
                    )
                    await pipe.execute()
                    position += len(frames)
                    last_seq = seqs[-1]
                if finished:
                    break
                now = asyncio.get_running_loop().time()
                if run.thread_id is not None and now >= renew_at:
                    await self.redis.eval(
                        _RENEW_IF_HELD,
                        1,
                        self._thread_key(run.thread_id),
                        run.run_id,
                        int(self.lease * 1000),
                    )
                    renew_at = now + self.lease / 3
                # Wake up to renew the claim even while the graph is quiet (a slow
                # model or tool): a lapsed claim would let a second run in.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(max(renew_at - now, self.batch_interval)):
                        await run.wait_for_frames(position, self.batch_interval)
        finally:
            with contextlib.suppress(Exception):
                await self._close(run, position, last_seq, retention)
            self._local.pop(run.run_id, None)

    async def _close(self, run: Run, position: int, last_seq: int, retention: float) -> None:
        info_key, frames_key = self._info_key(run.run_id), self._frames_key(run.run_id)
        ttl = max(1, int(retention * 1000))
        pipe = self.redis.pipeline(transaction=False)
        pipe.xadd(frames_key, {"end": b"1"}, id=f"{last_seq}-2")
        pipe.hset(info_key, mapping={"status": run.status, "events": position})
        pipe.pexpire(frames_key, ttl)
        pipe.pexpire(info_key, ttl)
        await pipe.execute()
        if run.thread_id is not None:  # in case the run died before its `done`
            await self.release_thread(run.thread_id, run.run_id)

    # -- any replica ------------------------------------------------------------

    async def find(self, run_id: str) -> RemoteRun | None:
        """The run as Redis knows it, if it is there (running, or within retention)."""
        fields = await self.redis.hgetall(self._info_key(run_id))
        if not fields:
            return None
        return RemoteRun(run_id, {k.decode(): v.decode() for k, v in fields.items()})

    async def frames(
        self, run_id: str, after: int | None, block_ms: int = 1000
    ) -> AsyncIterator[bytes]:
        """The run's frames after SSE id `after` (all of them for None), then the
        live tail, until the run's end."""
        key = self._frames_key(run_id)
        last = "0-0" if after is None else f"{after}-1"
        while True:
            reply = await self.redis.xread({key: last}, count=500, block=block_ms)
            if not reply:
                if not await self.redis.exists(key):
                    return  # expired, or never published
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

    async def last_seq(self, run_id: str) -> int | None:
        """The seq of the last frame of a run in Redis, if it has any."""
        last = await self.redis.xrevrange(self._frames_key(run_id), count=1)
        if not last:
            return None
        entry_id = last[0][0]
        return int((entry_id.decode() if isinstance(entry_id, bytes) else entry_id).split("-")[0])

    async def cancel(self, run_id: str) -> None:
        """Ask whichever replica runs `run_id` to cancel it."""
        local = self._local.get(run_id)
        if local is not None:
            local.cancel()
            return
        await self.redis.publish(self._cancel_channel, run_id)

    async def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            pubsub = self.redis.pubsub()
            await pubsub.subscribe(self._cancel_channel)
            self._listener = asyncio.get_running_loop().create_task(
                self._listen(pubsub), name="langgraph-sse cancel listener"
            )

    async def _listen(self, pubsub: Any) -> None:
        async for message in pubsub.listen():
            if message.get("type") != "message":
                continue
            run = self._local.get(message["data"].decode())
            if run is not None:
                run.cancel()

    async def aclose(self, timeout: float = 5.0) -> None:
        """Let the runs' last frames reach Redis (up to `timeout` seconds), stop
        listening and close the connection."""
        if self._publishers:
            await asyncio.wait(self._publishers, timeout=timeout)
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self.redis.aclose()
