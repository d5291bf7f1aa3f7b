"""Server-Sent Events framing and the streaming responses.

Frames follow the HTML Living Standard's `text/event-stream` format: optional
`event:` and `id:` fields, one `data:` line per line of the payload, and a
blank line to end the frame. Lines end with `\\n`.

Two responses send keep-alive comments, watch for the client going away and for
server shutdown:

- [event_stream_response][langgraph_sse.http.sse.event_stream_response], for any
  body of encoded bytes, is sse-starlette's `EventSourceResponse`: a task group
  and four tasks per response (the body, the pings, the disconnect listener and
  the shutdown watcher).
- [run_stream_response][langgraph_sse.http.sse.run_stream_response], for a run's
  own log read from this process (what every stream of a local run is), does the
  same from the request's own task: it sends the frames, and the pings when the
  stream has been quiet for a ping interval, from one loop that waits on one
  future at a time. That future is resolved by the run (a frame, the end of a
  burst's wait), the ping timer, the client leaving (one task awaiting ASGI
  `receive`, started 50 ms into the stream, `LISTEN_AFTER`) or the server shutting down (one
  watcher per event loop for all streams, as sse-starlette has). Of
  sse-starlette it uses `AppStatus` (its hook on uvicorn's exit handler, and the
  switch that turns automatic draining off) and `ServerSentEvent` to write the
  keep-alive comment.

Two places go beyond sse-starlette's documented use, which is why its version is
pinned to `>=3.5,<4`: the response overrides `_send_with_timeout` (private, from
3.5) to skip an anyio cancel scope per write when no `send_timeout` is set (a test
fails if sse-starlette stops calling it), and `shutdown_event` (public, from 3.3)
is given an object whose `set()` runs a callback, which is all sse-starlette calls.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterable, Awaitable, Callable, Mapping
from datetime import UTC, datetime

from sse_starlette import EventSourceResponse, ServerSentEvent
from sse_starlette.sse import AppStatus
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from langgraph_sse.core.run import MAX_BURST_INTERVAL, RunReader

__all__ = [
    "LISTEN_AFTER",
    "SSE_HEADERS",
    "RunStreamResponse",
    "event_stream_response",
    "format_frame",
    "run_stream_response",
]

SSE_HEADERS: Mapping[str, str] = {
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",
}
"""Headers every stream is sent with: no caching, and no buffering by nginx."""


def format_frame(data: bytes, *, event: str | None = None, id: str | int | None = None) -> bytes:
    """Encode one SSE frame.

    `data` may hold line breaks (`\\n`, `\\r` or `\\r\\n`): each line
    becomes its own `data:` line, so a parser joins them back with `\\n`.
    `event` and `id` must not hold line breaks, and `id` no NUL.
    """
    head = b""
    if event is not None:
        head += b"event: " + event.encode() + b"\n"
    if id is not None:
        head += b"id: " + str(id).encode() + b"\n"
    if b"\n" in data or b"\r" in data:
        body = b"".join(b"data: " + line + b"\n" for line in data.splitlines())
        if data.endswith((b"\n", b"\r")):
            body += b"data: \n"
    else:
        body = b"data: " + data + b"\n"
    return head + body + b"\n"


def event_stream_response(
    body: AsyncIterable[bytes],
    *,
    ping_interval: float = 15.0,
    headers: Mapping[str, str] | None = None,
    on_shutdown: Callable[[], object] | None = None,
    shutdown_grace_period: float = 2.0,
) -> EventSourceResponse:
    """A `text/event-stream` response sending `body`'s bytes as they come.

    Args:
        body: Encoded frames; one item may hold several frames.
        ping_interval: Seconds between keep-alive comments; 0 disables them.
        headers: Extra response headers.
        on_shutdown: Called when the server starts shutting down (sse-starlette
            watches uvicorn for it), so `body` can send its last frames and end.
        shutdown_grace_period: Seconds `body` then has to end before it is cut.
    """
    return _EventSourceResponse(
        body,
        headers={**SSE_HEADERS, **(headers or {})},
        ping=ping_interval,
        sep="\n",
        shutdown_event=None if on_shutdown is None else _ShutdownSignal(on_shutdown),  # type: ignore[arg-type]
        shutdown_grace_period=0 if on_shutdown is None else shutdown_grace_period,
    )


class _EventSourceResponse(EventSourceResponse):
    # sse-starlette wraps every send in an anyio cancel scope for its optional
    # `send_timeout`; with none set that scope only costs time on the per-write path.
    async def _send_with_timeout(self, send: Send, message: Message) -> None:
        if self.send_timeout is None:
            await send(message)
        else:
            await super()._send_with_timeout(send, message)


class _ShutdownSignal:
    # sse-starlette only calls `.set()` on its shutdown event: run the callback then.
    def __init__(self, callback: Callable[[], object]) -> None:
        self._callback = callback

    def set(self) -> None:
        self._callback()


# -- A run's log as a response, from the request's own task ------------------------

_STREAM_HEADERS = {
    "content-type": "text/event-stream; charset=utf-8",
    "connection": "keep-alive",  # as sse-starlette sends it
}


def run_stream_response(
    reader: RunReader,
    *,
    ping_interval: float = 15.0,
    headers: Mapping[str, str] | None = None,
    on_shutdown: Callable[[], object] | None = None,
    shutdown_grace_period: float = 2.0,
    on_close: Callable[[], Awaitable[object]] | None = None,
) -> RunStreamResponse:
    """A `text/event-stream` response sending a run's frames from `reader`.

    It runs in the request's own task, with one more task listening for the client
    to leave, started [LISTEN_AFTER][langgraph_sse.http.sse.LISTEN_AFTER] (50 ms)
    into the stream: a shorter stream costs no such task.

    Args:
        reader: Where in the run's log to read from, and how to coalesce
            ([Run.chunks][langgraph_sse.core.run.Run.chunks]). Its `flush_interval`
            is how long frames that follow a write wait to share the next one while
            the stream is the only one writing from this event loop; with N streams
            writing (counted at each shutdown poll, every 0.5 s), they wait N times
            as long, up to [MAX_BURST_INTERVAL][langgraph_sse.core.run.MAX_BURST_INTERVAL]
            (0.1 s): under load each write carries more frames, which is most of
            what serving many streams costs. A frame after a pause is still
            written at once, and a flush interval of 0 turns all of it off.
        ping_interval: Longest the stream stays quiet, in seconds: a keep-alive
            comment is sent after that long without a write; 0 sends none.
        headers: Extra response headers.
        on_shutdown: Called when the server starts shutting down (uvicorn's exit,
            as sse-starlette's `AppStatus` sees it), so that the run ends its log.
        shutdown_grace_period: Seconds the log then has to end before the
            response ends without it. Without `on_shutdown`, it ends at once.
        on_close: Awaited once the response is over, however it ended (the run's
            end sent, the client gone, the server shutting down).
    """
    return RunStreamResponse(
        reader,
        ping_interval=ping_interval,
        headers=headers,
        on_shutdown=on_shutdown,
        shutdown_grace_period=shutdown_grace_period,
        on_close=on_close,
    )


class RunStreamResponse(Response):
    """See [run_stream_response][langgraph_sse.http.sse.run_stream_response]."""

    media_type = "text/event-stream"

    def __init__(
        self,
        reader: RunReader,
        *,
        ping_interval: float = 15.0,
        headers: Mapping[str, str] | None = None,
        on_shutdown: Callable[[], object] | None = None,
        shutdown_grace_period: float = 2.0,
        on_close: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        if ping_interval < 0:
            raise ValueError("ping_interval must be >= 0 (0 sends no keep-alive comments)")
        self.status_code = 200
        self.background = None
        self._reader = reader
        self._ping_interval = ping_interval
        self._on_shutdown = on_shutdown
        self._grace = shutdown_grace_period if on_shutdown is not None else 0.0
        self._on_close = on_close
        # SSE_HEADERS read now, not at import: an app may change it (as a test does).
        fields = {**_STREAM_HEADERS, **{name.lower(): value for name, value in SSE_HEADERS.items()}}
        if headers:
            fields.update({name.lower(): value for name, value in headers.items()})
        self.raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in fields.items()]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiter: asyncio.Future[None] | None = None  # what the send loop awaits
        self._listener: asyncio.Future[Message] | None = None
        self._receive: Receive | None = None
        self._ping_timer: asyncio.TimerHandle | None = None
        self._cut_timer: asyncio.TimerHandle | None = None
        self._listen_timer: asyncio.TimerHandle | None = None
        self._quiet_since = 0.0
        self._ping_due = False
        self._stop = False  # the client left, or the server cut the stream
        self._disconnected = False
        self._ended = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            if scope["method"] == "HEAD":  # headers only: the stream never starts
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await self._stream(receive, send)
        finally:
            self._ended = True
            if self._on_close is not None:
                await self._on_close()

    async def _stream(self, receive: Receive, send: Send) -> None:
        loop = self._loop = asyncio.get_running_loop()
        reader = self._reader
        take = reader.take
        self._receive = receive
        watcher = _shutdown_watcher(loop)
        watcher.streams.add(self)
        writing = watcher.writing
        base = reader.burst_interval
        cap = max(base, MAX_BURST_INTERVAL) if base else 0.0
        if self._ping_interval:
            self._quiet_since = loop.time()
            self._ping_timer = loop.call_at(self._quiet_since + self._ping_interval, self._tick)
        # The client leaving is watched for from LISTEN_AFTER into the stream: a
        # short one (most of an API's) costs no task for it.
        self._listen_timer = loop.call_later(LISTEN_AFTER, self._start_listening)
        try:
            while not self._stop:
                if cap:  # the more streams write from this loop, the longer a burst waits
                    reader.burst_interval = min(base * watcher.writers, cap)
                chunk = take()
                if chunk is not None:
                    writing.add(self)
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                elif reader.over:
                    break
                elif self._ping_due:
                    self._ping_due = False
                    await send({"type": "http.response.body", "body": _ping(), "more_body": True})
                else:
                    waiter = self._waiter = loop.create_future()
                    reader.watch(waiter)
                    try:
                        await waiter
                    finally:
                        reader.unwatch(waiter)
                        self._waiter = None
            if not self._disconnected:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            watcher.streams.discard(self)
            if self._ping_timer is not None:
                self._ping_timer.cancel()
            if self._cut_timer is not None:
                self._cut_timer.cancel()
            self._listen_timer.cancel()
            if self._listener is not None and not self._listener.done():
                self._listener.cancel()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _tick(self) -> None:
        # The ping timer: due once the stream has been quiet for a whole interval.
        loop = self._loop
        assert loop is not None
        due = max(self._reader.last_write, self._quiet_since) + self._ping_interval
        now = loop.time()
        if due > now:  # something was written meanwhile
            self._ping_timer = loop.call_at(due, self._tick)
            return
        self._quiet_since = now
        self._ping_due = True
        self._ping_timer = loop.call_at(now + self._ping_interval, self._tick)
        self._wake()

    def _start_listening(self) -> None:
        if self._listener is None and not self._ended:
            self._listen()

    def _listen(self) -> None:
        assert self._receive is not None
        self._listener = asyncio.ensure_future(self._receive())
        self._listener.add_done_callback(self._received)

    def _received(self, listener: asyncio.Future[Message]) -> None:
        if listener.cancelled() or self._ended:
            if not listener.cancelled():
                listener.exception()  # retrieved
            return
        if listener.exception() is None and listener.result()["type"] != "http.disconnect":
            self._listen()  # the rest of a request body: keep listening
            return
        self._disconnected = self._stop = True
        self._wake()

    def _shutdown(self) -> None:
        # The server is shutting down: let the run end its log, or end without it.
        if self._on_shutdown is not None:
            self._on_shutdown()
        if self._grace > 0 and self._loop is not None:
            self._cut_timer = self._loop.call_later(self._grace, self._cut)
        else:
            self._cut()

    def _cut(self) -> None:
        self._stop = True
        self._wake()


def _ping() -> bytes:
    # The keep-alive comment sse-starlette sends.
    comment = f"ping - {datetime.now(UTC)}"
    return ServerSentEvent(comment=comment, sep="\n").encode()


LISTEN_AFTER = 0.05
"""Seconds into a stream from which [run_stream_response][langgraph_sse.http.sse.run_stream_response]
watches for the client leaving (one task awaiting ASGI `receive`): a stream over
sooner costs no such task, and a client that leaves is noticed at most this late."""

_SHUTDOWN_POLL = 0.5  # seconds, as sse-starlette polls


class _ShutdownWatcher:
    """Polls for the server shutting down, for every stream of one event loop, as
    sse-starlette's watcher does, and tells each of them once. At each poll it
    also counts the streams that wrote since the previous one (`writers`)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.streams: set[RunStreamResponse] = set()
        self.writing: set[RunStreamResponse] = set()  # the streams that wrote since the last poll
        self.writers = 1
        """How many streams wrote during the last poll interval (at least 1)."""
        self.task = loop.create_task(self._watch(), name="langgraph-sse shutdown watcher")

    async def _watch(self) -> None:
        while not _server_exiting():
            await asyncio.sleep(_SHUTDOWN_POLL)
            self.writers = max(1, len(self.writing))
            self.writing.clear()
        streams, self.streams = self.streams, set()
        for stream in streams:
            stream._shutdown()


_watchers: dict[asyncio.AbstractEventLoop, _ShutdownWatcher] = {}


def _shutdown_watcher(loop: asyncio.AbstractEventLoop) -> _ShutdownWatcher:
    watcher = _watchers.get(loop)
    if watcher is None or watcher.task.done():  # a watcher that saw a shutdown ends
        watcher = _watchers[loop] = _ShutdownWatcher(loop)
        watcher.task.add_done_callback(lambda _: _forget(loop, watcher))
    return watcher


def _forget(loop: asyncio.AbstractEventLoop, watcher: _ShutdownWatcher) -> None:
    if _watchers.get(loop) is watcher:
        del _watchers[loop]


def _server_exiting() -> bool:
    """Whether the server is shutting down: sse-starlette's `AppStatus.should_exit`
    (set by its hook on uvicorn's exit handler, or by hand), or, unless automatic
    draining is turned off, the flag of the uvicorn server whose handler holds
    SIGTERM (found again at every poll, as sse-starlette does)."""
    if AppStatus.should_exit:
        return True
    if not AppStatus.enable_automatic_graceful_drain:
        return False
    server = getattr(signal.getsignal(signal.SIGTERM), "__self__", None)
    return bool(getattr(server, "should_exit", False))
