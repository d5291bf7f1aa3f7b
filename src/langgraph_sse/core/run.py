"""One graph run in its own task, its frames kept in a log that readers follow.

A [Run][langgraph_sse.core.run.Run] drives [stream_events][langgraph_sse.core.translate.stream_events]
in a dedicated asyncio task. Each event is encoded to its frame bytes once, as soon
as it comes, and appended to the run's log. Readers
([Run.chunks][langgraph_sse.core.run.Run.chunks]) follow the log from any position, so
the HTTP response that started the run, a client that reconnects with
`Last-Event-ID`, and a second viewer all read the same frames; each takes everything
that piled up since its last read in one piece. There is no queue between the run
and its readers: one list, and futures the readers wait on when they are caught up.

Writes are coalesced without delaying the first: a frame that comes after a
pause is handed out at once; frames that follow it within `flush_interval`
wait out the rest of that interval and go out together. A model streaming
50 tokens a second sees every token written as it comes; a burst of
thousands a second costs one write per interval instead of one per token.

Cancelling the run cancels its task once, which lets LangGraph cancel the
node tasks it started and run its cleanup. (A cancel scope wrapped around the
graph's iterator instead re-cancels every await of that cleanup.) A run that is
already ending (past its graph's last event, or writing its ending) is not
cancelled again: its log always ends with `done`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from bisect import bisect_right
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from typing import Literal

from langgraph_sse.core.encoding import Encoder
from langgraph_sse.core.errors import Unavailable
from langgraph_sse.core.events import DoneEvent, ErrorEvent, Event, MetadataEvent, RunStatus

__all__ = ["MAX_BURST_INTERVAL", "CancelReason", "EndReason", "Run", "RunReader"]

CancelReason = Literal["cancelled", "shutdown", "unavailable"]
"""Why a run is cancelled: by a client, or by the library (`shutdown`; `unavailable`:
its replica lost its hold on the thread in Redis)."""
EndReason = Literal["timeout", "too_large", "shutdown", "unavailable"]
"""Why the library stopped a run: it ends with an `error` event of this type."""

_STOPPED_BECAUSE = {
    "shutdown": "The server is shutting down",
    "unavailable": (
        "The run was stopped: Redis could not be reached for longer than the thread's "
        "lease, so another run could have been let in"
    ),
}

logger = logging.getLogger("langgraph_sse")

MAX_BURST_INTERVAL = 0.1
"""Longest, in seconds, frames that follow a write may wait to share the next one
when a reader's [burst_interval][langgraph_sse.core.run.RunReader.burst_interval]
is raised with the load (by an SSE response, or a run's copy to Redis)."""


class Run:
    """A graph run: its task and the log of frames it produced.

    Args:
        events: The run's events, usually from [stream_events][langgraph_sse.core.translate.stream_events].
        encode: Turns each event into frame bytes.
        run_id: The run's id (names its task, for logs).
        thread_id: The thread it runs on, if any.
        owner: The id of the principal that started it, if any.
        format: The name of the wire format `encode` writes.
        timeout: Longest the run may take, in seconds; then it is cancelled and
            ends with an `error` event of type `timeout` and `done`. None: no limit.
        max_bytes: Most bytes of frames the run may write to its log; past that it
            is stopped and ends with an `error` event of type `too_large` and `done`.
        wait_for: Something to wait for before the graph starts (the run stays
            `pending` meanwhile): the end of the previous run on the thread. If
            it raises [Unavailable][langgraph_sse.core.errors.Unavailable] (Redis
            cut), the run ends with an `error` of type `unavailable` and `done`.
        before_done: Awaited just before the run's `done` frame is written, so
            that whoever sees `done` finds its effects (e.g. the thread freed in Redis).
    """

    def __init__(
        self,
        events: AsyncIterator[Event],
        encode: Encoder,
        *,
        run_id: str,
        thread_id: str | None = None,
        owner: str | None = None,
        format: str = "json",
        timeout: float | None = None,
        max_bytes: int | None = None,
        wait_for: Awaitable[object] | None = None,
        before_done: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.run_id = run_id
        self._before_done = before_done
        self.thread_id = thread_id
        self.owner = owner
        self.format = format
        """The name of the wire format its frames are in."""
        self.end_reason: EndReason | None = None
        """Why the library stopped it, when it did: past its time limit or its
        bytes, or the server shutting down (its status is then `error`)."""
        self._end_status: RunStatus = "running"
        self.created_at = time.time()
        """When it was accepted (seconds since the epoch)."""
        loop = asyncio.get_running_loop()
        self.started_at = loop.time()
        self.ended_at: float | None = None
        self._started = wait_for is None
        self._encode = encode
        self._frames: list[bytes] = []
        self._opens_with_metadata = False  # its first frame is its `metadata` event
        self._seqs: list[int] = []  # the event seq of each frame, for resuming
        self._frame_waiters: list[asyncio.Future[None]] = []  # woken by a frame or the end
        self._end_waiters: list[asyncio.Future[None]] = []  # woken by the end only
        self._finished = False
        self._ending = False  # past the graph's last event, or writing its ending
        self._cancel_reason: CancelReason = "cancelled"
        # A task cancelled before its first step never enters its coroutine (no
        # `except`, no `finally`): until then a cancel is only recorded.
        self._pumping = False
        self._cancel_early = False
        self._done_callbacks: list[Callable[[Run], object]] = []
        self._task: asyncio.Task[None] | None = loop.create_task(
            self._pump(events, encode, timeout, max_bytes, wait_for),
            name=f"langgraph-sse run {run_id}",
        )
        self._task.add_done_callback(self._task_done)

    @property
    def finished(self) -> bool:
        """True once the run produced its last frame (or was cancelled)."""
        return self._finished

    @property
    def ending(self) -> bool:
        """True once the run is past its graph's last event (or is being stopped)
        and is writing its last frames: it can no longer be cancelled, and it may
        already have let go of its thread (its `before_done`)."""
        return self._ending or self._finished

    @property
    def events(self) -> int:
        """How many frames the run has written to its log so far."""
        return len(self._frames)

    @property
    def status(self) -> RunStatus:
        """`pending`, `running`, or how it ended (a timeout or shutdown is `error`)."""
        if not self._started:
            return "pending"
        if not self._finished:
            return "running"
        return self._end_status

    async def _pump(
        self,
        events: AsyncIterator[Event],
        encode: Encoder,
        timeout: float | None,
        max_bytes: int | None,
        wait_for: Awaitable[object] | None,
    ) -> None:
        push = self._push
        count = 0
        budget = sys.maxsize if max_bytes is None else max_bytes
        last: Event | None = None
        pulled = False  # whether the graph's events were started
        try:
            self._pumping = True
            if self._cancel_early:  # cancelled before this task ran at all
                raise asyncio.CancelledError
            if wait_for is not None:
                await wait_for
                self._started = True
                self.started_at = asyncio.get_running_loop().time()
            before_done = self._before_done
            pulled = True
            async with asyncio.timeout(timeout) as deadline, aclosing(events):  # type: ignore[type-var]
                async for last in events:
                    if not count and type(last) is MetadataEvent:
                        self._opens_with_metadata = True
                    elif type(last) is DoneEvent:
                        self._ending = True  # the graph is done: no cancel from here on
                        if before_done is not None:
                            await self._done_hook()
                    frame = encode(last)
                    push(frame, last.seq)
                    count += 1
                    budget -= len(frame)
                    if budget < 0:
                        raise _TooLarge
            self._end_status = last.status if isinstance(last, DoneEvent) else "success"
        except TimeoutError as exc:
            self._ending = True
            if not (pulled and deadline.expired()):  # not the run's own time limit
                await self._fail(exc, count if pulled else await self._open_log(events))
                return
            self.end_reason = "timeout"
            await self._end(
                count, "timeout", f"The run took longer than {timeout:g} s and was stopped"
            )
        except _TooLarge:  # leaving the `async with` has stopped the graph
            self._ending = True
            self.end_reason = "too_large"
            message = f"The run wrote more than {max_bytes} bytes of events and was stopped"
            await self._end(count, "too_large", message)
        except asyncio.CancelledError:
            self._ending = True  # a second cancel would cut its ending short
            self._started = True
            reason = self._cancel_reason
            if reason != "cancelled":
                self.end_reason = reason
                if not pulled:
                    count = await self._open_log(events)
                await self._end(count, reason, _STOPPED_BECAUSE[reason])
            else:
                self._end_status = "cancelled"
                await self._done_hook()
                push(encode(DoneEvent(seq=count, status="cancelled")), count)
            raise
        except Exception as exc:
            # An event that cannot be encoded, its turn that could not be awaited
            # (Redis cut), or a bug: end the stream cleanly; leaving the `async
            # with` has already stopped the graph.
            self._ending = True
            await self._fail(exc, count if pulled else await self._open_log(events))
        finally:
            self.ended_at = asyncio.get_running_loop().time()
            self._started = True  # a run that ended is not `pending`, whatever stopped it
            self._finished = True
            # Its readers are woken once the task is over (_task_done), not here:
            # a client that sees its stream end then finds the run's done callbacks
            # (its log line) run, and a reader is woken once, not twice.

    async def _open_log(self, events: AsyncIterator[Event]) -> int:
        """Open the log of a run stopped before its graph started (its turn never
        came) as every run's opens: with its `metadata` frame, when its events
        begin with one (they do before any node runs). Answers the seq after it."""
        try:
            async with aclosing(events):  # type: ignore[type-var]
                first = await anext(events)
        except Exception:  # nothing to open with: the ending alone
            return 0
        if type(first) is not MetadataEvent:
            return 0
        self._opens_with_metadata = True
        self._push(self._encode(first), first.seq)
        return first.seq + 1

    async def _fail(self, exc: Exception, seq: int) -> None:
        """End the log at `seq` with an `error` for `exc`: of type `unavailable`
        for [Unavailable][langgraph_sse.core.errors.Unavailable] (e.g. its turn on
        the thread could not be awaited), else named after the exception."""
        self._started = True
        if isinstance(exc, Unavailable):
            self.end_reason = "unavailable"
            error = "unavailable"
        else:
            error = type(exc).__name__
        logger.warning("run %s stopped: %s: %s", self.run_id, type(exc).__name__, exc)
        await self._end(seq, error, str(exc))

    async def _end(self, seq: int, error: str, message: str) -> None:
        self._end_status = "error"
        self._push(self._encode(ErrorEvent(seq=seq, error=error, message=message)), seq)
        await self._done_hook()
        self._push(self._encode(DoneEvent(seq=seq + 1, status="error")), seq + 1)

    async def _done_hook(self) -> None:
        if self._before_done is not None:
            try:
                await self._before_done()
            except Exception:  # never let it keep `done` from the readers
                logger.warning("run %s: before_done failed", self.run_id, exc_info=True)

    def _push(self, frame: bytes, seq: int) -> None:
        if frame:
            self._frames.append(frame)
            self._seqs.append(seq)
            if self._frame_waiters:
                _release_all(self._frame_waiters)

    def log_slice(self, start: int) -> tuple[list[int], list[bytes]]:
        """The event seqs and frames of the log from position `start` on."""
        return self._seqs[start:], self._frames[start:]

    def position_after(self, seq: int | None) -> int:
        """Where a reader that last saw the frames of event `seq` resumes in the log
        (0, the start, for None).

        Raises:
            ValueError: the run has sent no event `seq`.
        """
        if seq is None:
            return 0
        if seq < 0 or not self._seqs or seq > self._seqs[-1]:
            raise ValueError(f"run {self.run_id} sent no event {seq}")
        return bisect_right(self._seqs, seq)

    def chunks(self, flush_interval: float = 0.0, start: int = 0) -> RunReader:
        """The run's bytes from log position `start` as they come, all pending
        frames in one piece, until the run's last frame: an async iterator (a
        [RunReader][langgraph_sse.core.run.RunReader]).

        Args:
            flush_interval: Seconds a frame may wait for others to share its write,
                counted from the previous write; a frame after a longer pause is
                written at once. The run's `metadata` frame waits up to this long
                for the graph's first output, so that both go out in one write;
                that first output and the run's last frames are never delayed.
                0 yields whatever is pending as soon as the reader runs.
            start: Log position to start from, e.g. from
                [position_after][langgraph_sse.core.run.Run.position_after].
        """
        return RunReader(self, flush_interval, start)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        # A finished task keeps its exception, and a cancelled one (a client that
        # left) a CancelledError whose traceback holds the frames of the graph run:
        # hundreds of objects per run, kept for as long as the run is retained.
        # Only the log is needed from here on.
        if not task.cancelled():
            task.exception()  # retrieved: _pump lets no other exception escape
        self._task = None
        callbacks, self._done_callbacks = self._done_callbacks, []
        try:
            for callback in callbacks:
                callback(self)
        finally:
            _release_all(self._frame_waiters)
            _release_all(self._end_waiters)

    def add_done_callback(self, callback: Callable[[Run], object]) -> None:
        """Call `callback(run)` once the run's task has ended (soon, if it has)."""
        if self._task is None:
            asyncio.get_running_loop().call_soon(callback, self)
        else:
            self._done_callbacks.append(callback)

    def cancel(self, reason: CancelReason = "cancelled") -> None:
        """Stop the run; LangGraph cancels the node tasks it started.

        Its log ends with `done` (status `cancelled`) or, when the library stops it
        (`shutdown`, or `unavailable`: it lost its hold on the thread), with an
        `error` event of that type and `done`. A run already
        [ending][langgraph_sse.core.run.Run.ending] ends as it was going to.
        """
        if not self.ending and self._task is not None:
            self._cancel_reason = reason
            if self._pumping:
                self._task.cancel()
            else:
                self._cancel_early = True

    async def wait(self) -> None:
        """Wait until the run's task has ended (normally, by error or cancelled)."""
        if self._task is not None:
            await asyncio.wait((self._task,))


class RunReader:
    """A reader's place in a run's log: an async iterator of the run's bytes (see
    [Run.chunks][langgraph_sse.core.run.Run.chunks]), which can also be driven
    without awaiting it, by a loop that waits for other things too (an SSE
    response's keep-alive comments, its client leaving): [take][langgraph_sse.core.run.RunReader.take]
    what is due, and when nothing is, [watch][langgraph_sse.core.run.RunReader.watch]
    a future of your own that the run resolves when something may be.
    """

    __slots__ = ("_flush", "_held_until", "_loop", "_run", "_timer", "_until",
                 "_waiters", "_writes", "burst_interval", "last_write", "over",
                 "position")  # fmt: skip

    def __init__(self, run: Run, flush_interval: float = 0.0, start: int = 0) -> None:
        self._run = run
        self._loop = asyncio.get_running_loop()
        self._flush = flush_interval
        self.burst_interval = flush_interval
        """How long frames that follow a write may wait to share the next one
        (`flush_interval` at first). A response serving many streams from one
        event loop raises it with the load (see
        [run_stream_response][langgraph_sse.http.sse.run_stream_response]): a burst
        then costs fewer writes, and a frame after a pause is still written at once."""
        self.position = start
        """The log position of the next frame to hand out."""
        self.over = False
        """True once the run's last frame was handed out."""
        self._writes = 0
        self.last_write = 0.0
        """When it last handed out frames (the loop's clock), 0 before it did."""
        self._held_until: float | None = None  # how long `metadata` may wait for company
        # What `take` found to wait for: frames (the run's frame waiters), or the
        # run's end only (a burst piling up); and until when, if a time is set.
        self._waiters: list[asyncio.Future[None]] = run._frame_waiters
        self._until: float | None = None
        self._timer: asyncio.TimerHandle | None = None

    @property
    def run(self) -> Run:
        """The run it reads."""
        return self._run

    def take(self) -> bytes | None:
        """The frames due now, in one piece; None when none are: the run's end
        was handed out ([over][langgraph_sse.core.run.RunReader.over]), or there
        is something to wait for first (see [watch][langgraph_sse.core.run.RunReader.watch])."""
        run = self._run
        frames = run._frames
        position = self.position
        end = len(frames)
        if position < end:
            flush = self._flush
            if flush and not run._finished:
                if self._writes > 1:
                    wait_until = self.last_write + self.burst_interval
                    if wait_until > self._loop.time():  # a burst: let it pile up
                        self._waiters = run._end_waiters  # unless the run ends
                        self._until = wait_until
                        return None
                elif not position and end == 1 and run._opens_with_metadata:
                    # The run's `metadata` alone: wait a little for the graph's first output.
                    now = self._loop.time()
                    if self._held_until is None:
                        self._held_until = now + flush
                    if self._held_until > now:
                        self._waiters = run._frame_waiters
                        self._until = self._held_until
                        return None
            chunk = frames[position] if end - position == 1 else b"".join(frames[position:end])
            # `metadata` with the first output counts as the two writes it replaces
            self._writes += 2 if not position and end > 1 and run._opens_with_metadata else 1
            self.position = end
            self.last_write = self._loop.time()
            return chunk
        # The end is handed out once the run's task is over and its done callbacks
        # (its log line) have run: a client that sees its stream end finds them done.
        if run._finished and run._task is None:
            self.over = True
        else:
            self._waiters = run._frame_waiters
            self._until = None
        return None

    def watch(self, waiter: asyncio.Future[None]) -> None:
        """After `take` answered None without being over: have the run resolve
        `waiter` (a future of the running loop) when it may have something due
        (a frame, or the end of a burst's wait). Call
        [unwatch][langgraph_sse.core.run.RunReader.unwatch] once it is done or
        no longer awaited."""
        self._waiters.append(waiter)
        if self._until is not None:
            self._timer = self._loop.call_at(self._until, _release, waiter)

    def unwatch(self, waiter: asyncio.Future[None]) -> None:
        """Forget `waiter`, resolved or not."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        waiters = self._waiters
        if waiters and waiter in waiters:  # not released by the run, which clears its list
            waiters.remove(waiter)

    def __aiter__(self) -> RunReader:
        return self

    async def __anext__(self) -> bytes:
        while True:
            chunk = self.take()
            if chunk is not None:
                return chunk
            if self.over:
                raise StopAsyncIteration
            waiter = self._loop.create_future()
            self.watch(waiter)
            try:
                await waiter
            finally:  # also when the reader is cancelled meanwhile
                self.unwatch(waiter)

    async def aclose(self) -> None:
        """Nothing to release (it holds no frames): for callers that close iterators."""


class _TooLarge(Exception):
    """The run wrote more than its `max_bytes`."""


def _release(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _release_all(waiters: list[asyncio.Future[None]]) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None)
    waiters.clear()
