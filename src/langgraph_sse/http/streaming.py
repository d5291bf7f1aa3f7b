"""Runs as `text/event-stream` responses, for every protocol.

[RunStreams][langgraph_sse.http.streaming.RunStreams] starts or joins a run through
the [GraphService][langgraph_sse.core.service.GraphService] and answers its frames
as an SSE response: counted against the caller's open-stream cap, with keep-alive
comments, `X-Run-Id` / `X-Thread-Id` headers, the run cancelled when the client
that started it leaves (unless asked otherwise), and the server's shutdown ending
it with an `error` event of type `shutdown`.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Mapping
from urllib.parse import quote

import anyio
from starlette.requests import Request
from starlette.responses import Response

from langgraph_sse.core.encoding import WireFormat
from langgraph_sse.core.events import DoneEvent, ErrorEvent
from langgraph_sse.core.remote import RelayStopped, RemoteRun, RunLost
from langgraph_sse.core.run import Run, RunReader
from langgraph_sse.core.service import GraphService
from langgraph_sse.core.spec import RunSpec
from langgraph_sse.http.sse import event_stream_response, run_stream_response
from langgraph_sse.security.auth import Principal

__all__ = ["FramesFilter", "RunHeaders", "RunStreams", "run_headers", "stream_key"]

RunHeaders = Callable[[Run | RemoteRun], Mapping[str, str]]
"""A protocol's own response headers for a run (e.g. where to reconnect)."""
FramesFilter = Callable[[AsyncIterator[bytes]], AsyncIterator[bytes]]
"""What a protocol keeps of a run's frames when a client joins it."""


class RunStreams:
    """Streams runs of `service` over SSE.

    Args:
        service: The service running the graph.
        ping_interval: Seconds between SSE keep-alive comments (0 disables them);
            keep it well under your proxies' read timeouts (often 60 s).
        flush_interval: Seconds a frame may wait so that a burst of frames goes out
            in one write; the first frame after a pause is written at once. See
            [Run.chunks][langgraph_sse.core.run.Run.chunks].
    """

    def __init__(
        self, service: GraphService, *, ping_interval: float = 15.0, flush_interval: float = 0.002
    ) -> None:
        self.service = service
        self.ping_interval = ping_interval
        self.flush_interval = flush_interval

    async def start(
        self,
        request: Request,
        principal: Principal | None,
        spec: RunSpec,
        wire_format: WireFormat,
        *,
        cancel_on_disconnect: bool = True,
        headers: RunHeaders | None = None,
    ) -> Response:
        """Start a run and answer its frames from the first, with the protocol's
        own `headers` for the run, if any, beside `X-Run-Id` and `X-Thread-Id`.

        Raises:
            ServiceError: as [GraphService.start][langgraph_sse.core.service.GraphService.start],
                or `TooManyStreams` over the caller's cap.
        """
        key = stream_key(request, principal)
        self.service.streams.open(key)
        try:
            run = await self.service.start(spec, principal, wire_format)
        except BaseException:
            self.service.streams.close(key)
            raise
        frames = run.chunks(self.flush_interval)
        return self._respond(
            run, frames, key, cancel_on_disconnect=cancel_on_disconnect, headers=headers
        )

    async def join(
        self,
        request: Request,
        principal: Principal | None,
        run_id: str,
        wire_format: WireFormat,
        last_event_id: str | None,
        *,
        cancel_on_disconnect: bool = False,
        headers: RunHeaders | None = None,
        frames_filter: FramesFilter | None = None,
    ) -> Response:
        """Answer a run's frames after `last_event_id`, then its live tail. A
        reader leaving cancels the run only with `cancel_on_disconnect`. A run
        that is over and was read to its end answers `204 No Content`, which tells
        an `EventSource` to stop reconnecting. `frames_filter`, if given, is applied
        to the frames (e.g. to keep only some stream modes).

        Raises:
            ServiceError: as [GraphService.join][langgraph_sse.core.service.GraphService.join],
                or `TooManyStreams` over the caller's cap.
        """
        stop = asyncio.Event()  # set when this server shuts down
        run, frames = await self.service.join(
            run_id,
            principal,
            wire_format,
            last_event_id=last_event_id,
            flush_interval=self.flush_interval,
            stop=stop,
        )
        if frames is None:
            return Response(status_code=204, headers=run_headers(run, headers))
        key = stream_key(request, principal)
        self.service.streams.open(key)
        if isinstance(run, RemoteRun):
            frames = _relayed(frames, wire_format)
        if frames_filter is not None:
            frames = frames_filter(frames)
        return self._respond(
            run,
            frames,
            key,
            cancel_on_disconnect=cancel_on_disconnect,
            stop=stop if isinstance(run, RemoteRun) else None,
            headers=headers,
        )

    def _respond(
        self,
        run: Run | RemoteRun,
        frames: AsyncIterator[bytes],
        key: str,
        *,
        cancel_on_disconnect: bool,
        stop: asyncio.Event | None = None,
        headers: RunHeaders | None = None,
    ) -> Response:
        local = run if isinstance(run, Run) else None
        on_shutdown = None if stop is None else stop.set
        if local is not None:
            on_shutdown = functools.partial(local.cancel, "shutdown")
        if type(frames) is RunReader:  # the run's own log, read as it is: no task group
            return run_stream_response(
                frames,
                ping_interval=self.ping_interval,
                headers=run_headers(run, headers),
                on_shutdown=on_shutdown,
                on_close=functools.partial(self._close, local, key, cancel_on_disconnect),
            )
        return event_stream_response(
            self._send(local, frames, key, cancel_on_disconnect),
            ping_interval=self.ping_interval,
            headers=run_headers(run, headers),
            on_shutdown=on_shutdown,
        )

    async def _send(
        self,
        run: Run | None,
        frames: AsyncIterator[bytes],
        key: str,
        cancel_on_disconnect: bool,
    ) -> AsyncIterator[bytes]:
        try:
            async for chunk in frames:
                yield chunk
        finally:
            await self._close(run, key, cancel_on_disconnect)

    async def _close(self, run: Run | None, key: str, cancel_on_disconnect: bool) -> None:
        # A stream is over, however it ended: it no longer counts against the cap,
        # and the run it was the client of stops, unless asked otherwise.
        self.service.streams.close(key)
        if cancel_on_disconnect and run is not None and not run.finished:
            run.cancel()
            with anyio.move_on_after(self.service.cancel_timeout, shield=True):
                await run.wait()


def stream_key(request: Request, principal: Principal | None) -> str:
    """What the open-stream cap counts a request against: its principal, or
    without auth its client address."""
    if principal is not None:
        return f"principal:{principal.id}"
    return f"address:{request.client.host if request.client else 'unknown'}"


def run_headers(run: Run | RemoteRun, extra: RunHeaders | None = None) -> dict[str, str]:
    """`X-Run-Id` and `X-Thread-Id`, and the `extra` headers for the run. Header
    values must be Latin-1 without line breaks: the thread id is percent-encoded
    (the `metadata` event carries it as it is)."""
    headers = {"X-Run-Id": run.run_id, "X-Thread-Id": quote(run.thread_id or "", safe="")}
    if extra is not None:
        headers.update(extra(run))
    return headers


async def _relayed(frames: AsyncIterator[bytes], wire_format: WireFormat) -> AsyncIterator[bytes]:
    """A remote run's frames, ended with an `error` and `done` when they stop early:
    its replica died (`lost`): numbered after its last frame, as its true end; or
    this server shuts down (`shutdown`) or cannot reach Redis (`unavailable`) while
    the run may go on: without SSE ids, so a client resuming with `Last-Event-ID`
    loses none of the run's frames."""
    try:
        async for chunk in frames:
            yield chunk
        return
    except (RunLost, RelayStopped) as exc:
        stopped = exc
    encode = wire_format.encoder()
    seq = stopped.last_seq + 1
    error = ErrorEvent(seq=seq, error=stopped.reason, message=str(stopped))
    ending = encode(error) + encode(DoneEvent(seq=seq + 1, status="error"))
    if isinstance(stopped, RelayStopped):  # the run may go on: no ids of their own
        lines = ending.split(b"\n")[:-1]
        ending = b"".join(line + b"\n" for line in lines if not line.startswith(b"id:"))
    yield ending
