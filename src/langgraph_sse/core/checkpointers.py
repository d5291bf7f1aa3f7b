"""Durable checkpointers for an app's lifetime: SQLite embedded, PostgreSQL for replicas.

LangGraph's async savers need a running event loop (and an open connection), so
they are made in the app's lifespan and handed to the graph there: compile the
graph without a checkpointer, serve it, and wrap the app's life in one of these.

```python
graph = builder.compile()  # the checkpointer comes at start-up

@asynccontextmanager
async def lifespan(app):
    async with sqlite_checkpointer(graph, "threads.sqlite"):
        yield

app = FastAPI(lifespan=lifespan)
app.include_router(make_router(graph))
```

Both are optional: `pip install "langgraph-sse[sqlite]"` or `"langgraph-sse[postgres]"`.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.pregel import Pregel
from langgraph.store.base import BaseStore

from langgraph_sse.core.errors import unavailable_when
from langgraph_sse.core.extras import extra

__all__ = ["postgres_checkpointer", "reachable_store", "sqlite_checkpointer"]


@asynccontextmanager
async def sqlite_checkpointer(
    graph: Pregel[Any, Any, Any, Any], path: str | os.PathLike[str]
) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    """Keep `graph`'s threads in a SQLite file while the block runs.

    The graph also gets a store in the same file (unless it has one), where the
    thread records are kept ([ThreadRecords][langgraph_sse.core.records.ThreadRecords])
    and which its nodes may use. One process at a time: SQLite suits a single server (it survives restarts
    and crashes: every checkpoint is committed as it is written). For several
    replicas use [postgres_checkpointer][langgraph_sse.core.checkpointers.postgres_checkpointer].
    """
    with extra("sqlite"):
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
        from langgraph.store.sqlite.aio import AsyncSqliteStore
    async with (
        AsyncSqliteSaver.from_conn_string(os.fspath(path)) as saver,
        AsyncSqliteStore.from_conn_string(os.fspath(path)) as store,
    ):
        await saver.setup()
        await store.setup()
        async with _given_to(graph, saver, store):
            yield saver


@asynccontextmanager
async def postgres_checkpointer(
    graph: Pregel[Any, Any, Any, Any],
    conninfo: str,
    *,
    max_connections: int = 10,
    pool_timeout: float = 5.0,
) -> AsyncIterator[BaseCheckpointSaver[Any]]:
    """Keep `graph`'s threads in PostgreSQL while the block runs, through a
    connection pool, with a store in the same database (unless the graph has one)
    for the thread records and the nodes. Replicas sharing the database share the
    threads; the tables are created on first use.

    Args:
        conninfo: e.g. `"postgresql://user@db:5432/app"`.
        max_connections: Size of the pool.
        pool_timeout: Seconds a request waits for a connection; then (PostgreSQL
            down or cut off) it answers `503` rather than waiting on.
    """
    with extra("postgres"):
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        from langgraph.store.postgres.aio import AsyncPostgresStore
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool

    kwargs = {"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row}
    # Connections are checked when taken from the pool, so the first requests after
    # a PostgreSQL restart get fresh ones rather than dead ones.
    async with AsyncConnectionPool(
        conninfo,
        min_size=min(4, max_connections),
        max_size=max_connections,
        kwargs=kwargs,
        check=AsyncConnectionPool.check_connection,
        timeout=pool_timeout,
        open=False,
    ) as pool:
        saver = AsyncPostgresSaver(conn=pool)  # type: ignore[arg-type]
        store = AsyncPostgresStore(conn=pool)  # type: ignore[arg-type]
        async with _one_replica_at_a_time(conninfo):
            await saver.setup()
            await store.setup()
        async with _given_to(graph, saver, store):
            yield saver


_SETUP_LOCK = 0x6C6773_7365  # "lgsse": the advisory lock the table setup holds
"""PostgreSQL advisory lock key held while a replica creates or migrates the tables."""


@asynccontextmanager
async def _one_replica_at_a_time(conninfo: str) -> AsyncIterator[None]:
    """Hold PostgreSQL's advisory lock `_SETUP_LOCK` on a connection of its own (not
    the pool's, which may have one): replicas starting together on a new database
    otherwise race creating the same tables, and all but one fail to start.

    The lock is tried, not waited for: a session blocked in `pg_advisory_lock` is an
    open transaction, which the holder's `CREATE INDEX CONCURRENTLY` waits to see
    end, and the two would wait on each other for ever."""
    from psycopg import AsyncConnection

    async with await AsyncConnection.connect(conninfo, autocommit=True) as conn:
        while True:
            cursor = await conn.execute("SELECT pg_try_advisory_lock(%s)", (_SETUP_LOCK,))
            row = await cursor.fetchone()
            if row is not None and row[0]:
                break
            await asyncio.sleep(0.05)
        try:
            yield
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (_SETUP_LOCK,))


@asynccontextmanager
async def _given_to(
    graph: Pregel[Any, Any, Any, Any], saver: BaseCheckpointSaver[Any], store: BaseStore
) -> AsyncIterator[None]:
    """Give `graph` the saver, and the store unless it has one of its own."""
    previous, previous_store = graph.checkpointer, graph.store
    graph.checkpointer = saver
    if previous_store is None:
        graph.store = store
    try:
        yield
    finally:
        graph.checkpointer = previous
        graph.store = previous_store


@functools.cache
def _unreachable() -> tuple[type[BaseException], ...]:
    """What a checkpointer raises when its database cannot be reached."""
    kinds: list[type[BaseException]] = [OSError]
    with suppress(ImportError):
        import psycopg
        import psycopg_pool

        kinds += [psycopg.OperationalError, psycopg_pool.PoolTimeout]
    return tuple(kinds)


reachable_store = unavailable_when(
    lambda _: _unreachable(), "The thread store cannot be reached; try again shortly"
)
"""A decorator for methods reading or writing threads: while the checkpointer's
database cannot be reached their callers hear `Unavailable` (503), not the driver's
error."""
