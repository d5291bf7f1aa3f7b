"""The LangGraph Platform API's resources as JSON-ready dicts: assistants,
threads, thread states and runs, shaped as langgraph-api answers them (and as
the SDKs' `Assistant`, `Thread`, `ThreadState` and `Run` types read them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.pregel import Pregel
from langgraph.types import StateSnapshot

from langgraph_sse.core.records import ThreadRecord, ThreadStatus
from langgraph_sse.core.remote import RemoteRun
from langgraph_sse.core.run import Run

__all__ = ["Assistant", "checkpoint_of", "run_of", "state_of", "status_of", "thread_of"]


@dataclass
class Assistant:
    """The one assistant of a mounted graph."""

    assistant_id: str
    graph: Pregel[Any, Any, Any, Any]
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def as_dict(self) -> dict[str, Any]:
        return {
            "assistant_id": self.assistant_id,
            "graph_id": self.assistant_id,
            "name": self.assistant_id,
            "description": None,
            "config": {},
            "context": {},
            "metadata": {},
            "version": 1,
            "created_at": self.created_at,
            "updated_at": self.created_at,
        }

    def schemas(self) -> dict[str, Any]:
        """The graph's JSON schemas, as `GET /assistants/{id}/schemas` answers them."""
        graph = self.graph
        return {
            "graph_id": self.assistant_id,
            "input_schema": graph.get_input_jsonschema(),
            "output_schema": graph.get_output_jsonschema(),
            "state_schema": _schema(graph, "get_state_jsonschema"),
            "config_schema": None,  # LangGraph 1.x: the context schema replaces it
            "context_schema": _schema(graph, "get_context_jsonschema"),
        }


def _schema(graph: Pregel[Any, Any, Any, Any], method: str) -> Any:
    try:
        return getattr(graph, method)()
    except Exception:  # a schema LangGraph cannot express: say nothing rather than fail
        return None


def checkpoint_of(config: RunnableConfig | None) -> dict[str, Any] | None:
    """`{thread_id, checkpoint_ns, checkpoint_id}` of a checkpoint's config."""
    if not config:
        return None
    configurable = config.get("configurable") or {}
    return {
        "thread_id": configurable.get("thread_id"),
        "checkpoint_ns": configurable.get("checkpoint_ns", ""),
        "checkpoint_id": configurable.get("checkpoint_id"),
    }


def state_of(snapshot: StateSnapshot) -> dict[str, Any]:
    """A `ThreadState`: values, next nodes, tasks, checkpoints, interrupts."""
    tasks = []
    for task in snapshot.tasks:
        nested = task.state
        tasks.append(
            {
                "id": task.id,
                "name": task.name,
                "path": list(task.path),
                "error": None if task.error is None else repr(task.error),
                "interrupts": [{"id": i.id, "value": i.value} for i in task.interrupts],
                "checkpoint": (
                    None
                    if nested is None or isinstance(nested, StateSnapshot)
                    else checkpoint_of(nested)
                ),
                "state": state_of(nested) if isinstance(nested, StateSnapshot) else None,
                "result": task.result,
            }
        )
    return {
        "values": snapshot.values,
        "next": list(snapshot.next),
        "tasks": tasks,
        "metadata": snapshot.metadata,
        "created_at": snapshot.created_at,
        "checkpoint": checkpoint_of(snapshot.config),
        "parent_checkpoint": checkpoint_of(snapshot.parent_config),
        "interrupts": [{"id": i.id, "value": i.value} for i in snapshot.interrupts],
    }


def status_of(snapshot: StateSnapshot | None, busy: bool) -> ThreadStatus:
    """How a thread stands: `busy`, else stopped at an interrupt, failed, or `idle`."""
    if busy:
        return "busy"
    if snapshot is None:
        return "idle"
    if snapshot.interrupts:
        return "interrupted"
    if any(task.error is not None for task in snapshot.tasks):
        return "error"
    return "idle"


def thread_of(
    record: ThreadRecord, snapshot: StateSnapshot | None, status: ThreadStatus
) -> dict[str, Any]:
    """A `Thread`: its record, status, current values and pending interrupts."""
    interrupts: dict[str, list[dict[str, Any]]] = {}
    values = None
    updated = record.updated_at
    if snapshot is not None and snapshot.created_at is not None:
        values = snapshot.values
        for task in snapshot.tasks:
            if task.interrupts:
                interrupts[task.id] = [{"id": i.id, "value": i.value} for i in task.interrupts]
        updated = max(updated, datetime.fromisoformat(snapshot.created_at))
    return {
        "thread_id": record.thread_id,
        "created_at": record.created_at,
        "updated_at": updated,
        "state_updated_at": updated,
        "metadata": record.metadata,
        "status": status,
        "config": {},
        "values": values,
        "interrupts": interrupts,
        "error": None,
    }


def run_of(run: Run | RemoteRun, assistant_id: str) -> dict[str, Any]:
    """A `Run`: ids, status and times. (Its input is not kept: `kwargs` is empty.)"""
    created = datetime.fromtimestamp(run.created_at or 0, UTC)
    status = run.status
    if status == "cancelled":
        status = "interrupted"  # langgraph-api's name for a cancelled run
    return {
        "run_id": run.run_id,
        "thread_id": run.thread_id,
        "assistant_id": assistant_id,
        "status": status,
        "metadata": {},
        "kwargs": {},
        "multitask_strategy": None,
        "created_at": created,
        "updated_at": created,
    }
