"""Mount a protocol's endpoints in a FastAPI application (needs `langgraph-sse[fastapi]`).

The router renders the protocol's endpoint table with `add_api_route`: each
endpoint's path, query and body models become the route's parameters, so FastAPI
validates them and describes them in the OpenAPI schema, with the table's
response models, error statuses and event stream. Authentication runs as a
dependency, so a request without credentials gets 401 before its body is
validated (FastAPI still refuses a body that is not JSON at all first, with
400/422); bodies over the size limit get 413 before they are parsed.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any, Unpack, get_type_hints

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends as DependsParam
from fastapi.routing import APIRoute
from langgraph.pregel import Pregel
from pydantic import BaseModel
from starlette.responses import Response

from langgraph_sse.adapters.mount import MountOptions, mount
from langgraph_sse.core.service import GraphService
from langgraph_sse.http.body import capped
from langgraph_sse.http.endpoint import Call, Endpoint, authenticate, respond
from langgraph_sse.http.errors import (
    ErrorResponse,
    HTTPError,
    as_http_error,
    field_errors,
    invalid_as_422,
)
from langgraph_sse.protocols import WireProtocol
from langgraph_sse.security.auth import Principal

__all__ = ["make_router"]


def make_router(
    graph: GraphService | Pregel[Any, Any, Any, Any],
    *,
    protocol: str | WireProtocol = "native",
    prefix: str = "",
    tags: Sequence[str] = ("langgraph",),
    dependencies: Sequence[DependsParam] | None = None,
    **options: Unpack[MountOptions],
) -> APIRouter:
    """A FastAPI router serving `graph`; mount it with `app.include_router(...)`.

    Args:
        graph: Any compiled LangGraph, or a [GraphService][langgraph_sse.core.service.GraphService]
            to share with other mounts (one run registry, one rule per thread).
        protocol: `"native"` (the default) or a protocol object.
        prefix: Path prefix of every endpoint, e.g. `"/agent"`.
        tags: OpenAPI tags of the endpoints.
        dependencies: FastAPI dependencies run before every endpoint that needs
            credentials (not `/healthz`, which probes call without). For
            authentication prefer `auth=`: it also drives thread ownership.
        **options: [MountOptions][langgraph_sse.adapters.mount.MountOptions], e.g.
            `auth`, `limits`, `stream_mode`.

    The router's lifespan (FastAPI merges it into the app's) stops every run
    when the app shuts down.
    """
    mounted = mount(graph, protocol, options)
    service = mounted.service

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        async with service.lifespan(app):  # open streams end with an `error` of type `shutdown`
            yield

    router = APIRouter(
        prefix=prefix,
        tags=list(tags),
        route_class=_body_limited_route(service.limits.max_body_bytes),
        lifespan=lifespan,
    )
    guarded = list(dependencies or ())
    for endpoint in mounted.endpoints:
        router.add_api_route(
            # A protocol's root (`POST /` of the AI SDK) is the prefix itself.
            "" if endpoint.path == "/" and prefix else endpoint.path,
            _route_endpoint(endpoint, service),
            methods=[endpoint.method],
            name=endpoint.name,
            summary=endpoint.summary or None,
            status_code=endpoint.status_code,
            response_model=endpoint.response,
            responses=_responses(endpoint),
            dependencies=None if endpoint.public else guarded,
        )
    return router


def _route_endpoint(endpoint: Endpoint, service: GraphService) -> Callable[..., Any]:
    """A FastAPI endpoint whose signature declares `endpoint`'s models, so FastAPI
    validates and documents them, and which hands the validated call to the handler."""

    async def caller(request: Request) -> Principal | None:
        if _PRINCIPAL in request.scope:  # checked already, before the body was read
            principal: Principal | None = request.scope[_PRINCIPAL]
            return principal
        try:
            principal = await authenticate(endpoint, service, request)
        except Exception as exc:
            error = as_http_error(exc)
            if error is None:
                raise
            raise error from None
        request.scope[_PRINCIPAL] = principal
        return principal

    async def serve(
        request: Request,
        principal: Principal | None,
        body: Any = None,
        query: Any = None,
        **path: Any,
    ) -> Response:
        path_params = None
        if endpoint.params is not None:
            path_params = endpoint.params.model_construct(**path)
        return await respond(endpoint, Call(request, principal, path_params, query, body))

    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [
        inspect.Parameter("request", keyword, annotation=Request),
        inspect.Parameter(
            "principal", keyword, annotation=Annotated[Principal | None, Depends(caller)]
        ),
    ]
    if endpoint.body is not None:
        parameters.append(
            inspect.Parameter("body", keyword, annotation=Annotated[endpoint.body, Body()])
        )
    if endpoint.query is not None:
        parameters.append(
            inspect.Parameter("query", keyword, annotation=Annotated[endpoint.query, Query()])
        )
    for name, annotation in _path_fields(endpoint.params):
        parameters.append(inspect.Parameter(name, keyword, annotation=annotation))
    serve.__signature__ = inspect.Signature(parameters, return_annotation=Response)  # type: ignore[attr-defined]
    serve.__name__ = endpoint.name
    if endpoint.body is not None:
        serve.__dict__[_BODY_CHECKS] = (caller, endpoint.body)
    return serve


_PRINCIPAL = "langgraph_sse.principal"
"""Where a request's principal is kept in its scope once its credentials are checked."""
_BODY_CHECKS = "_langgraph_sse_body_checks"
"""The attribute of a route's endpoint holding what to check before FastAPI reads
its body: the credentials, then the body against its model."""


def _path_fields(model: type[BaseModel] | None) -> list[tuple[str, Any]]:
    if model is None:
        return []
    hints = get_type_hints(model, include_extras=True)
    return [
        (name, Annotated[hints[name], Path(description=field.description)])
        for name, field in model.model_fields.items()
    ]


def _responses(endpoint: Endpoint) -> dict[int | str, dict[str, Any]]:
    responses: dict[int | str, dict[str, Any]] = {
        status: {"model": ErrorResponse, "description": description}
        for status, description in endpoint.errors.items()
    }
    for status, (description, model) in endpoint.responses.items():
        responses[status] = {"model": model, "description": description}
    if endpoint.stream is not None:
        stream = dict(endpoint.stream)
        description = stream.pop("description", "Server-Sent Events.")
        responses[endpoint.status_code] = {
            "description": description,
            "content": {"text/event-stream": stream},
        }
    return responses


def _body_limited_route(max_bytes: int) -> type[APIRoute]:
    """An APIRoute class that refuses bodies over `max_bytes` with 413, announced
    (`Content-Length`) or not (chunked), before FastAPI parses them, and reads
    every body as JSON whatever its `Content-Type`, as the other adapters do."""

    class BodyLimitedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()
            checks = getattr(self.endpoint, _BODY_CHECKS, None)

            async def limited(request: Request) -> Response:
                if checks is not None:
                    _read_as_json(request)  # before any of its headers are read
                request = capped(request, max_bytes)
                if checks is not None:
                    # As the other adapters: credentials before the body (nothing is
                    # said to strangers), then the body read and refused as they do
                    # it (FastAPI's own JSON parsing answers 400 to an integer of
                    # 5,000 digits); FastAPI then reads the body kept in `request`.
                    caller, model = checks
                    try:
                        await caller(request)
                        with invalid_as_422("body"):
                            model.model_validate_json(await request.body())
                    except HTTPError as error:
                        return error.response()
                try:
                    return await handler(request)
                except RequestValidationError as exc:
                    # FastAPI's own 422 echoes each invalid input (a body many
                    # times its size, or a 500 for a NaN): the library's names the
                    # fields only, as the other adapters do.
                    return HTTPError(422, field_errors(exc.errors())).response()

            return limited

    return BodyLimitedRoute


def _read_as_json(request: Request) -> None:
    """Have FastAPI parse `request`'s body as JSON whatever its `Content-Type`.

    FastAPI parses only `application/json` (and `+json`) bodies and hands any
    other body to validation as bytes, refused with an unhelpful 422; `fetch()`
    sends a string body as `text/plain;charset=UTF-8` and `curl -d` as a form. The
    Starlette and ASGI adapters read every body as JSON; so does this one.
    """
    content_type = request.headers.get("content-type", "")
    media_type = content_type.partition(";")[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return
    headers = [(k, v) for k, v in request.scope["headers"] if k.lower() != b"content-type"]
    request.scope["headers"] = [*headers, (b"content-type", b"application/json")]
