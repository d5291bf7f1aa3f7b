"""One graph run in its own task, its events encoded once and handed to a reader.

A [Run][langgraph_sse.run.Run] drives [stream_events][langgraph_sse.stream.stream_events] in a dedicated
asyncio task. Each event is encoded to its frame bytes as soon as it comes and
appended to a list; the reader (the HTTP response) takes everything that has
piled up since its last read in one piece. There is no queue between the two:
one list, and a future the reader waits on when the list is empty.

Writes are coalesced without delaying the first: a frame that comes after a
pause is handed out at once; frames that follow it within `flush_interval`
wait out the rest of that interval and go out together. A model streaming
50 tokens a second sees every token written as it comes; a burst of
thousands a second costs one write per interval instead of one per token.

Cancelling the run cancels its task once, which lets LangGraph cancel the
node tasks it started and run its cleanup. (A cancel scope wrapped around the
graph's iterator instead re-cancels every await of that cleanup.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing

from langgraph_sse.events import DoneEvent, ErrorEvent, Event
from langgraph_sse.formats.base import Encoder

__all__ = ["Run"]

logger = logging.getLogger("langgraph_sse")


class Run:
    """A graph run: its task and the frames it has produced but not yet handed out.

    Args:
        events: The run's events, usually from [stream_events][langgraph_sse.stream.stream_events].
        encode: Turns each event into frame bytes.
        run_id: Names the run's task, for logs.
        timeout: Longest the run may take, in seconds; then it is cancelled and
            ends with an `error` event of type `timeout` and `done`. None: no limit.
    """

    def __init__(
        self,
        events: AsyncIterator[Event],
        encode: Encoder,
        *,
        run_id: str,
        timeout: float | None = None,
    ) -> None:
        self.run_id = run_id
        self.events = 0
        """How many events the run has produced."""
        self.outcome: str = "running"
        """How the run ended: the `done` status (`success`, `interrupted`, `error`),
        `timeout`, or `cancelled`; `running` until then."""
        loop = asyncio.get_running_loop()
        self.started_at = loop.time()
        self.ended_at: float | None = None
        self._frames: list[bytes] = []
        self._frame_waiter: asyncio.Future[None] | None = None  # woken by a frame or the end
        self._end_waiter: asyncio.Future[None] | None = None  # woken by the end only
        self._finished = False
        self._task = loop.create_task(
            self._pump(events, encode, timeout), name=f"langgraph-sse run {run_id}"
        )

    @property
    def finished(self) -> bool:
        """True once the run produced its last frame (or was cancelled)."""
        return self._finished

    async def _pump(
        self, events: AsyncIterator[Event], encode: Encoder, timeout: float | None
    ) -> None:
        push = self._push
        count = 0
        last: Event | None = None
        try:
            async with asyncio.timeout(timeout) as deadline, aclosing(events):  # type: ignore[type-var]
                async for last in events:
                    push(encode(last))
                    count += 1
            self.outcome = last.status if isinstance(last, DoneEvent) else "success"
        except TimeoutError:
            if not deadline.expired():
                raise
            self.outcome = "timeout"
            message = f"The run took longer than {timeout:g} s and was stopped"
            push(encode(ErrorEvent(seq=count, error="timeout", message=message)))
            push(encode(DoneEvent(seq=count + 1, status="error")))
        except asyncio.CancelledError:
            self.outcome = "cancelled"
            raise
        except Exception as exc:
            # An event that cannot be encoded (or a bug): end the stream cleanly;
            # leaving the `async with` has already stopped the graph.
            logger.warning("run %s stopped: %s: %s", self.run_id, type(exc).__name__, exc)
            self.outcome = "error"
            push(encode(ErrorEvent(seq=count, error=type(exc).__name__, message=str(exc))))
            push(encode(DoneEvent(seq=count + 1, status="error")))
        finally:
            self.events = count
            self.ended_at = asyncio.get_running_loop().time()
            self._finished = True
            _release(self._frame_waiter)
            _release(self._end_waiter)

    def _push(self, frame: bytes) -> None:
        if frame:
            self._frames.append(frame)
            waiter = self._frame_waiter
            if waiter is not None:
                self._frame_waiter = None
                _release(waiter)

    async def chunks(self, flush_interval: float = 0.0) -> AsyncIterator[bytes]:
        """Yield the run's bytes as they come, all pending frames in one piece.

        Args:
            flush_interval: Seconds a frame may wait for others to share its write,
                counted from the previous write; a frame after a longer pause is
                yielded at once. The first two writes (the run's `metadata` and the
                graph's first output) and the run's last frames are never delayed.
                0 yields whatever is pending as soon as the reader runs.
        """
        frames = self._frames
        loop = asyncio.get_running_loop()
        writes = 0
        last_write = 0.0
        while True:
            if frames:
                if writes > 1 and flush_interval and not self._finished:
                    wait = last_write + flush_interval - loop.time()
                    if wait > 0:  # a burst: let it pile up, unless the run ends
                        waiter = self._end_waiter = loop.create_future()
                        timer = loop.call_later(wait, _release, waiter)
                        await waiter
                        timer.cancel()
                        self._end_waiter = None
                chunk = frames[0] if len(frames) == 1 else b"".join(frames)
                frames.clear()
                yield chunk
                writes += 1
                last_write = loop.time()
            elif self._finished:
                return
            else:
                waiter = self._frame_waiter = loop.create_future()
                await waiter

    def add_done_callback(self, callback: Callable[[Run], object]) -> None:
        """Call `callback(run)` once the run's task has ended."""
        self._task.add_done_callback(lambda _task: callback(self))

    def cancel(self) -> None:
        """Ask the run to stop; LangGraph cancels the node tasks it started."""
        self._task.cancel()

    async def wait(self) -> None:
        """Wait until the run's task has ended (normally, by error or cancelled)."""
        await asyncio.wait((self._task,))


def _release(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)
