"""What to run, whatever protocol asked for it.

Each protocol maps its own request (the native `StreamRequest`, a LangGraph
Platform run, an AG-UI `RunAgentInput`...) to a [RunSpec][langgraph_sse.core.spec.RunSpec];
the [GraphService][langgraph_sse.core.service.GraphService] takes it from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from langchain_core.runnables import RunnableConfig
from langgraph.types import Command
from pydantic import StrictStr, StringConstraints

from langgraph_sse.core.manager import MultitaskStrategy
from langgraph_sse.core.translate import StreamMode

__all__ = ["RunSpec", "ThreadId", "merge_config"]

ThreadId = Annotated[
    StrictStr, StringConstraints(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")
]
"""A thread id, in every protocol: 1 to 256 characters, no control characters."""


@dataclass(frozen=True, kw_only=True)
class RunSpec:
    """One run to start.

    Attributes:
        thread_id: The thread to run on; None for a new one (an id is made).
        input: The graph input, when `command` is None.
        command: Resume an interrupted thread (`Command(resume=..., update=...)`);
            the thread must exist and have a pending interrupt.
        config: What the client asked to set of the run's config (`recursion_limit`,
            `configurable`...), checked against the service's limits.
        stream_mode: The modes to stream; the service's default when None.
        subgraphs: Whether to stream from subgraphs; the service's default when None.
        multitask: What to do when the thread already has an active run.
        metadata: The metadata of a thread the run creates.
        keep_thread: With no `thread_id`: whether the thread made for the run is
            kept (to be continued), or deleted once the run is forgotten (a
            stateless run).
    """

    thread_id: str | None = None
    input: Any = None
    command: Command[Any] | None = None
    config: Mapping[str, Any] | None = None
    stream_mode: tuple[StreamMode, ...] | None = None
    subgraphs: bool | None = None
    multitask: MultitaskStrategy = "reject"
    metadata: Mapping[str, Any] | None = None
    keep_thread: bool = True


def merge_config(base: RunnableConfig, extra: Mapping[str, Any]) -> RunnableConfig:
    """`base` with what a client set (`extra`): `configurable` and `metadata`
    merged key by key, `tags` added, the rest replaced."""
    merged: dict[str, Any] = {**base, **extra}
    for key in ("configurable", "metadata"):
        if key in base and key in extra:
            merged[key] = {**base[key], **extra[key]}  # type: ignore[literal-required]
    if "tags" in base and "tags" in extra:
        merged["tags"] = [*base["tags"], *extra["tags"]]
    return merged  # type: ignore[return-value]
