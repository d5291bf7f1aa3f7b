"""The HTTP logic every adapter shares.

[GraphServer][langgraph_sse.server.GraphServer] serves one compiled graph: it
authenticates and validates requests, enforces thread ownership and limits,
starts runs, builds the streaming and JSON responses and reads thread state. It
speaks Starlette's `Request`/`Response` (which FastAPI uses too); the adapters in
[langgraph_sse.adapters][] only mount its endpoints.

Endpoints (relative to where they are mounted):

| Endpoint | What it does |
| --- | --- |
| `POST /stream` | run and stream events (JSON body: `StreamRequest`) |
| `GET /stream` | the same from query parameters, for `EventSource` |
| `POST /invoke` | run to the end, answer the output (`InvokeResponse`) |
| `GET /threads/{thread_id}/state` | the thread's current state (`ThreadState`) |
| `GET /threads/{thread_id}/history` | its checkpoints, newest first (`ThreadHistory`) |
| `POST /runs` | start a run without waiting (`RunInfo`, 202) |
| `GET /runs/{run_id}` | the run's status (`RunInfo`) |
| `GET /runs/{run_id}/stream` | its events after `Last-Event-ID`, then the live tail |
| `POST /runs/{run_id}/cancel` | stop it |
| `GET /healthz` | `{"status": "ok"}`, the one endpoint that needs no credentials |
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, TypedDict
from urllib.parse import quote

import anyio
from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.pregel import Pregel
from langgraph.types import Command
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from langgraph_sse.auth import Auth, AuthError, Principal
from langgraph_sse.broker import RedisBroker, RemoteRun
from langgraph_sse.events import ErrorEvent, Event, InterruptEvent, NodeStartEvent, ValuesEvent
from langgraph_sse.exceptions import HTTPError, answer_http_errors
from langgraph_sse.formats import Encoder, JSONFormat, WireFormat
from langgraph_sse.limits import Limits
from langgraph_sse.ownership import PRIVATE_THREADS, ThreadOwnership
from langgraph_sse.parsing import (
    check_limits,
    check_thread_id,
    read_body,
    read_history_query,
    read_stream_query,
)
from langgraph_sse.responses import JSONResponse
from langgraph_sse.run import Run
from langgraph_sse.runs import MultitaskStrategy, RunManager, ThreadBusyError
from langgraph_sse.schemas import HistoryQuery, RunRequest, StreamRequest
from langgraph_sse.sse import SSE_HEADERS, event_stream_response
from langgraph_sse.stream import StreamMode, normalize_stream_mode, stream_events
from langgraph_sse.threads import has_checkpointer, snapshot_to_dict, thread_config

__all__ = ["GraphServer", "ServerOptions"]

logger = logging.getLogger("langgraph_sse")


class ServerOptions(TypedDict, total=False):
    """Options of [GraphServer][langgraph_sse.server.GraphServer], taken by every adapter as keyword arguments."""

    stream_mode: StreamMode | Sequence[StreamMode]
    subgraphs: bool
    config: RunnableConfig | None
    auth: Auth | None
    ownership: ThreadOwnership | None
    limits: Limits | None
    ping_interval: float
    wire_format: WireFormat | None
    cancel_timeout: float
    flush_interval: float
    run_retention: float
    broker: RedisBroker | None


_Handler = Callable[["GraphServer", Request, Principal | None], Awaitable[Response]]


def _authenticated(handler: _Handler) -> Callable[[GraphServer, Request], Awaitable[Response]]:
    """A Starlette endpoint that authenticates the request first (401 before
    anything else) and answers any HTTPError as its JSON response."""

    @answer_http_errors
    @functools.wraps(handler)
    async def endpoint(server: GraphServer, request: Request) -> Response:
        return await handler(server, request, await server.authenticate(request))

    return endpoint


class GraphServer:
    """Serves one compiled LangGraph over HTTP.

    Args:
        graph: Any compiled graph (`builder.compile(...)`).
        stream_mode: Stream mode(s) used when a request names none.
        subgraphs: Whether to stream from subgraphs when a request does not say.
        config: Base `RunnableConfig` of every run (e.g. `recursion_limit`);
            the thread id is set per request.
        auth: Who may call: an async `(request) -> Principal | None`, such as
            [api_key_auth][langgraph_sse.auth.api_key_auth] or
            [bearer_auth][langgraph_sse.auth.bearer_auth]. Every endpoint but
            `/healthz` then needs credentials (401 without). None: open.
        ownership: With `auth`, who may use a thread. By default a thread is
            private to the principal that created it: to anyone else it does not
            exist (404). None shares every thread between all principals.
        limits: Body size, message length, stream modes, client config keys, run
            time and concurrent streams; see [Limits][langgraph_sse.limits.Limits].
        ping_interval: Seconds between SSE keep-alive comments (0 disables them);
            keep it well under your proxies' read timeouts (often 60 s).
        wire_format: How events become bytes; [JSONFormat][langgraph_sse.formats.JSONFormat]
            by default.
        cancel_timeout: Seconds to wait, after a client left, for the cancelled run
            to finish its cleanup before the response ends.
        flush_interval: Seconds a frame may wait so that a burst of frames goes out
            in one write; the first frame after a pause is written at once. See
            [Run.chunks][langgraph_sse.run.Run.chunks].
        run_retention: Seconds a finished run stays replayable
            (`GET /runs/{run_id}/stream`); its frames are kept in memory (and in
            Redis with a broker) until then.
        broker: Share runs between replicas: with a
            [RedisBroker][langgraph_sse.broker.RedisBroker] any replica can join,
            resume, cancel or report any run, and one run per thread holds across
            replicas. None: runs live in the process that started them.
    """

    def __init__(
        self,
        graph: Pregel[Any, Any, Any, Any],
        *,
        stream_mode: StreamMode | Sequence[StreamMode] = "messages",
        subgraphs: bool = False,
        config: RunnableConfig | None = None,
        auth: Auth | None = None,
        ownership: ThreadOwnership | None = PRIVATE_THREADS,
        limits: Limits | None = None,
        ping_interval: float = 15.0,
        wire_format: WireFormat | None = None,
        cancel_timeout: float = 5.0,
        flush_interval: float = 0.002,
        run_retention: float = 60.0,
        broker: RedisBroker | None = None,
    ) -> None:
        self.graph = graph
        self.stream_mode = normalize_stream_mode(stream_mode)
        self.subgraphs = subgraphs
        self.config: RunnableConfig = config or {}
        self.auth = auth
        self.ownership = ownership
        self.limits = limits or Limits()
        self.ping_interval = ping_interval
        self.wire_format: WireFormat = wire_format or JSONFormat()
        self.cancel_timeout = cancel_timeout
        self.flush_interval = flush_interval
        self.runs = RunManager(retention=run_retention)
        self.broker = broker
        self._publishers: set[asyncio.Task[None]] = set()
        self._open_streams: Counter[str] = Counter()

    @property
    def active_runs(self) -> int:
        """How many runs are pending or running."""
        return self.runs.active

    # -- who is calling -------------------------------------------------------

    async def authenticate(self, request: Request) -> Principal | None:
        """The principal making `request`; None when the server has no `auth`.

        Raises:
            HTTPError: 401 (or the auth's own status) when the request is refused.
        """
        if self.auth is None:
            return None
        try:
            principal = await self.auth(request)
        except AuthError as exc:
            raise _refused(exc.status_code, exc.detail) from None
        if principal is None:
            raise _refused(401, "Not authenticated")
        return principal

    async def _check_owner(
        self, thread_id: str, config: RunnableConfig, principal: Principal | None
    ) -> None:
        # Another principal's thread answers exactly like a missing one.
        if principal is None or self.ownership is None or not has_checkpointer(self.graph):
            return
        exists, owner = await self.ownership.owner_of(self.graph.checkpointer, config)  # type: ignore[arg-type]
        if exists and not self.ownership.allows(principal, owner):
            raise _not_found(thread_id)

    # -- runs -----------------------------------------------------------------

    async def stream(
        self, request: Request, body: StreamRequest, principal: Principal | None = None
    ) -> Response:
        """Start a run and answer its events as a `text/event-stream`.

        The run gets its own task and is registered with the server's runs, so it
        can be joined, resumed or cancelled by id. If the client goes away the run
        is cancelled (which cancels the graph's nodes) unless the request said
        `on_disconnect: "continue"`; past `limits.max_run_seconds` it is cancelled
        and the stream ends with an `error` event of type `timeout`.

        Raises:
            HTTPError: 422 over a limit, 429 over the concurrent-stream cap, or
                the errors of [prepare][langgraph_sse.server.GraphServer.prepare].
        """
        check_limits(body, self.limits)
        return await self._stream(request, body, principal)

    async def _stream(
        self, request: Request, body: StreamRequest, principal: Principal | None
    ) -> Response:
        thread_id, config, graph_input = await self.prepare(body, principal)
        stream_key = _stream_key(request, principal)
        self._open_stream(stream_key)
        try:
            run = await self._start_run(
                body,
                principal,
                thread_id,
                config,
                graph_input,
                modes=body.stream_mode or self.stream_mode,
                subgraphs=self.subgraphs if body.subgraphs is None else body.subgraphs,
            )
        except BaseException:
            self._close_stream(stream_key)
            raise
        return self._respond(
            run, 0, stream_key, cancel_on_disconnect=body.on_disconnect != "continue"
        )

    async def _start_run(
        self,
        body: RunRequest,
        principal: Principal | None,
        thread_id: str,
        config: RunnableConfig,
        graph_input: Any,
        *,
        modes: Sequence[StreamMode],
        subgraphs: bool,
        encoder: Encoder | None = None,
    ) -> Run:
        run_id = str(uuid.uuid4())
        multitask = body.multitask_strategy or "reject"
        exclusive = has_checkpointer(self.graph)
        turn: Awaitable[None] | None = None
        before_done = None
        if self.broker is not None and exclusive:
            # The thread is claimed in Redis, across replicas.
            holder = await self.broker.claim_thread(thread_id, run_id)
            if holder is not None:
                if multitask == "reject":
                    raise HTTPError(409, str(ThreadBusyError(thread_id, holder)))
                turn = self._take_thread(thread_id, run_id, holder, multitask)
            # Free the thread before `done` is sent: a client that saw `done`
            # may start the next run at once, on any replica.
            before_done = functools.partial(self.broker.release_thread, thread_id, run_id)
            exclusive = False  # the local manager need not check again
        events = stream_events(
            self.graph, graph_input, config, stream_mode=modes, subgraphs=subgraphs, run_id=run_id
        )
        try:
            run = self.runs.start(
                events,
                encoder or self.wire_format.encoder(),
                run_id=run_id,
                thread_id=thread_id,
                exclusive=exclusive,
                owner=None if principal is None else principal.id,
                timeout=self.limits.max_run_seconds,
                multitask=multitask,
                wait_for=turn,
                before_done=before_done,
            )
        except ThreadBusyError as exc:
            raise HTTPError(409, str(exc)) from None
        if self.broker is not None:
            publisher = asyncio.get_running_loop().create_task(
                self.broker.publish(run, self.runs.retention),
                name=f"langgraph-sse publish {run_id}",
            )
            self._publishers.add(publisher)
            publisher.add_done_callback(self._publishers.discard)
        log = {
            "run_id": run_id,
            "thread_id": thread_id,
            "principal": None if principal is None else principal.id,
            "modes": ",".join(modes),
        }
        run.add_done_callback(functools.partial(_log_run, log))
        return run

    async def _take_thread(
        self, thread_id: str, run_id: str, holder: str, multitask: MultitaskStrategy
    ) -> None:
        assert self.broker is not None
        if multitask == "interrupt":
            await self.broker.cancel(holder)
        while await self.broker.claim_thread(thread_id, run_id) is not None:
            await self.broker.wait_for_thread(thread_id)

    def _respond(
        self, run: Run, start: int, stream_key: str, *, cancel_on_disconnect: bool
    ) -> Response:
        return event_stream_response(
            self._send(run, start, stream_key, cancel_on_disconnect),
            ping_interval=self.ping_interval,
            headers=_run_headers(run),
            on_shutdown=functools.partial(run.cancel, "shutdown"),
        )

    async def _send(
        self, run: Run, start: int, stream_key: str, cancel_on_disconnect: bool
    ) -> AsyncIterator[bytes]:
        try:
            async for chunk in run.chunks(self.flush_interval, start):
                yield chunk
        finally:
            self._close_stream(stream_key)
            if cancel_on_disconnect and not run.finished:
                run.cancel()
                with anyio.move_on_after(self.cancel_timeout, shield=True):
                    await run.wait()

    async def stream_get(self, request: Request, principal: Principal | None = None) -> Response:
        """`GET /stream`: a run from query parameters, for the browser's `EventSource`.

        An `EventSource` reconnects by itself whenever a stream ends, sending the
        `Last-Event-ID` of the last frame it saw; this URL does not name the run, so
        such a reconnect is answered `204 No Content`, which tells the browser to
        stop, rather than running the graph again with the same input. (For
        resumable streams, start with `POST /runs` and follow
        `GET /runs/{run_id}/stream`.) `HEAD` answers the headers and runs nothing.

        Raises:
            HTTPError: 422 for invalid parameters, or the errors of [stream][langgraph_sse.server.GraphServer.stream].
        """
        if "last-event-id" in request.headers:
            return Response(status_code=204)
        body = read_stream_query(request.query_params)
        check_limits(body, self.limits, "query")
        if request.method == "HEAD":
            return Response(headers=SSE_HEADERS, media_type="text/event-stream")
        return await self._stream(request, body, principal)

    def _open_stream(self, key: str) -> None:
        cap = self.limits.max_streams_per_principal
        if cap is not None and self._open_streams[key] >= cap:
            raise HTTPError(
                429, f"Too many open streams (at most {cap} at once)", {"Retry-After": "1"}
            )
        self._open_streams[key] += 1

    def _close_stream(self, key: str) -> None:
        self._open_streams[key] -= 1
        if self._open_streams[key] <= 0:
            del self._open_streams[key]

    # -- background runs ------------------------------------------------------

    async def create_run(self, body: StreamRequest, principal: Principal | None = None) -> Response:
        """`POST /runs`: start a run without waiting; answer `202` with its
        [RunInfo][langgraph_sse.schemas.RunInfo]. Follow it with `GET /runs/{run_id}/stream`.

        Raises:
            HTTPError: as [stream][langgraph_sse.server.GraphServer.stream].
        """
        check_limits(body, self.limits)
        thread_id, config, graph_input = await self.prepare(body, principal)
        run = await self._start_run(
            body,
            principal,
            thread_id,
            config,
            graph_input,
            modes=body.stream_mode or self.stream_mode,
            subgraphs=self.subgraphs if body.subgraphs is None else body.subgraphs,
        )
        return JSONResponse(_run_info(run), status_code=202)

    async def run_info(self, run_id: str, principal: Principal | None = None) -> Response:
        """`GET /runs/{run_id}`: the run's [RunInfo][langgraph_sse.schemas.RunInfo].

        Raises:
            HTTPError: 404 for an unknown (or expired, or another principal's) run.
        """
        return JSONResponse(_run_info(await self._find_run(run_id, principal)))

    async def join(
        self, request: Request, run_id: str, principal: Principal | None = None
    ) -> Response:
        """`GET /runs/{run_id}/stream`: the run's frames after `Last-Event-ID`
        (header, or `last_event_id` query parameter), then the live tail.

        Without `Last-Event-ID` the stream starts from the run's first frame. A
        reader leaving never cancels the run.

        Raises:
            HTTPError: 404 for an unknown run, 422 for a `Last-Event-ID` that is
                not one of this run's ids, 429 over the stream cap.
        """
        run = await self._find_run(run_id, principal)
        # An empty id (header or query) means "from the start", as no id at all.
        last_event_id = (
            request.headers.get("last-event-id")
            or request.query_params.get("last_event_id")
            or None
        )
        try:
            after = None if last_event_id is None else int(last_event_id)
            if after is not None and after < 0:
                raise ValueError(last_event_id)
            # A remote copy may lag the frames a client saw: only a local run is
            # checked against its last id.
            start = run.position_after(last_event_id) if isinstance(run, Run) else 0
        except ValueError:
            raise HTTPError.field(
                ["header", "last-event-id"], f"Not an event id of this run: {last_event_id!r}"
            ) from None
        stream_key = _stream_key(request, principal)
        self._open_stream(stream_key)
        if isinstance(run, RemoteRun):  # running on another replica, or finished there
            assert self.broker is not None
            return event_stream_response(
                self._relay(self.broker.frames(run.run_id, after), stream_key),
                ping_interval=self.ping_interval,
                headers=_run_headers(run),
            )
        return self._respond(run, start, stream_key, cancel_on_disconnect=False)

    async def _relay(self, frames: AsyncIterator[bytes], stream_key: str) -> AsyncIterator[bytes]:
        try:
            async for chunk in frames:
                yield chunk
        finally:
            self._close_stream(stream_key)

    async def cancel_run(self, run_id: str, principal: Principal | None = None) -> Response:
        """`POST /runs/{run_id}/cancel`: stop the run (its readers get `done` with
        status `cancelled`); answer its [RunInfo][langgraph_sse.schemas.RunInfo].

        Raises:
            HTTPError: 404 for an unknown run.
        """
        run = await self._find_run(run_id, principal)
        if isinstance(run, Run):
            run.cancel()
            with anyio.move_on_after(self.cancel_timeout):
                await run.wait()
            return JSONResponse(_run_info(run), status_code=202)
        assert self.broker is not None
        await self.broker.cancel(run_id)
        with anyio.move_on_after(self.cancel_timeout):
            while not run.finished:
                await asyncio.sleep(0.05)
                run = await self._find_run(run_id, principal)
        return JSONResponse(_run_info(run), status_code=202)

    async def _find_run(self, run_id: str, principal: Principal | None) -> Run | RemoteRun:
        run: Run | RemoteRun | None = self.runs.get(run_id)
        if run is None and self.broker is not None:
            run = await self.broker.find(run_id)
        if run is None or (
            principal is not None and self.ownership is not None and run.owner != principal.id
        ):
            raise HTTPError(404, f"Run {run_id!r} not found")
        return run

    async def shutdown(self) -> None:
        """Stop every run: each stream ends with an `error` event of type
        `shutdown` and `done`. Call it when the app shuts down (the ASGI app
        from [make_asgi_app][langgraph_sse.adapters.asgi.make_asgi_app] does)."""
        await self.runs.shutdown(self.cancel_timeout)
        if self._publishers:
            await asyncio.wait(self._publishers, timeout=self.cancel_timeout)
        if self.broker is not None:
            await self.broker.aclose()

    async def invoke(self, body: RunRequest, principal: Principal | None = None) -> Response:
        """Run to the end and answer the output, status and pending interrupts.

        A graph error answers 500 with the error's class name and message; a run
        over `limits.max_run_seconds` is cancelled and answers 504.

        Raises:
            HTTPError: 422 over a limit or for an input the graph refused before
                running any node, 409 for a busy thread, or the errors of
                [prepare][langgraph_sse.server.GraphServer.prepare].
        """
        check_limits(body, self.limits)
        thread_id, config, graph_input = await self.prepare(body, principal)
        collected: list[Event] = []
        encode = self.wire_format.encoder()

        def collect(event: Event) -> bytes:  # keep the events, and log the frames as any run
            collected.append(event)
            return encode(event)

        run = await self._start_run(
            body,
            principal,
            thread_id,
            config,
            graph_input,
            modes=("values", "tasks"),  # tasks: to tell a refused input from a failed node
            subgraphs=False,
            encoder=collect,
        )
        await run.wait()
        result: dict[str, Any] = {
            "run_id": run.run_id,
            "thread_id": thread_id,
            "status": run.state,
            "values": None,
            "interrupts": [],
            "error": None,
        }
        ran = False  # whether any node started: if not, the graph refused the input
        for event in collected:
            if isinstance(event, ValuesEvent) and not event.ns:
                result["values"] = event.data
            elif isinstance(event, NodeStartEvent):
                ran = True
            elif isinstance(event, InterruptEvent):
                result["interrupts"].append({"id": event.id, "value": event.value})
            elif isinstance(event, ErrorEvent):
                result["error"] = {"error": event.error, "message": event.message}
        if run.outcome == "timeout":
            return JSONResponse(result, status_code=504)
        if result["status"] == "error" and not ran and result["error"] is not None:
            # The graph refused the input before any node ran (e.g. EmptyInputError,
            # or an update it cannot apply): the client's fault. (LangGraph may have
            # saved the input as a checkpoint already: it stays in the history.)
            error = result["error"]
            raise HTTPError.field(
                ["body", "input"],
                f"The graph refused the input: {error['error']}: {error['message']}",
                "graph_input",
            )
        return JSONResponse(result, status_code=500 if result["status"] == "error" else 200)

    async def prepare(
        self, body: RunRequest, principal: Principal | None = None
    ) -> tuple[str, RunnableConfig, Any]:
        """The thread id, config and graph input of a run request.

        Raises:
            HTTPError: 404 for another principal's thread, or to resume a thread
                that does not exist; 409 to resume on a graph without checkpointer
                or a thread with nothing to resume.
        """
        thread_id = body.thread_id or str(uuid.uuid4())
        config = self.config
        if body.config is not None:  # only keys the limits allow got this far
            config = _merge_config(config, body.config.model_dump(exclude_unset=True))
        config = thread_config(thread_id, config)
        if body.thread_id is not None:
            await self._check_owner(thread_id, config, principal)
        if principal is not None and self.ownership is not None:
            config = self.ownership.stamp(config, principal)
        if body.command is not None:
            await self._check_resumable(thread_id, config)
            command: Command[Any] = Command(resume=body.command.resume, update=body.command.update)
            return thread_id, config, command
        if body.message is not None:
            return thread_id, config, {"messages": [HumanMessage(content=body.message)]}
        return thread_id, config, body.input

    async def _check_resumable(self, thread_id: str, config: RunnableConfig) -> None:
        self._require_checkpointer()
        snapshot = await self.graph.aget_state(config)
        if snapshot.created_at is None:
            raise _not_found(thread_id)
        if not snapshot.interrupts:
            raise HTTPError(409, f"Thread {thread_id!r} has no pending interrupt to resume")

    def _require_checkpointer(self) -> None:
        if not has_checkpointer(self.graph):
            raise HTTPError(
                409,
                "This graph was compiled without a checkpointer, so it keeps no thread state; "
                "compile it with one (e.g. builder.compile(checkpointer=InMemorySaver())).",
            )

    # -- threads --------------------------------------------------------------

    async def thread_state(self, thread_id: str, principal: Principal | None = None) -> Response:
        """The thread's latest state.

        Raises:
            HTTPError: 409 without a checkpointer, 404 for an unknown thread or
                another principal's.
        """
        check_thread_id(thread_id)
        self._require_checkpointer()
        config = thread_config(thread_id, self.config)
        await self._check_owner(thread_id, config, principal)
        snapshot = await self.graph.aget_state(config)
        if snapshot.created_at is None:
            raise _not_found(thread_id)
        return JSONResponse(snapshot_to_dict(thread_id, snapshot))

    async def thread_history(
        self, thread_id: str, query: HistoryQuery, principal: Principal | None = None
    ) -> Response:
        """The thread's checkpoints, newest first.

        Raises:
            HTTPError: 409 without a checkpointer, 404 for an unknown thread or
                another principal's.
        """
        check_thread_id(thread_id)
        self._require_checkpointer()
        config = thread_config(thread_id, self.config)
        await self._check_owner(thread_id, config, principal)
        before = None
        if query.before is not None:
            before = thread_config(thread_id, {"configurable": {"checkpoint_id": query.before}})
        checkpoints = [
            snapshot_to_dict(thread_id, snapshot)
            async for snapshot in self.graph.aget_state_history(
                config, limit=query.limit, before=before
            )
        ]
        if not checkpoints and before is None:
            raise _not_found(thread_id)
        return JSONResponse({"thread_id": thread_id, "checkpoints": checkpoints})

    @staticmethod
    def healthz() -> Response:
        """`{"status": "ok"}`."""
        return JSONResponse({"status": "ok"})

    # -- Starlette endpoints --------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        """Starlette routes for every endpoint (what [make_routes][langgraph_sse.adapters.starlette.make_routes] returns)."""
        return [
            Route("/stream", self._stream_endpoint, methods=["GET", "POST"], name="stream"),
            Route("/invoke", self._invoke_endpoint, methods=["POST"], name="invoke"),
            Route(
                "/threads/{thread_id}/state",
                self._state_endpoint,
                methods=["GET"],
                name="thread_state",
            ),
            Route(
                "/threads/{thread_id}/history",
                self._history_endpoint,
                methods=["GET"],
                name="thread_history",
            ),
            Route("/runs", self._create_run_endpoint, methods=["POST"], name="create_run"),
            Route("/runs/{run_id}", self._run_endpoint, methods=["GET"], name="run"),
            Route("/runs/{run_id}/stream", self._join_endpoint, methods=["GET"], name="join_run"),
            Route(
                "/runs/{run_id}/cancel", self._cancel_endpoint, methods=["POST"], name="cancel_run"
            ),
            Route("/healthz", self._healthz_endpoint, methods=["GET"], name="healthz"),
        ]

    @_authenticated
    async def _stream_endpoint(self, request: Request, principal: Principal | None) -> Response:
        if request.method == "POST":
            body = await read_body(request, StreamRequest, self.limits.max_body_bytes)
            return await self.stream(request, body, principal)
        return await self.stream_get(request, principal)

    @_authenticated
    async def _invoke_endpoint(self, request: Request, principal: Principal | None) -> Response:
        body = await read_body(request, RunRequest, self.limits.max_body_bytes)
        return await self.invoke(body, principal)

    @_authenticated
    async def _state_endpoint(self, request: Request, principal: Principal | None) -> Response:
        return await self.thread_state(request.path_params["thread_id"], principal)

    @_authenticated
    async def _history_endpoint(self, request: Request, principal: Principal | None) -> Response:
        query = read_history_query(request.query_params)
        return await self.thread_history(request.path_params["thread_id"], query, principal)

    @_authenticated
    async def _create_run_endpoint(self, request: Request, principal: Principal | None) -> Response:
        body = await read_body(request, StreamRequest, self.limits.max_body_bytes)
        return await self.create_run(body, principal)

    @_authenticated
    async def _run_endpoint(self, request: Request, principal: Principal | None) -> Response:
        return await self.run_info(request.path_params["run_id"], principal)

    @_authenticated
    async def _join_endpoint(self, request: Request, principal: Principal | None) -> Response:
        return await self.join(request, request.path_params["run_id"], principal)

    @_authenticated
    async def _cancel_endpoint(self, request: Request, principal: Principal | None) -> Response:
        return await self.cancel_run(request.path_params["run_id"], principal)

    async def _healthz_endpoint(self, request: Request) -> Response:
        return self.healthz()


def _log_run(log: dict[str, Any], run: Run) -> None:
    duration_ms = round(((run.ended_at or run.started_at) - run.started_at) * 1000)
    fields = {**log, "outcome": run.outcome, "events": run.events, "duration_ms": duration_ms}
    logger.info(
        "run %s",
        " ".join(f"{key}={value}" for key, value in fields.items()),
        extra={"langgraph_sse": fields},
    )


def _run_headers(run: Run | RemoteRun) -> dict[str, str]:
    # Header values must be Latin-1 without line breaks: percent-encode the id
    # (the `metadata` event carries it as it is).
    return {"X-Run-Id": run.run_id, "X-Thread-Id": quote(run.thread_id or "", safe="")}


def _run_info(run: Run | RemoteRun) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "thread_id": run.thread_id,
        "status": run.state,
        "events": run.events,
    }


def _refused(status_code: int, detail: str) -> HTTPError:
    headers = {"WWW-Authenticate": 'Bearer realm="langgraph-sse"'} if status_code == 401 else None
    return HTTPError(status_code, detail, headers)


def _not_found(thread_id: str) -> HTTPError:
    return HTTPError(404, f"Thread {thread_id!r} not found")


def _stream_key(request: Request, principal: Principal | None) -> str:
    if principal is not None:
        return f"principal:{principal.id}"
    return f"address:{request.client.host if request.client else 'unknown'}"


def _merge_config(base: RunnableConfig, extra: dict[str, Any]) -> RunnableConfig:
    merged: dict[str, Any] = {**base, **extra}
    for key in ("configurable", "metadata"):
        if key in base and key in extra:
            merged[key] = {**base[key], **extra[key]}  # type: ignore[literal-required]
    if "tags" in base and "tags" in extra:
        merged["tags"] = [*base["tags"], *extra["tags"]]
    return merged  # type: ignore[return-value]
