"""A graph's threads, as their owners see them: state, history, updates.

[Threads][langgraph_sse.core.threads.Threads] reads and writes a thread through the
graph's checkpointer, and only for a principal the
[ThreadOwnership][langgraph_sse.security.ownership.ThreadOwnership] allows: to anyone
else the thread does not exist. What `graph.aget_state` and
`graph.aget_state_history` return (LangGraph `StateSnapshot`) is turned into the
shape of [ThreadState][langgraph_sse.protocols.native.schemas.ThreadState]: the real
values (messages as dicts, nothing cut short), the next nodes, checkpoint ids, step,
creation time and the pending interrupts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.pregel import Pregel
from langgraph.store.memory import InMemoryStore
from langgraph.types import StateSnapshot

from langgraph_sse.core.checkpointers import reachable_store
from langgraph_sse.core.errors import Conflict, NotFound
from langgraph_sse.core.records import ThreadRecords

if TYPE_CHECKING:
    from langgraph_sse.core.broker import RedisBroker
    from langgraph_sse.security.auth import Principal
    from langgraph_sse.security.ownership import ThreadOwnership

__all__ = ["Threads", "checkpoint_id", "has_checkpointer", "snapshot_to_dict", "thread_config"]


class Threads:
    """The threads of `graph`, read and written for their owners.

    Args:
        graph: The compiled graph; its checkpointer keeps the threads.
        config: The base config of every read (the thread id is set per call).
        ownership: Who may use a thread; None: everyone.
        broker: With replicas, where a new thread's first claim is decided.
        records: Where the thread records are kept; when None, in the graph's
            store (`graph.store`, which the checkpointer helpers set), else in memory.
    """

    def __init__(
        self,
        graph: Pregel[Any, Any, Any, Any],
        config: RunnableConfig,
        ownership: ThreadOwnership | None,
        broker: RedisBroker | None = None,
        records: ThreadRecords | None = None,
    ) -> None:
        self.graph = graph
        self.config = config
        self.ownership = ownership
        self.broker = broker
        self._records = records
        self._in_memory = ThreadRecords(InMemoryStore())
        self._of_graph: ThreadRecords | None = None
        self._claims: dict[str, list[Any]] = {}  # new thread id -> [owner id, runs holding it]

    @property
    def records(self) -> ThreadRecords:
        """Who owns each thread, and its metadata."""
        if self._records is not None:
            return self._records
        store = self.graph.store
        if store is None:
            return self._in_memory
        if self._of_graph is None or self._of_graph.store is not store:
            self._of_graph = ThreadRecords(store)
        return self._of_graph

    def require_checkpointer(self) -> None:
        """Raises:
        Conflict: the graph keeps no threads (no checkpointer)."""
        if not has_checkpointer(self.graph):
            raise Conflict(
                "This graph was compiled without a checkpointer, so it keeps no thread state; "
                "compile it with one (e.g. builder.compile(checkpointer=InMemorySaver()))."
            )

    @reachable_store
    async def check_owner(self, thread_id: str, principal: Principal | None) -> None:
        """Refuse another principal's thread exactly as a missing one. Only the
        thread id is looked up: nothing else a client sends can point elsewhere.

        Raises:
            NotFound: the thread exists and `principal` may not use it.
        """
        if principal is None or self.ownership is None or not has_checkpointer(self.graph):
            return
        await self._exists(thread_id, principal)

    @reachable_store
    async def claim(
        self,
        thread_id: str,
        principal: Principal | None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Callable[[], None]:
        """Take `thread_id` for a run of `principal`, from this moment on: a known
        thread (with a record or checkpoints) is its owner's; a new one is the
        first claimant's, decided without a pause in this process and by Redis
        across replicas, so two principals starting runs on one new id at once
        cannot both get it. A new thread's record (owner, `metadata`) is written
        before this returns, so it is its owner's across restarts too.

        Returns:
            What to call when the run ends (or fails to start).

        Raises:
            NotFound: the thread is, or is being created as, another principal's.
        """
        if not has_checkpointer(self.graph):
            return _nothing
        if principal is None or self.ownership is None:
            if await self.records.get(thread_id) is None:
                await self.records.put(thread_id, None, metadata)
            return _nothing
        ownership = self.ownership
        if await self._exists(thread_id, principal):
            return _nothing
        held = self._claims.get(thread_id)
        if held is None:
            held = self._claims[thread_id] = [principal.id, 0]
        elif not ownership.allows(principal, held[0]):
            raise _not_found(thread_id)
        held[1] += 1
        release = functools.partial(self._release, thread_id, held)
        try:
            # A run that claimed the thread may have written it and ended meanwhile.
            if await self._exists(thread_id, principal):
                return release
            if self.broker is not None:
                owner = await self.broker.claim_owner(thread_id, principal.id)
                if not ownership.allows(principal, owner):
                    raise _not_found(thread_id)
            await self.records.put(thread_id, principal.id, metadata)
        except BaseException:
            release()
            raise
        return release

    async def _exists(self, thread_id: str, principal: Principal) -> bool:
        """Whether the thread is known: by its record, or (a thread from before
        records, or whose record was lost) by its checkpoints.

        Raises:
            NotFound: it is another principal's.
        """
        assert self.ownership is not None
        record = await self.records.get(thread_id)
        if record is not None:
            exists, owner = True, record.owner
        else:
            config = thread_config(thread_id, self.config)
            exists, owner = await self.ownership.owner_of(self.graph.checkpointer, config)  # type: ignore[arg-type]
        if exists and not self.ownership.allows(principal, owner):
            raise _not_found(thread_id)
        return exists

    def _release(self, thread_id: str, held: list[Any]) -> None:
        held[1] -= 1
        if held[1] <= 0 and self._claims.get(thread_id) is held:
            del self._claims[thread_id]

    @reachable_store
    async def check_resumable(self, thread_id: str, config: RunnableConfig) -> None:
        """Raises:
        Conflict: no checkpointer, or nothing to resume on the thread.
        NotFound: no such thread."""
        self.require_checkpointer()
        snapshot = await self.graph.aget_state(config)
        if snapshot.created_at is None:
            raise _not_found(thread_id)
        if not snapshot.interrupts:
            raise Conflict(f"Thread {thread_id!r} has no pending interrupt to resume")

    @reachable_store
    async def state(self, thread_id: str, principal: Principal | None) -> dict[str, Any]:
        """The thread's latest state, shaped as the native `ThreadState`.

        Raises:
            Conflict: the graph has no checkpointer.
            NotFound: no such thread, or another principal's.
        """
        self.require_checkpointer()
        await self.check_owner(thread_id, principal)
        snapshot = await self.graph.aget_state(thread_config(thread_id, self.config))
        if snapshot.created_at is None:
            raise _not_found(thread_id)
        return snapshot_to_dict(thread_id, snapshot)

    @reachable_store
    async def history(
        self,
        thread_id: str,
        principal: Principal | None,
        *,
        limit: int = 10,
        before: str | None = None,
    ) -> list[dict[str, Any]]:
        """The thread's checkpoints, newest first: at most `limit`, older than
        checkpoint `before` if given.

        Raises:
            Conflict: the graph has no checkpointer.
            NotFound: no such thread, or another principal's.
        """
        self.require_checkpointer()
        await self.check_owner(thread_id, principal)
        older = None
        if before is not None:
            older = thread_config(thread_id, {"configurable": {"checkpoint_id": before}})
        checkpoints = [
            snapshot_to_dict(thread_id, snapshot)
            async for snapshot in self.graph.aget_state_history(
                thread_config(thread_id, self.config), limit=limit, before=older
            )
        ]
        if not checkpoints and before is None:
            raise _not_found(thread_id)
        return checkpoints

    @reachable_store
    async def update(
        self,
        thread_id: str,
        principal: Principal | None,
        values: Any,
        *,
        as_node: str | None = None,
    ) -> dict[str, Any]:
        """Write `values` to the thread's state as if node `as_node` had (LangGraph's
        `aupdate_state`), and answer the new state.

        Raises:
            Conflict: the graph has no checkpointer.
            NotFound: no such thread, or another principal's.
        """
        await self.state(thread_id, principal)  # exists, and is the caller's
        config = thread_config(thread_id, self.config)
        if principal is not None and self.ownership is not None:
            config = self.ownership.stamp(config, principal)
        await self.graph.aupdate_state(config, values, as_node=as_node)
        return await self.state(thread_id, principal)


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


def _not_found(thread_id: str) -> NotFound:
    return NotFound(f"Thread {thread_id!r} not found")


def _nothing() -> None:
    pass
