"""What a replica knows of a run kept in Redis, and how following one can end.

[RedisBroker][langgraph_sse.core.broker.RedisBroker] answers
[RemoteRun][langgraph_sse.core.remote.RemoteRun]s for runs it finds in Redis; its
frames end early with [RunLost][langgraph_sse.core.remote.RunLost] (the replica
running the run died) or [RelayStopped][langgraph_sse.core.remote.RelayStopped]
(this replica is shutting down).
"""

from __future__ import annotations

from typing import cast

from langgraph_sse.core.events import RunStatus

__all__ = ["RelayStopped", "RemoteRun", "RunLost"]


class RunLost(Exception):
    """The replica running a run stopped (killed, cut off) before its end.

    Args:
        last_seq: The seq of the run's last frame in Redis (-1: none).
    """

    def __init__(self, run_id: str, last_seq: int) -> None:
        super().__init__(f"The replica running run {run_id} stopped; the run is lost")
        self.last_seq = last_seq
        self.reason = "lost"
        """The `error` its followers get."""


class RelayStopped(Exception):
    """This replica stopped following a run that may go on elsewhere: it is shutting
    down, or it cannot reach Redis.

    Args:
        last_seq: The seq of the last frame it relayed (-1: none).
        reason: `shutdown` or `unavailable`: the `error` its followers get.
    """

    def __init__(self, last_seq: int, reason: str = "shutdown") -> None:
        if reason == "shutdown":
            message = "This server is shutting down; resume on another with Last-Event-ID"
        else:
            message = "This server cannot reach Redis; resume later with Last-Event-ID"
        super().__init__(message)
        self.last_seq = last_seq
        self.reason = reason


class RemoteRun:
    """What a replica knows of a run kept in Redis (possibly running elsewhere)."""

    def __init__(self, run_id: str, fields: dict[str, str]) -> None:
        self.run_id = run_id
        self.thread_id: str | None = fields.get("thread_id") or None
        self.owner: str | None = fields.get("owner") or None
        self.status = cast(RunStatus, fields.get("status", "running"))
        self.format = fields.get("format") or "json"
        self.events = int(fields.get("events", "0"))
        self.created_at = float(fields.get("created_at") or 0.0)
        """When it was accepted (seconds since the epoch)."""

    @property
    def finished(self) -> bool:
        """True once the run has ended."""
        return self.status not in ("pending", "running")
