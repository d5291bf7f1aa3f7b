"""Endpoint tables: what a protocol serves, declared once, rendered by every adapter.

A protocol describes each of its endpoints as an [Endpoint][langgraph_sse.http.endpoint.Endpoint]:
method, path, handler, and the models of its path, query, body and response, its
error statuses, and whether it needs credentials. The adapters render the same
table: Starlette as `Route`s whose endpoint is [starlette_endpoint][langgraph_sse.http.endpoint.starlette_endpoint],
FastAPI with `add_api_route` (its OpenAPI from the same models). Either way the
handler receives a [Call][langgraph_sse.http.endpoint.Call] with the principal
and the validated parts, and its refusals become responses in
[respond][langgraph_sse.http.endpoint.respond].
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from langgraph_sse.core.service import GraphService
from langgraph_sse.http.body import read_body, read_path, read_query
from langgraph_sse.http.errors import error_response
from langgraph_sse.security.auth import QUERY_CREDENTIALS, Principal

__all__ = [
    "Call",
    "Endpoint",
    "EndpointTable",
    "Handler",
    "authenticate",
    "respond",
    "starlette_endpoint",
]


@dataclass(frozen=True, slots=True)
class Call:
    """One request to an endpoint, as its handler sees it."""

    request: Request
    principal: Principal | None
    """Who is calling; None when the service has no auth, or the endpoint is public."""
    path: Any = None
    """The path parameters, validated as the endpoint's `path` model."""
    query: Any = None
    """The query parameters, validated as the endpoint's `query` model."""
    body: Any = None
    """The JSON body, validated as the endpoint's `body` model."""


Handler = Callable[[Call], Awaitable[Response]]
"""An endpoint's handler: a validated call in, a response out. It may raise any
refusal [error_response][langgraph_sse.http.errors.error_response] knows."""


@dataclass(frozen=True, kw_only=True)
class Endpoint:
    """One endpoint of a protocol's table.

    Attributes:
        method: `GET`, `POST`, `DELETE`...
        path: Relative to where the protocol is mounted, e.g. `/runs/{run_id}`.
        name: The route's name (unique within the table).
        handler: What answers it.
        summary: One line for the OpenAPI description.
        params: Model of the path parameters.
        query: Model of the query parameters.
        body: Model of the JSON body.
        response: Model of its JSON answer (for the documentation: handlers build
            their own responses).
        status_code: The status of a successful answer.
        stream: The OpenAPI description of a `text/event-stream` answer, for
            endpoints that stream: `{"description": ..., "itemSchema": ...}`.
        errors: The error statuses it may answer, with what each means.
        responses: Other documented answers, status to `(description, model)`.
        public: Whether it answers without credentials (e.g. a health check).
        query_credentials: Whether auth may take credentials from the query
            string, for `EventSource`, which cannot send headers.
    """

    method: str
    path: str
    name: str
    handler: Handler
    summary: str = ""
    params: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status_code: int = 200
    stream: Mapping[str, Any] | None = None
    errors: Mapping[int, str] = field(default_factory=dict)
    responses: Mapping[int, tuple[str, type[BaseModel]]] = field(default_factory=dict)
    public: bool = False
    query_credentials: bool = False


class EndpointTable(list[Endpoint]):
    """A protocol's endpoints, declared beside their handlers:

    ```python
    table = EndpointTable()

    @table.route("GET", "/runs/{run_id}", params=RunPath, response=RunInfo)
    async def run(call: Call) -> Response:
        \"\"\"A run's status.\"\"\"
    ```

    The endpoint's `name` defaults to the handler's and its `summary` to the
    first line of the handler's docstring.
    """

    def route(self, method: str, path: str, **fields: Any) -> Callable[[Handler], Handler]:
        """A decorator adding its handler as the endpoint `method path`, with the
        other [Endpoint][langgraph_sse.http.endpoint.Endpoint] fields from `fields`."""

        def add(handler: Handler) -> Handler:
            summary = (handler.__doc__ or "").strip().split("\n")[0].rstrip(".")
            fields.setdefault("name", handler.__name__)
            fields.setdefault("summary", summary)
            self.append(Endpoint(method=method, path=path, handler=handler, **fields))
            return handler

        return add


async def authenticate(
    endpoint: Endpoint, service: GraphService, request: Request
) -> Principal | None:
    """Who calls `endpoint`: None for a public one, else the service's auth.

    Raises:
        AuthError: the request is refused.
    """
    if endpoint.public:
        return None
    if endpoint.query_credentials:
        request.scope[QUERY_CREDENTIALS] = True
    return await service.authenticate(request)


async def respond(endpoint: Endpoint, call: Call) -> Response:
    """Run the endpoint's handler; a refusal becomes its JSON error response."""
    try:
        return await endpoint.handler(call)
    except Exception as exc:
        response = error_response(exc, "body" if endpoint.body is not None else "query")
        if response is None:
            raise
        return response


def starlette_endpoint(
    endpoint: Endpoint, service: GraphService
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint serving `endpoint`: credentials first (401 before
    anything else), then the path, query and body (within the service's body
    cap), then the handler."""

    async def serve(request: Request) -> Response:
        try:
            principal = await authenticate(endpoint, service, request)
            path = query = body = None
            if endpoint.params is not None:
                path = read_path(request.path_params, endpoint.params)
            if endpoint.query is not None:
                query = read_query(request.query_params, endpoint.query)
            if endpoint.body is not None:
                body = await read_body(request, endpoint.body, service.limits.max_body_bytes)
        except Exception as exc:
            response = error_response(exc)
            if response is None:
                raise
            return response
        return await respond(endpoint, Call(request, principal, path, query, body))

    serve.__name__ = endpoint.name
    return serve
