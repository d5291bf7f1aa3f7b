"""The runs of one process: by id, one active run per thread, kept for replay.

A [RunManager][langgraph_sse.core.manager.RunManager] starts [Run][langgraph_sse.core.run.Run]s,
finds them again by id (a client joining or resuming a stream), enforces one
active run per thread with a multitask strategy, keeps finished runs replayable
for `retention` seconds, and stops every run on shutdown.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Literal

from langgraph_sse.core.encoding import Encoder
from langgraph_sse.core.errors import Conflict
from langgraph_sse.core.events import Event
from langgraph_sse.core.run import Run

__all__ = ["MultitaskStrategy", "RunManager", "ThreadBusyError"]

MultitaskStrategy = Literal["reject", "interrupt", "enqueue"]
"""What a new run on a thread that already has an active run does:

- `reject`: refuse it (HTTP 409);
- `interrupt`: cancel the active run, then start;
- `enqueue`: wait for the active run (and any queued before) to finish, then start.
"""


class ThreadBusyError(Conflict):
    """A thread already has an active run and the strategy is `reject` (409)."""

    def __init__(self, thread_id: str, run_id: str) -> None:
        super().__init__(f"Thread {thread_id!r} already has an active run ({run_id})")
        self.thread_id = thread_id
        self.run_id = run_id


class RunManager:
    """Starts runs and keeps track of them.

    Args:
        retention: Seconds a finished run stays available to join or resume.
    """

    def __init__(self, *, retention: float = 60.0) -> None:
        self.retention = retention
        self._runs: dict[str, Run] = {}
        self._latest: dict[str, Run] = {}  # thread id -> its newest unfinished run
        self._active: Counter[str | None] = Counter()  # owner -> unfinished runs

    def active_of(self, owner: str | None) -> int:
        """How many runs of `owner` (a principal's id) are pending or running."""
        return self._active[owner]

    def get(self, run_id: str) -> Run | None:
        """The run with this id, if it is going or finished within `retention`."""
        return self._runs.get(run_id)

    def all(self) -> list[Run]:
        """Every run going or finished within `retention`, oldest first."""
        return list(self._runs.values())

    @property
    def active(self) -> int:
        """How many runs are pending or running."""
        return sum(1 for run in self._runs.values() if not run.finished)

    def active_on(self, thread_id: str) -> Run | None:
        """The newest unfinished run on a thread, if any."""
        run = self._latest.get(thread_id)
        return None if run is None or run.finished else run

    def start(
        self,
        events: AsyncIterator[Event],
        encode: Encoder,
        *,
        run_id: str,
        thread_id: str | None = None,
        exclusive: bool = True,
        owner: str | None = None,
        format: str = "json",
        timeout: float | None = None,
        max_bytes: int | None = None,
        multitask: MultitaskStrategy = "reject",
        wait_for: Awaitable[object] | None = None,
        before_done: Callable[[], Awaitable[object]] | None = None,
    ) -> Run:
        """Start a run of `events`.

        Args:
            exclusive: Whether the run takes its thread: only one such run per
                thread is active at once (use it when the graph has a checkpointer).
            multitask: What to do when the thread already has an active run.
            wait_for: Something else to wait for before the run starts.
            before_done: Awaited just before the run's `done` frame is written.

        Raises:
            ThreadBusyError: the thread is busy and `multitask` is `reject`.
        """
        previous = self.active_on(thread_id) if exclusive and thread_id is not None else None
        if previous is not None:
            if multitask == "reject":
                raise ThreadBusyError(thread_id or "", previous.run_id)
            if multitask == "interrupt":
                previous.cancel()
            wait_for = _after(previous.wait(), wait_for)
        run = Run(
            events,
            encode,
            run_id=run_id,
            thread_id=thread_id,
            owner=owner,
            format=format,
            timeout=timeout,
            max_bytes=max_bytes,
            wait_for=wait_for,
            before_done=before_done,
        )
        self._runs[run_id] = run
        if exclusive and thread_id is not None:
            self._latest[thread_id] = run
        self._active[owner] += 1
        run.add_done_callback(self._finished)
        return run

    def _finished(self, run: Run) -> None:
        self._active[run.owner] -= 1
        if self._active[run.owner] <= 0:
            del self._active[run.owner]
        if run.thread_id is not None and self._latest.get(run.thread_id) is run:
            del self._latest[run.thread_id]
        asyncio.get_running_loop().call_later(self.retention, self._forget, run)

    def _forget(self, run: Run) -> None:
        if self._runs.get(run.run_id) is run:
            del self._runs[run.run_id]

    async def shutdown(self, timeout: float = 5.0) -> None:
        """Stop every unfinished run: each log ends with an `error` event of type
        `shutdown` and `done`. Waits up to `timeout` seconds for them."""
        running = [run for run in self._runs.values() if not run.finished]
        for run in running:
            run.cancel("shutdown")
        if running:
            await asyncio.wait(
                [asyncio.ensure_future(run.wait()) for run in running], timeout=timeout
            )


async def _after(first: Awaitable[object], then: Awaitable[object] | None) -> None:
    await first
    if then is not None:
        await then
