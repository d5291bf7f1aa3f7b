"""What the sync and async clients share: the requests of the native protocol,
the reconnect policy, and the cursor that follows a stream across reconnects."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
from httpx_sse import ServerSentEvent
from pydantic import BaseModel

from langgraph_sse.client.errors import StreamError, api_error, retry_after
from langgraph_sse.core.events import DoneEvent, ErrorEvent, Event, MetadataEvent, event_adapter
from langgraph_sse.protocols.native.schemas import InvokeResponse

ModelT = TypeVar("ModelT", bound=BaseModel)

__all__ = [
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "Cursor",
    "MultitaskStrategy",
    "NativeRequests",
    "OnDisconnect",
    "Reconnect",
    "Request",
    "common_headers",
    "invoke_result",
    "parsed",
    "run_body",
    "stream_modes",
]

MultitaskStrategy = Literal["reject", "interrupt", "enqueue"]
OnDisconnect = Literal["cancel", "continue"]

DEFAULT_TIMEOUT = httpx.Timeout(10.0, read=60.0)
"""10 s to connect, write and pool; 60 s between two reads, well above the server's
15 s keep-alive pings, so a dead connection is noticed (and resumed) within a minute."""


class _NotGiven:
    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()
"""`input` left out (`None` is sent as JSON `null`, a valid graph input)."""

# Statuses a reconnect is tried again after: too many streams (the server may still
# count the dropped one) and unavailable (a replica cut from Redis).
_RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class Reconnect:
    """How a stream is resumed when its connection drops before `done`.

    Args:
        attempts: Reconnects tried in a row without receiving an event; 0 turns
            reconnecting off. The count starts again once an event arrives.
        delay: Seconds before the first reconnect, doubled before each next one.
        max_delay: The longest wait between two reconnects.
    """

    attempts: int = 5
    delay: float = 0.25
    max_delay: float = 5.0

    def backoff(self, attempt: int, response: httpx.Response | None = None) -> float:
        """Seconds to wait before reconnect number `attempt` (from 1): the
        server's `Retry-After` if it sent one, else doubling with some jitter."""
        told = retry_after(response)
        if told is not None:
            return min(told, self.max_delay)
        base: float = min(self.max_delay, self.delay * 2.0 ** (attempt - 1))
        return base * random.uniform(0.8, 1.0)


@dataclass
class Request:
    """One HTTP request, relative to the server's base URL."""

    method: str
    path: str
    json: Any = None
    params: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments of `httpx.Client.request` (but the URL)."""
        kwargs: dict[str, Any] = {"headers": dict(self.headers)}
        if self.json is not None:
            kwargs["json"] = self.json
        if self.params:
            kwargs["params"] = self.params
        return kwargs


def segment(value: str) -> str:
    """`value` as one path segment."""
    return quote(value, safe="")


def run_body(
    message: str | None,
    input: Any,
    thread_id: str | None,
    command: Mapping[str, Any] | None,
    config: Mapping[str, Any] | None,
    multitask_strategy: MultitaskStrategy | None,
    **stream: Any,
) -> dict[str, Any]:
    """A `RunRequest` (or `StreamRequest`, with the `stream` fields) as JSON,
    without the fields left out; the server checks it (exactly one of `message`,
    `input` and `command`, ...)."""
    body: dict[str, Any] = {}
    if message is not None:
        body["message"] = message
    if input is not NOT_GIVEN:
        body["input"] = input
    optional = {
        "thread_id": thread_id,
        "command": None if command is None else dict(command),
        "config": None if config is None else dict(config),
        "multitask_strategy": multitask_strategy,
        **stream,
    }
    body.update({name: value for name, value in optional.items() if value is not None})
    return body


def stream_modes(stream_mode: str | Sequence[str] | None) -> str | list[str] | None:
    """One mode as it is, several as a list."""
    if stream_mode is None or isinstance(stream_mode, str):
        return stream_mode
    return list(stream_mode)


class Cursor:
    """Follows one run's stream across connections: which run, the last event
    yielded, and whether `done` came. It turns each SSE frame into the event to
    yield (or None for a repeat) and builds the request that resumes the run.

    Args:
        first: The request that opens the stream (`POST /stream` or a join).
        reconnect: The reconnect policy.
        run_id: The run, when the stream joins a known one.
        last_event_id: Resume after this event.
        cancel_on_close: Cancel the run when the stream is closed before `done`.
    """

    def __init__(
        self,
        first: Request,
        reconnect: Reconnect,
        *,
        run_id: str | None = None,
        last_event_id: int | None = None,
        cancel_on_close: bool = False,
    ) -> None:
        self.request = first
        self.reconnect = reconnect
        self.run_id = run_id
        self.last_seq = -1 if last_event_id is None else last_event_id
        self.cancel_on_close = cancel_on_close
        self.done = False
        self.yielded = False
        self.failures = 0
        self.notice: ErrorEvent | None = None

    @property
    def last_event_id(self) -> int | None:
        """The `seq` of the last event yielded (or resumed after)."""
        return None if self.last_seq < 0 else self.last_seq

    def opened(self, response: httpx.Response) -> Literal["read", "retry", "end"]:
        """What to do with a response before its stream is read: `read` it,
        `retry` (a status worth trying again while resuming), or `end` (`204`:
        the run is over and was read to its end, when the stream joined it there).

        Raises:
            APIError: the server refused, with its `detail` (the body is read).
            StreamError: `204` after this stream yielded events but no `done`.
        """
        if response.status_code == 204:
            if self.yielded:
                raise self.broken("the run is over but its done event never arrived")
            return "end"
        if response.is_success:
            self.run_id = self.run_id or response.headers.get("x-run-id")
            return "read"
        if self.resuming and response.status_code in _RETRY_STATUSES:
            return "retry"
        raise api_error(response)

    @property
    def resuming(self) -> bool:
        return self.request.method == "GET"

    def accept(self, sse: ServerSentEvent) -> Event | None:
        """The event of `sse` to yield, or None: an SSE frame without data (what
        a comment leaves), an event already yielded, or a notice that the server
        stopped relaying a run that goes on elsewhere (its `error` and `done`
        carry no SSE id of their own): then the stream is resumed."""
        if not sse.data:
            return None
        event = event_adapter.validate_json(sse.data)
        if sse.id != str(event.seq):  # a relay's stop notice: not the run's own
            if isinstance(event, ErrorEvent):
                self.notice = event
            return None
        if event.seq <= self.last_seq:
            return None
        self.last_seq = event.seq
        self.yielded = True
        self.failures = 0
        self.notice = None
        if isinstance(event, MetadataEvent):
            self.run_id = event.run_id
        elif isinstance(event, DoneEvent):
            self.done = True
        return event

    def retry(self, error: BaseException | None, response: httpx.Response | None = None) -> float:
        """After a connection ended before `done`: aim the next request at the
        run's stream after the last event, and answer how long to wait first.

        Raises:
            StreamError: the run is unknown, or the reconnects ran out.
        """
        if self.run_id is None:
            raise self.broken("the connection was lost before the run's id was known") from error
        self.failures += 1
        if self.failures > self.reconnect.attempts:
            why = f"gave up after {self.reconnect.attempts} reconnects"
            if self.notice is not None:
                why += f" ({self.notice.error}: {self.notice.message})"
            elif error is not None:
                why += f" ({type(error).__name__}: {error})"
            raise self.broken(why) from error
        headers = dict(self.request.headers)
        headers.pop("last-event-id", None)
        if self.last_event_id is not None:
            headers["last-event-id"] = str(self.last_event_id)
        self.request = Request("GET", f"/runs/{segment(self.run_id)}/stream", headers=headers)
        return self.reconnect.backoff(self.failures, response)

    def broken(self, why: str) -> StreamError:
        where = f"run {self.run_id}" if self.run_id else "a run"
        after = "" if self.last_event_id is None else f", after event {self.last_event_id}"
        return StreamError(
            f"The stream of {where} broke{after}: {why}",
            run_id=self.run_id,
            last_event_id=self.last_event_id,
        )

    def should_cancel(self) -> bool:
        """Whether closing the stream now should cancel its run."""
        return self.cancel_on_close and not self.done and self.run_id is not None


class NativeRequests:
    """Builds the native protocol's requests, for both clients.

    Args:
        base_url: Where the endpoints are mounted, e.g. `http://host:8000/v1`.
        headers: Headers sent with every request (the API key's among them).
    """

    def __init__(self, base_url: str, headers: Mapping[str, str]) -> None:
        self.base_url = str(base_url).rstrip("/")
        self.headers = dict(headers)

    def url(self, request: Request) -> str:
        return self.base_url + request.path

    def send_kwargs(self, request: Request) -> dict[str, Any]:
        """`request`'s keyword arguments for httpx, the common headers added."""
        kwargs = request.kwargs()
        kwargs["headers"] = {**self.headers, **kwargs["headers"]}
        return kwargs

    def stream(
        self, body: dict[str, Any], on_disconnect: OnDisconnect | None, reconnect: Reconnect
    ) -> Cursor:
        """`POST /stream`, resumable: unless the caller chose, the run is asked to
        `continue` when the connection drops (so that it can be resumed), and is
        cancelled by the client when the stream is closed before `done`."""
        body = {**body, "on_disconnect": on_disconnect or "continue"}
        return Cursor(
            Request("POST", "/stream", json=body),
            reconnect,
            cancel_on_close=on_disconnect is None,
        )

    def join(self, run_id: str, last_event_id: int | None, reconnect: Reconnect) -> Cursor:
        """`GET /runs/{run_id}/stream` after `last_event_id`, resumable."""
        headers = {} if last_event_id is None else {"last-event-id": str(last_event_id)}
        request = Request("GET", f"/runs/{segment(run_id)}/stream", headers=headers)
        return Cursor(request, reconnect, run_id=run_id, last_event_id=last_event_id)

    @staticmethod
    def invoke(body: dict[str, Any]) -> Request:
        return Request("POST", "/invoke", json=body)

    @staticmethod
    def state(thread_id: str) -> Request:
        return Request("GET", f"/threads/{segment(thread_id)}/state")

    @staticmethod
    def history(thread_id: str, limit: int, before: str | None) -> Request:
        params: dict[str, Any] = {"limit": limit}
        if before is not None:
            params["before"] = before
        return Request("GET", f"/threads/{segment(thread_id)}/history", params=params)

    @staticmethod
    def create_run(body: dict[str, Any]) -> Request:
        return Request("POST", "/runs", json=body)

    @staticmethod
    def get_run(run_id: str) -> Request:
        return Request("GET", f"/runs/{segment(run_id)}")

    @staticmethod
    def cancel_run(run_id: str) -> Request:
        return Request("POST", f"/runs/{segment(run_id)}/cancel")


def common_headers(api_key: str | None, headers: Mapping[str, str] | None) -> dict[str, str]:
    """The headers of every request: `headers`, and `X-API-Key` if `api_key`."""
    merged = dict(headers or {})
    if api_key is not None:
        merged["X-API-Key"] = api_key
    return merged


def invoke_result(response: httpx.Response) -> InvokeResponse:
    """`POST /invoke`'s result: also on `500` (the graph raised) and `504` (the run
    took too long), whose body is the result with `status` `error`.

    Raises:
        APIError: any other error status.
    """
    if response.status_code in (500, 504):
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and "run_id" in body:
            return InvokeResponse.model_validate(body)
    return parsed(response, InvokeResponse)


def parsed(response: httpx.Response, model: type[ModelT]) -> ModelT:
    """`response`'s JSON body as `model`.

    Raises:
        APIError: an error status, with the server's `detail`.
    """
    if not response.is_success:
        raise api_error(response)
    return model.model_validate_json(response.content)
