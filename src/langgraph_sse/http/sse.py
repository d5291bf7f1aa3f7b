"""Server-Sent Events framing and the streaming response.

Frames follow the HTML Living Standard's `text/event-stream` format: optional
`event:` and `id:` fields, one `data:` line per line of the payload, and a
blank line to end the frame. Lines end with `\\n`.

The response is sse-starlette's `EventSourceResponse`,
which sends keep-alive comments, watches for the client going away and for
server shutdown. The body it is handed is already encoded bytes.

Two places go beyond sse-starlette's documented use, which is why its version is
pinned to `>=3.5,<4`: the response overrides `_send_with_timeout` (private, from
3.5) to skip an anyio cancel scope per write when no `send_timeout` is set (a test
fails if sse-starlette stops calling it), and `shutdown_event` (public, from 3.3)
is given an object whose `set()` runs a callback, which is all sse-starlette calls.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Mapping

from sse_starlette import EventSourceResponse
from starlette.types import Message, Send

__all__ = ["SSE_HEADERS", "event_stream_response", "format_frame"]

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
