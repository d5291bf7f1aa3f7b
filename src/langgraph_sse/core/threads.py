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
import uuid
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.pregel import Pregel
from langgraph.store.memory import InMemoryStore
from langgraph.types import StateSnapshot

from langgraph_sse.core.checkpointers import reachable_store
from langgraph_sse.core.errors import Conflict, NotFound
from langgraph_sse.core.records import ThreadRecord, ThreadRecords
from langgraph_sse.security.ownership import PRIVATE_THREADS

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

    # -- the thread as a resource ----------------------------------------------

    @reachable_store
    async def create(
        self,
        principal: Principal | None,
        thread_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        *,
        if_exists: Literal["raise", "do_nothing"] = "raise",
    ) -> ThreadRecord:
        """Create a thread (a new id when `thread_id` is None) owned by `principal`.

        Raises:
            Conflict: the thread exists and `if_exists` is `raise`, or it is
                another principal's (whatever `if_exists`: to them it cannot be
                told from one that exists).
        """
        self.require_checkpointer()
        thread_id = thread_id or str(uuid.uuid4())
        try:
            existing = await self.record(thread_id, principal)
        except NotFound:
            existing = None
            if await self.records.get(thread_id) is not None:  # another principal's
                raise Conflict(f"Thread {thread_id!r} already exists") from None
        if existing is not None:
            if if_exists == "raise":
                raise Conflict(f"Thread {thread_id!r} already exists")
            return existing
        release = await self.claim(thread_id, principal, metadata)
        release()
        return await self.record(thread_id, principal)

    @reachable_store
    async def record(self, thread_id: str, principal: Principal | None) -> ThreadRecord:
        """The record of a thread of `principal`'s. A thread known only by its
        checkpoints (from before records were kept) is given one now.

        Raises:
            NotFound: no such thread, or another principal's.
        """
        record = await self.records.get(thread_id)
        if record is None:
            if not has_checkpointer(self.graph):
                raise _not_found(thread_id)
            config = thread_config(thread_id, self.config)
            ownership = self.ownership or PRIVATE_THREADS
            exists, owner = await ownership.owner_of(self.graph.checkpointer, config)  # type: ignore[arg-type]
            if not exists:
                raise _not_found(thread_id)
            record = await self.records.put(thread_id, owner)
        if not self._allows(principal, record.owner):
            raise _not_found(thread_id)
        return record

    @reachable_store
    async def search(
        self,
        principal: Principal | None,
        *,
        metadata: Mapping[str, Any] | None = None,
        ids: Collection[str] | None = None,
        sort_by: Literal["created_at", "updated_at", "thread_id"] = "created_at",
        descending: bool = True,
    ) -> list[ThreadRecord]:
        """The records of `principal`'s threads that match; see
        [ThreadRecords.search][langgraph_sse.core.records.ThreadRecords.search]."""
        owner = None if principal is None or self.ownership is None else principal.id
        found = await self.records.search(
            owner, metadata=metadata, ids=ids, sort_by=sort_by, descending=descending
        )
        return [record for record in found if self._allows(principal, record.owner)]

    @reachable_store
    async def delete(self, thread_id: str, principal: Principal | None) -> None:
        """Delete the thread: its checkpoints and its record.

        Raises:
            NotFound: no such thread, or another principal's.
        """
        self.require_checkpointer()
        await self.record(thread_id, principal)
        await self.graph.checkpointer.adelete_thread(thread_id)  # type: ignore[union-attr]
        await self.records.delete(thread_id)

    def _allows(self, principal: Principal | None, owner: str | None) -> bool:
        return (
            principal is None or self.ownership is None or self.ownership.allows(principal, owner)
        )

    # -- its state ---------------------------------------------------------------

    @reachable_store
    async def snapshot(
        self,
        thread_id: str,
        principal: Principal | None,
        *,
        checkpoint_id: str | None = None,
        subgraphs: bool = False,
    ) -> StateSnapshot:
        """The thread's state: the latest, or at `checkpoint_id`. A thread created
        but never run has an empty one (no `created_at`).

        Raises:
            Conflict: the graph has no checkpointer.
            NotFound: no such thread (or checkpoint), or another principal's.
        """
        self.require_checkpointer()
        await self.record(thread_id, principal)
        config = thread_config(thread_id, self.config)
        if checkpoint_id is not None:
            config = thread_config(thread_id, {"configurable": {"checkpoint_id": checkpoint_id}})
        snapshot = await self.graph.aget_state(config, subgraphs=subgraphs)
        if checkpoint_id is not None and snapshot.created_at is None:
            raise NotFound(f"Checkpoint {checkpoint_id!r} not found in thread {thread_id!r}")
        return snapshot

    @reachable_store
    async def snapshots(
        self,
        thread_id: str,
        principal: Principal | None,
        *,
        limit: int = 10,
        before: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> list[StateSnapshot]:
        """The thread's checkpoints, newest first: at most `limit`, older than
        checkpoint `before` if given, whose metadata holds `metadata`.

        Raises:
            Conflict: the graph has no checkpointer.
            NotFound: no such thread, or another principal's.
        """
        self.require_checkpointer()
        await self.record(thread_id, principal)
        older = None
        if before is not None:
            older = thread_config(thread_id, {"configurable": {"checkpoint_id": before}})
        return [
            snapshot
            async for snapshot in self.graph.aget_state_history(
                thread_config(thread_id, self.config),
                limit=limit,
                before=older,
                filter=dict(metadata) if metadata else None,
            )
        ]

    @reachable_store
    async def state(self, thread_id: str, principal: Principal | None) -> dict[str, Any]:
        """The thread's latest state, shaped as the native `ThreadState`. A thread
        that exists but has no checkpoint yet (created, or its first run cancelled
        before its first step) has an empty one: no values, no `checkpoint_id`.

        Raises:
            Conflict: the graph has no checkpointer.
            NotFound: no such thread, or another principal's.
        """
        return snapshot_to_dict(thread_id, await self.snapshot(thread_id, principal))

    @reachable_store
    async def history(
        self,
        thread_id: str,
        principal: Principal | None,
        *,
        limit: int = 10,
        before: str | None = None,
    ) -> list[dict[str, Any]]:
        """The thread's checkpoints, newest first, shaped as the native `ThreadState`
        (none for a thread with no checkpoint yet).

        Raises:
            Conflict: the graph has no checkpointer.
            NotFound: no such thread, or another principal's.
        """
        found = await self.snapshots(thread_id, principal, limit=limit, before=before)
        return [snapshot_to_dict(thread_id, snapshot) for snapshot in found]

    @reachable_store
    async def write(
        self,
        thread_id: str,
        principal: Principal | None,
        values: Any,
        *,
        as_node: str | None = None,
        checkpoint_id: str | None = None,
    ) -> RunnableConfig:
        """Write `values` to the thread's state as if node `as_node` had (LangGraph's
        `aupdate_state`), on its latest checkpoint or `checkpoint_id`; answer the
        new checkpoint's config.

        Raises:
            Conflict: the graph has no checkpointer.
            NotFound: no such thread, or another principal's.
        """
        self.require_checkpointer()
        await self.record(thread_id, principal)
        config = thread_config(thread_id, self.config)
        if checkpoint_id is not None:
            config = thread_config(thread_id, {"configurable": {"checkpoint_id": checkpoint_id}})
        if principal is not None and self.ownership is not None:
            config = self.ownership.stamp(config, principal)
        return await self.graph.aupdate_state(config, values, as_node=as_node)

    async def update(
        self,
        thread_id: str,
        principal: Principal | None,
        values: Any,
        *,
        as_node: str | None = None,
    ) -> dict[str, Any]:
        """[write][langgraph_sse.core.threads.Threads.write], then answer the new
        state, shaped as the native `ThreadState`.

        Raises:
            Conflict: the graph has no checkpointer.
            NotFound: no such thread (or one never run), or another principal's.
        """
        if (await self.snapshot(thread_id, principal)).created_at is None:
            raise _not_found(thread_id)  # nothing to update yet
        await self.write(thread_id, principal, values, as_node=as_node)
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
