"""What a run that was waited for produced: its last values, pending interrupts,
error, and whether the graph refused its input."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from langgraph_sse.core.events import ErrorEvent, Event, InterruptEvent, NodeStartEvent, ValuesEvent
from langgraph_sse.core.run import Run

__all__ = ["Outcome"]


@dataclass
class Outcome:
    """What a run that was waited for produced ([GraphService.wait][langgraph_sse.core.service.GraphService.wait])."""

    run: Run
    values: Any = None
    """The root graph's last `values` (its final state for a StateGraph)."""
    interrupts: list[dict[str, Any]] = field(default_factory=list)
    """Pending interrupts, `{"id", "value"}` each."""
    error: dict[str, str] | None = None
    """`{"error": class name, "message": ...}` when the run failed."""
    refused: bool = False
    """Whether the graph refused the input: it failed before any node started."""

    @classmethod
    def of(cls, run: Run, events: Iterable[Event]) -> Outcome:
        """The outcome of `run`, ended, from its events (`values` and `tasks` modes)."""
        outcome = cls(run)
        ran = False  # whether any node started
        for event in events:
            if isinstance(event, ValuesEvent) and not event.ns:
                outcome.values = event.data
            elif isinstance(event, NodeStartEvent):
                ran = True
            elif isinstance(event, InterruptEvent):
                outcome.interrupts.append({"id": event.id, "value": event.value})
            elif isinstance(event, ErrorEvent):
                outcome.error = {"error": event.error, "message": event.message}
        stopped_by_library = run.end_reason is not None
        outcome.refused = (
            run.status == "error" and not stopped_by_library and not ran and bool(outcome.error)
        )
        return outcome
