"""Thread state and history as JSON-ready dicts.

What `graph.aget_state` and `graph.aget_state_history` return (LangGraph
`StateSnapshot`) is turned into the shape of
[ThreadState][langgraph_sse.protocols.native.schemas.ThreadState]: the real values (messages as dicts,
nothing cut short), the next nodes, checkpoint ids, step, creation time and the
pending interrupts.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.pregel import Pregel
from langgraph.types import StateSnapshot

__all__ = ["checkpoint_id", "has_checkpointer", "snapshot_to_dict", "thread_config"]


def has_checkpointer(graph: Pregel[Any, Any, Any, Any]) -> bool:
    """True if `graph` keeps thread state (it was compiled with a checkpointer)."""
    return isinstance(graph.checkpointer, BaseCheckpointSaver)


def thread_config(thread_id: str, base: RunnableConfig | None = None) -> RunnableConfig:
    """`base` with `configurable.thread_id` set to `thread_id`."""
    base = base or {}
    return {**base, "configurable": {**(base.get("configurable") or {}), "thread_id": thread_id}}


def snapshot_to_dict(thread_id: str, snapshot: StateSnapshot) -> dict[str, Any]:
    """One checkpoint of a thread, shaped as [ThreadState][langgraph_sse.protocols.native.schemas.ThreadState]."""
    metadata = dict(snapshot.metadata or {})
    return {
        "thread_id": thread_id,
        "values": snapshot.values,
        "next": list(snapshot.next),
        "checkpoint_id": checkpoint_id(snapshot.config),
        "parent_checkpoint_id": checkpoint_id(snapshot.parent_config),
        "step": metadata.get("step"),
        "created_at": snapshot.created_at,
        "metadata": metadata,
        "interrupts": [{"id": i.id, "value": i.value} for i in snapshot.interrupts],
    }


def checkpoint_id(config: RunnableConfig | None) -> str | None:
    """The `checkpoint_id` a config points to, if any."""
    if not config:
        return None
    value = (config.get("configurable") or {}).get("checkpoint_id")
    return None if value is None else str(value)
