"""Thread ownership: a thread belongs to the principal that created it.

The owner is written where the thread already lives: every run stamps the
principal's id into its config `metadata`, which LangGraph saves in the metadata
of each checkpoint it writes, in whatever checkpointer the graph was compiled
with (memory, SQLite, PostgreSQL...). Nothing is kept in process memory, so
ownership holds across restarts and replicas.

Another principal's thread looks exactly like a thread that does not exist
(404), so thread ids do not leak.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver

from langgraph_sse.security.auth import Principal

__all__ = ["PRIVATE_THREADS", "ThreadOwnership"]


class ThreadOwnership:
    """Who may use a thread.

    Args:
        metadata_key: The checkpoint metadata key holding the owner's id.
        allow_unowned: Whether threads with no owner recorded (created before
            auth was turned on, or by server-side code) are open to every
            principal. Closed by default.

    Subclass and override [allows][langgraph_sse.security.ownership.ThreadOwnership.allows]
    for other rules (say, support staff reading every thread).
    """

    def __init__(self, metadata_key: str = "owner", *, allow_unowned: bool = False) -> None:
        self.metadata_key = metadata_key
        self.allow_unowned = allow_unowned

    def allows(self, principal: Principal, owner: str | None) -> bool:
        """Whether `principal` may use a thread whose recorded owner is `owner`."""
        if owner is None:
            return self.allow_unowned
        return owner == principal.id

    def stamp(self, config: RunnableConfig, principal: Principal) -> RunnableConfig:
        """`config` with the principal recorded as the owner of what the run saves."""
        metadata = {**(config.get("metadata") or {}), self.metadata_key: principal.id}
        return {**config, "metadata": metadata}

    async def owner_of(
        self, checkpointer: BaseCheckpointSaver[Any], config: RunnableConfig
    ) -> tuple[bool, str | None]:
        """Whether the thread of `config` exists, and its recorded owner."""
        found = await checkpointer.aget_tuple(config)
        if found is None:
            return False, None
        owner = (found.metadata or {}).get(self.metadata_key)
        return True, None if owner is None else str(owner)


PRIVATE_THREADS = ThreadOwnership()
"""The default policy: a thread is private to the principal that created it."""
