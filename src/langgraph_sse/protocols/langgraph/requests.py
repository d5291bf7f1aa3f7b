"""The LangGraph Platform API's run requests as run specs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from langgraph.types import Command

from langgraph_sse.core.errors import InvalidField
from langgraph_sse.core.manager import MultitaskStrategy
from langgraph_sse.core.spec import RunSpec
from langgraph_sse.core.translate import StreamMode
from langgraph_sse.protocols.langgraph.schemas import RunBody

__all__ = ["graph_modes", "run_spec"]

_MULTITASK: dict[str, MultitaskStrategy] = {
    "reject": "reject",
    "enqueue": "enqueue",
    "interrupt": "interrupt",
    # langgraph-api also deletes the cancelled run's checkpoints; here they stay.
    "rollback": "interrupt",
}


def graph_modes(modes: Iterable[str]) -> tuple[StreamMode, ...]:
    """The LangGraph stream modes behind the API's: both `messages-tuple` and the
    legacy `messages` are LangGraph's `messages`."""
    named = ("messages" if mode == "messages-tuple" else mode for mode in modes)
    return tuple(dict.fromkeys(named))  # type: ignore[arg-type]


def run_spec(body: RunBody, thread_id: str | None, metadata: dict[str, Any]) -> RunSpec:
    """The run `body` asks for on `thread_id` (None: a thread of its own that is
    not kept, as langgraph-api's stateless runs), creating a thread with `metadata`.

    A `command` wins over an `input` sent beside it, as in langgraph-api (Agent
    Chat UI resumes with `input: {}` and a `command`).

    Raises:
        InvalidField: a `command` without a thread.
    """
    command = None
    if body.command is not None:
        if thread_id is None:
            raise InvalidField(("command",), "'command' resumes a thread: run on one")
        given = body.command.model_dump(exclude_unset=True)
        command = Command(**{key: value for key, value in given.items() if value is not None})
    config = dict(body.config or {})
    if not config.get("configurable"):
        config.pop("configurable", None)  # the SDKs send an empty one
    return RunSpec(
        thread_id=thread_id,
        input=body.input,
        command=command,
        config=config or None,
        stream_mode=graph_modes(body.stream_mode),
        subgraphs=body.stream_subgraphs,
        multitask=_MULTITASK[body.multitask_strategy],
        metadata=metadata,
        keep_thread=thread_id is not None,
    )
