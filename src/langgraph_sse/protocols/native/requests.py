"""The native protocol's requests as run specs.

[run_spec][langgraph_sse.protocols.native.requests.run_spec] maps a
[RunRequest][langgraph_sse.protocols.native.schemas.RunRequest] (or a
[StreamRequest][langgraph_sse.protocols.native.schemas.StreamRequest]) to the
[RunSpec][langgraph_sse.core.spec.RunSpec] the service runs;
[stream_request][langgraph_sse.protocols.native.requests.stream_request] reads one
from `GET /stream`'s query parameters.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.types import Command

from langgraph_sse.core.spec import RunSpec
from langgraph_sse.http.errors import HTTPError, invalid_as_422
from langgraph_sse.protocols.native.schemas import RunRequest, StreamQuery, StreamRequest
from langgraph_sse.security.limits import Limits

__all__ = ["run_spec", "stream_request"]


def run_spec(body: RunRequest, limits: Limits) -> RunSpec:
    """The run `body` asks for: its `message` becomes a user message in
    `{"messages": [...]}`, its `command` a `Command` resuming the thread.

    Raises:
        InvalidField: `message` is longer than `limits.max_message_chars`.
    """
    graph_input: Any = body.input
    if body.message is not None:
        limits.check_message(body.message)
        graph_input = {"messages": [HumanMessage(content=body.message)]}
    command: Command[Any] | None = None
    if body.command is not None:
        command = Command(resume=body.command.resume, update=body.command.update)
    modes, subgraphs = None, None
    if isinstance(body, StreamRequest):
        modes = None if body.stream_mode is None else tuple(body.stream_mode)
        subgraphs = body.subgraphs
    return RunSpec(
        thread_id=body.thread_id,
        input=graph_input,
        command=command,
        config=None if body.config is None else body.config.model_dump(exclude_unset=True),
        stream_mode=modes,
        subgraphs=subgraphs,
        multitask=body.multitask_strategy or "reject",
    )


def stream_request(query: StreamQuery) -> StreamRequest:
    """The [StreamRequest][langgraph_sse.protocols.native.schemas.StreamRequest] of
    `GET /stream`: `input` and `command` are JSON text, `stream_mode` may repeat or be
    comma-separated, `subgraphs` is `true`/`false` (or `1`/`0`).

    Raises:
        HTTPError: 422 naming each invalid parameter.
    """
    data: dict[str, Any] = query.model_dump(include={"thread_id", "message"}, exclude_none=True)
    for name in ("input", "command"):
        text = getattr(query, name)
        if text is not None:
            try:
                # The standard library keeps integers exact (orjson turns big ones
                # into floats), so the 64-bit check sees them.
                data[name] = json.loads(text)
            except json.JSONDecodeError as exc:
                raise HTTPError.field(
                    ["query", name], f"Invalid JSON: {exc}", "json_invalid"
                ) from None
            except RecursionError:
                raise HTTPError.field(
                    ["query", name], "JSON nested too deeply", "json_too_deep"
                ) from None
    if query.stream_mode:
        modes = [m.strip() for value in query.stream_mode for m in value.split(",")]
        data["stream_mode"] = [m for m in modes if m]
    if query.subgraphs is not None:
        flag = query.subgraphs.lower()
        data["subgraphs"] = {"true": True, "1": True, "false": False, "0": False}.get(flag, flag)
    with invalid_as_422("query"):
        return StreamRequest.model_validate(data)
