"""Thread records: who owns a thread, its metadata, when it was made.

A thread's state lives in the checkpointer; its record lives beside it, in a
LangGraph [`BaseStore`](https://langchain-ai.github.io/langgraph/reference/store/)
(in memory, SQLite or PostgreSQL: the stores that
[sqlite_checkpointer][langgraph_sse.core.checkpointers.sqlite_checkpointer] and
[postgres_checkpointer][langgraph_sse.core.checkpointers.postgres_checkpointer]
open), under the namespace `("langgraph_sse", "threads")`, one item per thread id:

```json
{"owner": "alice", "metadata": {"graph_id": "agent"}}
```

The record is written when a thread is created (`POST /threads`) or claimed by
its first run, before the run starts: from that moment the thread is its
owner's, across restarts and replicas, whatever its checkpoints say. The store
keeps the item's `created_at` and `updated_at`. How a thread stands (idle,
busy, interrupted, error) is not recorded: it is read off its runs and its state.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from langgraph.store.base import BaseStore, Item

__all__ = ["NAMESPACE", "ThreadRecord", "ThreadRecords", "ThreadStatus"]

NAMESPACE = ("langgraph_sse", "threads")
"""Where the records are kept in the store."""

ThreadStatus = Literal["idle", "busy", "interrupted", "error"]
"""How a thread stands: `busy` while a run goes on it; else as its last run left
it: stopped at an interrupt, failed, or `idle`."""

_PAGE = 500


@dataclass
class ThreadRecord:
    """One thread's record."""

    thread_id: str
    owner: str | None
    """The principal id that created it; None when the service has no auth."""
    created_at: datetime
    updated_at: datetime
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, item: Item) -> ThreadRecord:
        value = item.value
        return cls(
            thread_id=item.key,
            owner=value.get("owner"),
            created_at=_aware(item.created_at),
            updated_at=_aware(item.updated_at),
            metadata=dict(value.get("metadata") or {}),
        )


class ThreadRecords:
    """The thread records kept in `store`.

    Writes are not transactions: two principals creating one new thread id at
    once are told apart before a record is written, by
    [Threads.claim][langgraph_sse.core.threads.Threads.claim] (in the process, and
    in Redis across replicas).
    """

    def __init__(self, store: BaseStore) -> None:
        self.store = store

    async def get(self, thread_id: str) -> ThreadRecord | None:
        """The record of `thread_id`, if there is one."""
        item = await self.store.aget(NAMESPACE, thread_id)
        return None if item is None else ThreadRecord.of(item)

    async def put(
        self,
        thread_id: str,
        owner: str | None,
        metadata: Mapping[str, Any] | None = None,
    ) -> ThreadRecord:
        """Write the record of `thread_id` (a new one, or over the old) and answer it."""
        value = {"owner": owner, "metadata": dict(metadata or {})}
        await self.store.aput(NAMESPACE, thread_id, value, index=False)
        record = await self.get(thread_id)
        assert record is not None
        return record

    async def update(self, record: ThreadRecord, metadata: Mapping[str, Any]) -> ThreadRecord:
        """Merge `metadata` into the record; answer it as stored."""
        return await self.put(record.thread_id, record.owner, {**record.metadata, **metadata})

    async def delete(self, thread_id: str) -> None:
        """Forget the record of `thread_id`."""
        await self.store.adelete(NAMESPACE, thread_id)

    async def search(
        self,
        owner: str | None,
        *,
        metadata: Mapping[str, Any] | None = None,
        ids: Collection[str] | None = None,
        sort_by: Literal["created_at", "updated_at", "thread_id"] = "created_at",
        descending: bool = True,
    ) -> list[ThreadRecord]:
        """The records of `owner`'s threads (every thread's for None) whose metadata
        holds every key and value of `metadata` (and whose id is in `ids`, if
        given), sorted by `sort_by`.

        Stores filter nested values differently (PostgreSQL compares whole values,
        the in-memory store matches a subset), so the filter and the order are
        applied here, over the owner's records read in pages.
        """
        owned = None if owner is None else {"owner": owner}
        records: list[ThreadRecord] = []
        start = 0
        while True:
            page = await self.store.asearch(NAMESPACE, filter=owned, limit=_PAGE, offset=start)
            records.extend(
                record
                for record in map(ThreadRecord.of, page)
                if _contains(record.metadata, metadata or {})
                and (ids is None or record.thread_id in ids)
            )
            if len(page) < _PAGE:
                break
            start += _PAGE
        records.sort(key=lambda record: getattr(record, sort_by), reverse=descending)
        return records


def _aware(moment: datetime) -> datetime:
    """`moment` with its time zone: SQLite's store gives UTC times without one."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _contains(value: Any, wanted: Any) -> bool:
    """Whether `value` holds `wanted`: every key of a wanted mapping, recursively;
    otherwise equality (PostgreSQL's `@>` on JSON objects)."""
    if isinstance(wanted, Mapping):
        return isinstance(value, Mapping) and all(
            key in value and _contains(value[key], item) for key, item in wanted.items()
        )
    return bool(value == wanted)
