"""The HTTP logic every adapter shares.

[GraphServer][langgraph_sse.server.GraphServer] serves one compiled graph: it validates requests, starts
runs, builds the streaming and JSON responses and reads thread state. It speaks
Starlette's `Request`/`Response` (which FastAPI uses too); the adapters in
[langgraph_sse.adapters][] only mount its endpoints.

Endpoints (relative to where they are mounted):

| Endpoint | What it does |
| --- | --- |
| `POST /stream` | run and stream events (JSON body: `StreamRequest`) |
| `GET /stream` | the same from query parameters, for `EventSource` |
| `POST /invoke` | run to the end, answer the output (`InvokeResponse`) |
| `GET /threads/{thread_id}/state` | the thread's current state (`ThreadState`) |
| `GET /threads/{thread_id}/history` | its checkpoints, newest first (`ThreadHistory`) |
| `GET /healthz` | `{"status": "ok"}` |
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypedDict, TypeVar

import anyio
import orjson
from langchain_core.messages import HumanMessage
from langchain_core.runnables import RunnableConfig
from langgraph.pregel import Pregel
from langgraph.types import Command
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from langgraph_sse.events import DoneEvent, ErrorEvent, Event, InterruptEvent, ValuesEvent
from langgraph_sse.formats import JSONFormat, WireFormat
from langgraph_sse.run import Run
from langgraph_sse.schemas import HistoryQuery, RunRequest, StreamRequest, ThreadId
from langgraph_sse.serialize import dumps
from langgraph_sse.sse import event_stream_response
from langgraph_sse.stream import StreamMode, normalize_stream_mode, stream_events
from langgraph_sse.threads import has_checkpointer, snapshot_to_dict, thread_config

__all__ = ["GraphServer", "HTTPError", "JSONResponse", "ServerOptions", "answer_http_errors"]

logger = logging.getLogger("langgraph_sse")

ModelT = TypeVar("ModelT", bound=BaseModel)
P = ParamSpec("P")

_THREAD_ID: TypeAdapter[str] = TypeAdapter(ThreadId)


class JSONResponse(Response):
    """A JSON response written with [dumps][langgraph_sse.serialize.dumps].

    Unlike Starlette's, it writes LangChain messages, pydantic models, dataclasses,
    datetimes and the rest of what a graph state holds.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


class HTTPError(Exception):
    """A request that cannot be served; becomes a JSON `{"detail": ...}` response."""

    def __init__(self, status_code: int, detail: Any) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.detail = detail

    def response(self) -> JSONResponse:
        """The JSON error response."""
        return JSONResponse({"detail": self.detail}, status_code=self.status_code)

    @classmethod
    def from_validation(cls, exc: ValidationError, *where: str) -> HTTPError:
        """A 422 naming each invalid field, shaped like FastAPI's validation errors.

        `where` prefixes each error's `loc` (e.g. `"body"` or `"query"`).
        """
        errors = [
            {"type": e["type"], "loc": [*where, *e["loc"]], "msg": e["msg"]}
            for e in exc.errors(include_url=False)
        ]
        return cls(422, errors)


class ServerOptions(TypedDict, total=False):
    """Options of [GraphServer][langgraph_sse.server.GraphServer], taken by every adapter as keyword arguments."""

    stream_mode: StreamMode | Sequence[StreamMode]
    subgraphs: bool
    config: RunnableConfig | None
    ping_interval: float
    wire_format: WireFormat | None
    cancel_timeout: float
    flush_interval: float


def answer_http_errors(
    endpoint: Callable[P, Awaitable[Response]],
) -> Callable[P, Awaitable[Response]]:
    """Wrap an endpoint so that an [HTTPError][langgraph_sse.server.HTTPError] it raises
    becomes its JSON error response. The wrapper keeps the endpoint's signature
    (FastAPI reads it)."""

    @functools.wraps(endpoint)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        try:
            return await endpoint(*args, **kwargs)
        except HTTPError as exc:
            return exc.response()

    return wrapper


class GraphServer:
    """Serves one compiled LangGraph over HTTP.

    Args:
        graph: Any compiled graph (`builder.compile(...)`).
        stream_mode: Stream mode(s) used when a request names none.
        subgraphs: Whether to stream from subgraphs when a request does not say.
        config: Base `RunnableConfig` of every run (e.g. `recursion_limit`);
            the thread id is set per request.
        ping_interval: Seconds between SSE keep-alive comments (0 disables them).
        wire_format: How events become bytes; [JSONFormat][langgraph_sse.formats.JSONFormat]
            by default.
        cancel_timeout: Seconds to wait, after a client left, for the cancelled run
            to finish its cleanup before the response ends.
        flush_interval: Seconds a frame may wait so that a burst of frames goes out
            in one write; the first frame after a pause is written at once. See
            [Run.chunks][langgraph_sse.run.Run.chunks].
    """

    def __init__(
        self,
        graph: Pregel[Any, Any, Any, Any],
        *,
        stream_mode: StreamMode | Sequence[StreamMode] = "messages",
        subgraphs: bool = False,
        config: RunnableConfig | None = None,
        ping_interval: float = 15.0,
        wire_format: WireFormat | None = None,
        cancel_timeout: float = 5.0,
        flush_interval: float = 0.002,
    ) -> None:
        self.graph = graph
        self.stream_mode = normalize_stream_mode(stream_mode)
        self.subgraphs = subgraphs
        self.config: RunnableConfig = config or {}
        self.ping_interval = ping_interval
        self.wire_format: WireFormat = wire_format or JSONFormat()
        self.cancel_timeout = cancel_timeout
        self.flush_interval = flush_interval
        self._runs: set[Run] = set()

    @property
    def active_runs(self) -> int:
        """How many runs are still going."""
        return len(self._runs)

    # -- reading requests -----------------------------------------------------

    @staticmethod
    async def read_body(request: Request, model: type[ModelT]) -> ModelT:
        """Validate the request's JSON body as `model`.

        Raises:
            HTTPError: 422 naming each invalid field (or the JSON error).
        """
        body = await request.body()
        with _invalid_as_422("body"):
            return model.model_validate_json(body)

    @staticmethod
    def read_stream_query(query: Mapping[str, Any]) -> StreamRequest:
        """Build a [StreamRequest][langgraph_sse.schemas.StreamRequest] from `GET /stream` query parameters.

        `input` and `command` are JSON text; `stream_mode` may repeat or be
        comma-separated; `subgraphs` is `true`/`false` (or `1`/`0`).
        Unknown parameters are ignored (browsers and proxies add their own).

        Raises:
            HTTPError: 422 naming each invalid parameter.
        """
        data: dict[str, Any] = {}
        for name in ("thread_id", "message"):
            if name in query:
                data[name] = query[name]
        for name in ("input", "command"):
            if name in query:
                try:
                    data[name] = orjson.loads(query[name])
                except orjson.JSONDecodeError as exc:
                    msg = f"Invalid JSON: {exc}"
                    raise HTTPError(
                        422, [{"type": "json_invalid", "loc": ["query", name], "msg": msg}]
                    ) from None
        modes = _get_list(query, "stream_mode")
        if modes:
            data["stream_mode"] = [
                m.strip() for value in modes for m in value.split(",") if m.strip()
            ]
        if "subgraphs" in query:
            flag = query["subgraphs"].lower()
            data["subgraphs"] = {"true": True, "1": True, "false": False, "0": False}.get(
                flag, flag
            )
        with _invalid_as_422("query"):
            return StreamRequest.model_validate(data)

    @staticmethod
    def read_history_query(query: Mapping[str, Any]) -> HistoryQuery:
        """Validate `GET /threads/{id}/history` query parameters.

        Raises:
            HTTPError: 422 naming each invalid parameter.
        """
        with _invalid_as_422("query"):
            return HistoryQuery.model_validate(
                {k: query[k] for k in ("limit", "before") if k in query}
            )

    # -- runs -----------------------------------------------------------------

    async def stream(self, body: StreamRequest) -> Response:
        """Start a run and answer its events as a `text/event-stream`.

        The run starts when the response starts sending (a `HEAD` request or a
        response that is never sent runs nothing) and gets its own task. If the
        client goes away the task is cancelled, which cancels the graph's nodes.

        Raises:
            HTTPError: the thread cannot take the run (see [prepare][langgraph_sse.server.GraphServer.prepare]).
        """
        thread_id, config, graph_input = await self.prepare(body)
        run_id = str(uuid.uuid4())
        events = stream_events(
            self.graph,
            graph_input,
            config,
            stream_mode=body.stream_mode or self.stream_mode,
            subgraphs=self.subgraphs if body.subgraphs is None else body.subgraphs,
            run_id=run_id,
        )
        return event_stream_response(
            self._send(events, run_id),
            ping_interval=self.ping_interval,
            headers={"X-Run-Id": run_id, "X-Thread-Id": thread_id},
        )

    async def stream_get(self, request: Request) -> Response:
        """`GET /stream`: a run from query parameters, for the browser's `EventSource`.

        An `EventSource` reconnects by itself whenever a stream ends, sending the
        `Last-Event-ID` of the last frame it saw. Such a reconnect is answered
        `204 No Content`, which tells the browser to stop, rather than running the
        graph again with the same input.

        Raises:
            HTTPError: 422 for invalid parameters, or the errors of [stream][langgraph_sse.server.GraphServer.stream].
        """
        if "last-event-id" in request.headers:
            return Response(status_code=204)
        return await self.stream(self.read_stream_query(request.query_params))

    async def _send(self, events: AsyncIterator[Event], run_id: str) -> AsyncIterator[bytes]:
        run = Run(events, self.wire_format.encoder(), run_id=run_id)
        self._runs.add(run)
        run.add_done_callback(self._runs.discard)
        try:
            async for chunk in run.chunks(self.flush_interval):
                yield chunk
        finally:
            if not run.finished:
                run.cancel()
                with anyio.move_on_after(self.cancel_timeout, shield=True):
                    await run.wait()

    async def invoke(self, body: RunRequest) -> Response:
        """Run to the end and answer the output, status and pending interrupts.

        A graph error answers 500 with the error's class name and message.

        Raises:
            HTTPError: the thread cannot take the run (see [prepare][langgraph_sse.server.GraphServer.prepare]).
        """
        thread_id, config, graph_input = await self.prepare(body)
        run_id = str(uuid.uuid4())
        result: dict[str, Any] = {
            "run_id": run_id,
            "thread_id": thread_id,
            "status": "success",
            "values": None,
            "interrupts": [],
            "error": None,
        }
        async for event in stream_events(
            self.graph, graph_input, config, stream_mode="values", run_id=run_id
        ):
            if isinstance(event, ValuesEvent):
                result["values"] = event.data
            elif isinstance(event, InterruptEvent):
                result["interrupts"].append({"id": event.id, "value": event.value})
            elif isinstance(event, ErrorEvent):
                result["error"] = {"error": event.error, "message": event.message}
            elif isinstance(event, DoneEvent):
                result["status"] = event.status
        return JSONResponse(result, status_code=500 if result["status"] == "error" else 200)

    async def prepare(self, body: RunRequest) -> tuple[str, RunnableConfig, Any]:
        """The thread id, config and graph input of a run request.

        Raises:
            HTTPError: 409 to resume on a graph without checkpointer or a thread
                with nothing to resume, 404 to resume a thread that does not exist.
        """
        thread_id = body.thread_id or str(uuid.uuid4())
        config = thread_config(thread_id, self.config)
        if body.command is not None:
            await self._check_resumable(thread_id, config)
            return (
                thread_id,
                config,
                Command(resume=body.command.resume, update=body.command.update),
            )
        if body.message is not None:
            return thread_id, config, {"messages": [HumanMessage(content=body.message)]}
        return thread_id, config, body.input

    async def _check_resumable(self, thread_id: str, config: RunnableConfig) -> None:
        self._require_checkpointer()
        snapshot = await self.graph.aget_state(config)
        if snapshot.created_at is None:
            raise HTTPError(404, f"Thread {thread_id!r} not found")
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

    async def thread_state(self, thread_id: str) -> Response:
        """The thread's latest state.

        Raises:
            HTTPError: 409 without a checkpointer, 404 for an unknown thread.
        """
        _check_thread_id(thread_id)
        self._require_checkpointer()
        snapshot = await self.graph.aget_state(thread_config(thread_id, self.config))
        if snapshot.created_at is None:
            raise HTTPError(404, f"Thread {thread_id!r} not found")
        return JSONResponse(snapshot_to_dict(thread_id, snapshot))

    async def thread_history(self, thread_id: str, query: HistoryQuery) -> Response:
        """The thread's checkpoints, newest first.

        Raises:
            HTTPError: 409 without a checkpointer, 404 for an unknown thread.
        """
        _check_thread_id(thread_id)
        self._require_checkpointer()
        config = thread_config(thread_id, self.config)
        before = (
            None
            if query.before is None
            else thread_config(thread_id, {"configurable": {"checkpoint_id": query.before}})
        )
        checkpoints = [
            snapshot_to_dict(thread_id, snapshot)
            async for snapshot in self.graph.aget_state_history(
                config, limit=query.limit, before=before
            )
        ]
        if not checkpoints and before is None:
            raise HTTPError(404, f"Thread {thread_id!r} not found")
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
            Route("/healthz", self._healthz_endpoint, methods=["GET"], name="healthz"),
        ]

    @answer_http_errors
    async def _stream_endpoint(self, request: Request) -> Response:
        if request.method == "POST":
            return await self.stream(await self.read_body(request, StreamRequest))
        return await self.stream_get(request)

    @answer_http_errors
    async def _invoke_endpoint(self, request: Request) -> Response:
        return await self.invoke(await self.read_body(request, RunRequest))

    @answer_http_errors
    async def _state_endpoint(self, request: Request) -> Response:
        return await self.thread_state(request.path_params["thread_id"])

    @answer_http_errors
    async def _history_endpoint(self, request: Request) -> Response:
        query = self.read_history_query(request.query_params)
        return await self.thread_history(request.path_params["thread_id"], query)

    async def _healthz_endpoint(self, request: Request) -> Response:
        return self.healthz()


def _check_thread_id(thread_id: str) -> None:
    with _invalid_as_422("path", "thread_id"):
        _THREAD_ID.validate_python(thread_id)


@contextmanager
def _invalid_as_422(*where: str) -> Iterator[None]:
    try:
        yield
    except ValidationError as exc:
        raise HTTPError.from_validation(exc, *where) from None


def _get_list(query: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(query, "getlist", None)
    if getlist is not None:
        return list(getlist(name))
    value = query.get(name)
    return [] if value is None else [value]
