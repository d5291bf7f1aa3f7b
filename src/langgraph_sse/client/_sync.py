"""The blocking client, over `httpx.Client` and httpx-sse."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

import httpx
from httpx._client import UseClientDefault
from httpx_sse import connect_sse

from langgraph_sse.client._common import (
    DEFAULT_TIMEOUT,
    NOT_GIVEN,
    Cursor,
    MultitaskStrategy,
    NativeRequests,
    OnDisconnect,
    Reconnect,
    Request,
    common_headers,
    invoke_result,
    parsed,
    run_body,
    stream_modes,
)
from langgraph_sse.client.errors import APIError
from langgraph_sse.core.events import Event
from langgraph_sse.protocols.native.schemas import (
    InvokeResponse,
    RunInfo,
    ThreadHistory,
    ThreadState,
)

__all__ = ["Client"]


class Client:
    """A blocking client of a langgraph-sse server's native protocol: the
    [AsyncClient][langgraph_sse.client.AsyncClient]'s methods, without `await`.

    ```python
    with Client("http://127.0.0.1:8000/v1", api_key="sk-1") as client:
        for event in client.stream("Hello", thread_id="t1"):
            if isinstance(event, TokenEvent):
                print(event.text, end="")
    ```

    Streams resume by themselves: when the connection drops before `done`, the
    client reconnects to the run with `Last-Event-ID` and goes on, yielding every
    event once (see [Reconnect][langgraph_sse.client.Reconnect]).

    Args:
        base_url: Where the endpoints are mounted, e.g. `http://host:8000/v1`.
        api_key: Sent as `X-API-Key` with every request (`api_key_auth`); for
            bearer tokens pass `headers={"Authorization": "Bearer ..."}`.
        headers: Headers sent with every request.
        timeout: httpx's timeout for the client it makes: keep the read timeout
            above the server's keep-alive interval (15 s).
        reconnect: How streams are resumed; `Reconnect(attempts=0)` turns it off.
        http_client: Your own `httpx.Client` (its timeout, transport,
            proxies...); it is not closed with this client, and `timeout` is not
            applied to it.
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        reconnect: Reconnect | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        self._requests = NativeRequests(base_url, common_headers(api_key, headers))
        self._reconnect = reconnect or Reconnect()
        self._owned = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)

    @property
    def base_url(self) -> str:
        """Where the endpoints are mounted."""
        return self._requests.base_url

    def close(self) -> None:
        """Close the HTTP client, if this client made it."""
        if self._owned:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # Streams

    def stream(
        self,
        message: str | None = None,
        *,
        input: Any = NOT_GIVEN,
        thread_id: str | None = None,
        command: Mapping[str, Any] | None = None,
        stream_mode: str | Sequence[str] | None = None,
        subgraphs: bool | None = None,
        config: Mapping[str, Any] | None = None,
        multitask_strategy: MultitaskStrategy | None = None,
        on_disconnect: OnDisconnect | None = None,
    ) -> Iterator[Event]:
        """Run the graph (`POST /stream`) and yield its events, `metadata` first,
        `done` last.

        Args:
            message: A user message (`{"messages": [user message]}`).
            input: The graph input, any JSON (exclusive with `message`, `command`).
            thread_id: The thread; the server makes one when absent (see `metadata`).
            command: Resume an interrupt: `{"resume": value, "update": {...}}`.
            stream_mode: One stream mode or several; the server's default when absent.
            subgraphs: Stream from inside subgraphs too.
            config: The config keys the server allows (`recursion_limit`, ...).
            multitask_strategy: If the thread has an active run: `reject`,
                `interrupt` or `enqueue`.
            on_disconnect: Left out, the run goes on while a dropped connection
                is resumed, and closing the stream before `done` cancels it.
                `"cancel"`: the server cancels it when the connection drops
                (the stream then resumes to its `done`, `cancelled`);
                `"continue"`: the run goes on even when the stream is closed.

        Yields:
            Typed events ([TokenEvent][langgraph_sse.core.events.TokenEvent], ...).

        Raises:
            APIError: the server refused the run (`detail` says why).
            StreamError: the stream broke and could not be resumed.
        """
        body = run_body(
            message,
            input,
            thread_id,
            command,
            config,
            multitask_strategy,
            stream_mode=stream_modes(stream_mode),
            subgraphs=subgraphs,
        )
        return self._events(self._requests.stream(body, on_disconnect, self._reconnect))

    def resume(
        self,
        thread_id: str,
        value: Any = None,
        *,
        update: Mapping[str, Any] | None = None,
        stream_mode: str | Sequence[str] | None = None,
        subgraphs: bool | None = None,
        config: Mapping[str, Any] | None = None,
        multitask_strategy: MultitaskStrategy | None = None,
        on_disconnect: OnDisconnect | None = None,
    ) -> Iterator[Event]:
        """Answer the thread's pending `interrupt()` with `value` and stream the
        resumed run: `stream(thread_id=..., command={"resume": value})`.

        Args:
            thread_id: The interrupted thread.
            value: What `interrupt()` returns in the paused node.
            update: A state update applied before resuming.
            stream_mode: As in `stream`.
            subgraphs: As in `stream`.
            config: As in `stream`.
            multitask_strategy: As in `stream`.
            on_disconnect: As in `stream`.
        """
        command: dict[str, Any] = {"resume": value}
        if update is not None:
            command["update"] = dict(update)
        return self.stream(
            thread_id=thread_id,
            command=command,
            stream_mode=stream_mode,
            subgraphs=subgraphs,
            config=config,
            multitask_strategy=multitask_strategy,
            on_disconnect=on_disconnect,
        )

    def join_run(self, run_id: str, *, last_event_id: int | None = None) -> Iterator[Event]:
        """Yield a run's events (`GET /runs/{run_id}/stream`): those after
        `last_event_id` (from `metadata` without one), then the live tail to `done`.

        A run that is over and was read to its end yields nothing.

        Raises:
            NotFoundError: no such run (or not yours, or finished too long ago).
            StreamError: the stream broke and could not be resumed.
        """
        return self._events(self._requests.join(run_id, last_event_id, self._reconnect))

    def _events(self, cursor: Cursor) -> Iterator[Event]:
        try:
            while not cursor.done:
                request, error, response = cursor.request, None, None
                try:
                    with connect_sse(
                        self._http,
                        request.method,
                        self._requests.url(request),
                        **self._requests.send_kwargs(request),
                    ) as source:
                        response = source.response
                        action = cursor.opened(_read_if_error(response))
                        if action == "end":
                            return
                        if action == "read":
                            for sse in source.iter_sse():
                                event = cursor.accept(sse)
                                if event is not None:
                                    yield event
                                if cursor.done:
                                    return
                except httpx.TransportError as exc:
                    error = exc
                time.sleep(cursor.retry(error, response))
        finally:
            if cursor.should_cancel():
                self._cancel_quietly(cursor)

    def _cancel_quietly(self, cursor: Cursor) -> None:
        assert cursor.run_id is not None
        with contextlib.suppress(httpx.HTTPError, APIError):
            request = self._requests.cancel_run(cursor.run_id)
            kwargs = self._requests.send_kwargs(request)
            self._http.request("POST", self._requests.url(request), timeout=5.0, **kwargs)

    # JSON endpoints

    def invoke(
        self,
        message: str | None = None,
        *,
        input: Any = NOT_GIVEN,
        thread_id: str | None = None,
        command: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        multitask_strategy: MultitaskStrategy | None = None,
        timeout: float | httpx.Timeout | UseClientDefault | None = httpx.USE_CLIENT_DEFAULT,
    ) -> InvokeResponse:
        """Run the graph to its end (`POST /invoke`) and answer its result.

        A graph that raised (`500`) or ran too long (`504`) is no exception here:
        the result's `status` is `error` and its `error` says what happened.

        Args:
            message: As in `stream` (exactly one of `message`, `input`, `command`).
            input: As in `stream`.
            thread_id: As in `stream`.
            command: As in `stream`.
            config: As in `stream`.
            multitask_strategy: As in `stream`.
            timeout: This request's timeout, if not the client's (a long run
                sends nothing until it ends; `None` waits as long as it takes).

        Raises:
            APIError: the server refused the run.
        """
        body = run_body(message, input, thread_id, command, config, multitask_strategy)
        response = self._send(self._requests.invoke(body), timeout)
        return invoke_result(response)

    def state(self, thread_id: str) -> ThreadState:
        """The thread's current state (`GET /threads/{thread_id}/state`).

        Raises:
            NotFoundError: no such thread (or not yours).
            ConflictError: the graph keeps no thread state.
        """
        return parsed(self._send(self._requests.state(thread_id)), ThreadState)

    def history(
        self, thread_id: str, *, limit: int = 10, before: str | None = None
    ) -> ThreadHistory:
        """The thread's checkpoints, newest first (`GET /threads/{thread_id}/history`).

        Args:
            thread_id: The thread.
            limit: How many checkpoints (1 to 1000).
            before: Only checkpoints older than this `checkpoint_id` (to page).
        """
        request = self._requests.history(thread_id, limit, before)
        return parsed(self._send(request), ThreadHistory)

    def create_run(
        self,
        message: str | None = None,
        *,
        input: Any = NOT_GIVEN,
        thread_id: str | None = None,
        command: Mapping[str, Any] | None = None,
        stream_mode: str | Sequence[str] | None = None,
        subgraphs: bool | None = None,
        config: Mapping[str, Any] | None = None,
        multitask_strategy: MultitaskStrategy | None = None,
    ) -> RunInfo:
        """Start a run without waiting (`POST /runs`); read it with `join_run`.

        Takes the arguments of `stream` (but `on_disconnect`: such a run goes on
        whoever reads it).
        """
        body = run_body(
            message,
            input,
            thread_id,
            command,
            config,
            multitask_strategy,
            stream_mode=stream_modes(stream_mode),
            subgraphs=subgraphs,
        )
        return parsed(self._send(self._requests.create_run(body)), RunInfo)

    def get_run(self, run_id: str) -> RunInfo:
        """A run's status (`GET /runs/{run_id}`).

        Raises:
            NotFoundError: no such run (or not yours, or finished too long ago).
        """
        return parsed(self._send(self._requests.get_run(run_id)), RunInfo)

    def cancel_run(self, run_id: str) -> RunInfo:
        """Cancel a run (`POST /runs/{run_id}/cancel`); its readers get `done`
        with status `cancelled`.

        Raises:
            NotFoundError: no such run (or not yours, or finished too long ago).
        """
        return parsed(self._send(self._requests.cancel_run(run_id)), RunInfo)

    def _send(
        self,
        request: Request,
        timeout: float | httpx.Timeout | UseClientDefault | None = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        kwargs = self._requests.send_kwargs(request)
        url = self._requests.url(request)
        return self._http.request(request.method, url, timeout=timeout, **kwargs)


def _read_if_error(response: httpx.Response) -> httpx.Response:
    """`response`, its body read if it is an error (for its `detail`)."""
    if not response.is_success:
        response.read()
    return response
