"""The LangGraph Platform API's endpoint table and handlers.

| Endpoint | What it does |
| --- | --- |
| `GET /info`, `GET /ok` | server info (the UIs probe it first), liveness |
| `POST /assistants/search`, `GET /assistants/{id}` | the one assistant: the mounted graph |
| `GET /assistants/{id}/schemas`, `/graph` | its JSON schemas, its drawable graph |
| `POST /threads`, `POST /threads/search` | create a thread; the caller's threads, newest first |
| `GET`, `PATCH`, `DELETE /threads/{t}` | a thread: status, values, interrupts, metadata |
| `GET /threads/{t}/state[/{checkpoint_id}]`, `POST /threads/{t}/state/checkpoint` | its state |
| `POST /threads/{t}/state` | update its state (`values`, `as_node`) |
| `POST /threads/{t}/history` | its checkpoints, newest first |
| `POST /threads/{t}/runs/stream`, `POST /runs/stream` | run and stream (on a thread, or stateless) |
| `POST /threads/{t}/runs`, `POST /runs` | start a run in the background |
| `POST /threads/{t}/runs/wait`, `POST /runs/wait` | run to the end, answer the final values |
| `GET /threads/{t}/runs[/{r}]` | the thread's runs (within `run_retention`), one run |
| `GET /threads/{t}/runs/{r}/join` | wait for a run, answer the thread's values |
| `GET /threads/{t}/runs/{r}/stream` | join a run's stream (after `Last-Event-ID`; `-1`: from the start) |
| `POST /threads/{t}/runs/{r}/cancel` | cancel a run (`wait=1` waits for it to stop) |
"""

from __future__ import annotations

import asyncio
import functools
import importlib.metadata
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import quote

import anyio
from starlette.responses import Response

from langgraph_sse.core.errors import Conflict, InvalidField, NotFound
from langgraph_sse.core.remote import RemoteRun
from langgraph_sse.core.run import Run
from langgraph_sse.core.spec import RunSpec
from langgraph_sse.http.endpoint import Call, Endpoint, EndpointTable
from langgraph_sse.http.responses import JSONResponse
from langgraph_sse.http.streaming import RunStreams
from langgraph_sse.protocols.langgraph.encoding import LangGraphFormat
from langgraph_sse.protocols.langgraph.requests import run_spec
from langgraph_sse.protocols.langgraph.schemas import (
    AssistantPath,
    AssistantSearch,
    CancelQuery,
    CheckpointPath,
    HistoryBody,
    JoinStreamQuery,
    RunBody,
    RunPath,
    StateQuery,
    StateUpdateBody,
    ThreadBody,
    ThreadPatchBody,
    ThreadPath,
    ThreadSearchBody,
    ThreadStateCheckpointBody,
)
from langgraph_sse.protocols.langgraph.shapes import (
    Assistant,
    checkpoint_of,
    run_of,
    state_of,
    status_of,
    thread_of,
)
from langgraph_sse.security.auth import Principal

__all__ = ["langgraph_endpoints"]

_STREAM = {
    "description": (
        "Server-Sent Events as langgraph-api writes them: `metadata` first, then one "
        "event per stream part (`values`, `updates`, `messages`, `custom`, `debug`, "
        "`tasks`, `checkpoints`; `mode|namespace` from subgraphs), `error` if the run "
        "failed, and `end`. Every frame has its own increasing `id`."
    )
}
_AUTH = {401: "Missing or invalid credentials."}
_THREAD = {**_AUTH, 404: "No such thread (or not yours).", 422: "Invalid request."}
_RUNS = {
    **_THREAD,
    409: "The thread is busy (`multitask_strategy: reject`), or nothing to resume.",
    429: "Too many runs going or streams open.",
}
_RUN = {**_AUTH, 404: "No such run (or not yours, or finished too long ago)."}


def langgraph_endpoints(streams: RunStreams, assistant_id: str | None = None) -> list[Endpoint]:
    """The LangGraph Platform endpoints of `streams.service`; its one assistant is
    named `assistant_id` (the graph's name by default)."""
    service = streams.service
    threads = service.threads
    assistant = Assistant(assistant_id or service.graph.get_name(), service.graph)
    graph_metadata = {"graph_id": assistant.assistant_id, "assistant_id": assistant.assistant_id}
    table = EndpointTable()

    def check_assistant(requested: str) -> None:
        if requested != assistant.assistant_id:
            raise InvalidField(
                ("assistant_id",),
                f"No assistant {requested!r} here; this server runs {assistant.assistant_id!r}",
            )

    async def thread_dict(thread_id: str, principal: Principal | None) -> dict[str, Any]:
        record = await threads.record(thread_id, principal)
        snapshot = await threads.snapshot(thread_id, principal)
        busy = await service.thread_busy(thread_id)
        return thread_of(record, snapshot, status_of(snapshot, busy))

    async def spec_for(call: Call, thread_id: str | None) -> RunSpec:
        body: RunBody = call.body
        check_assistant(body.assistant_id)
        if thread_id is not None:
            try:
                record = await threads.record(thread_id, call.principal)
            except NotFound:
                if body.if_not_exists == "reject":
                    raise
            else:
                if "graph_id" not in record.metadata:
                    await threads.records.update(record, graph_metadata)
        return run_spec(body, thread_id, graph_metadata)

    # -- server -----------------------------------------------------------------

    @table.route("GET", "/info", public=True)
    async def info(call: Call) -> Response:
        """What this server is and supports."""
        return JSONResponse(
            {
                "version": _version(),
                "langgraph_sse": True,
                "flags": {"assistants": True, "crons": False, "langsmith": False},
            }
        )

    @table.route("GET", "/ok", public=True)
    async def ok(call: Call) -> Response:
        """Liveness."""
        return JSONResponse({"ok": True})

    # -- assistants ---------------------------------------------------------------

    @table.route("POST", "/assistants/search", body=AssistantSearch, errors=_AUTH)
    async def search_assistants(call: Call) -> Response:
        """The assistants: this graph's one."""
        query: AssistantSearch = call.body
        matches = (query.graph_id in (None, assistant.assistant_id)) and (
            query.name in (None, assistant.assistant_id)
        )
        found = [assistant.as_dict()] if matches and not query.metadata else []
        return JSONResponse(found[query.offset : query.offset + query.limit])

    assistant_route = functools.partial(
        table.route, "GET", params=AssistantPath, errors={**_AUTH, 404: "No such assistant."}
    )

    def the_assistant(call: Call) -> Assistant:
        if call.path.assistant_id != assistant.assistant_id:
            raise NotFound(f"Assistant {call.path.assistant_id!r} not found")
        return assistant

    @assistant_route("/assistants/{assistant_id}")
    async def get_assistant(call: Call) -> Response:
        """The assistant."""
        return JSONResponse(the_assistant(call).as_dict())

    @assistant_route("/assistants/{assistant_id}/schemas")
    async def assistant_schemas(call: Call) -> Response:
        """The graph's input, output, config and context schemas."""
        return JSONResponse(the_assistant(call).schemas())

    @assistant_route("/assistants/{assistant_id}/graph")
    async def assistant_graph(call: Call) -> Response:
        """The graph's nodes and edges."""
        return JSONResponse(the_assistant(call).graph.get_graph().to_json())

    # -- threads ----------------------------------------------------------------

    @table.route("POST", "/threads", body=ThreadBody, errors={**_THREAD, 409: "It exists."})
    async def create_thread(call: Call) -> Response:
        """Create a thread."""
        body: ThreadBody = call.body
        # As langgraph-api's threads once run: chat UIs list theirs by graph_id.
        metadata = {**graph_metadata, **(body.metadata or {})}
        record = await threads.create(
            call.principal, body.thread_id, metadata, if_exists=body.if_exists
        )
        return JSONResponse(await thread_dict(record.thread_id, call.principal))

    @table.route("POST", "/threads/search", body=ThreadSearchBody, errors=_AUTH)
    async def search_threads(call: Call) -> Response:
        """The caller's threads, newest first."""
        query: ThreadSearchBody = call.body
        records = await threads.search(
            call.principal,
            metadata=query.metadata,
            ids=query.ids,
            sort_by=query.sort_by,
            descending=query.sort_order == "desc",
        )
        if query.status is None:
            records = records[query.offset : query.offset + query.limit]
        found = []
        for record in records:
            snapshot = await threads.snapshot(record.thread_id, call.principal)
            status = status_of(snapshot, await service.thread_busy(record.thread_id))
            if query.status in (None, status):
                found.append(thread_of(record, snapshot, status))
        if query.status is not None:
            found = found[query.offset : query.offset + query.limit]
        return JSONResponse(found)

    thread_route = functools.partial(table.route, params=ThreadPath, errors=_THREAD)

    @thread_route("GET", "/threads/{thread_id}")
    async def get_thread(call: Call) -> Response:
        """A thread: status, values and pending interrupts."""
        return JSONResponse(await thread_dict(call.path.thread_id, call.principal))

    @thread_route("PATCH", "/threads/{thread_id}", body=ThreadPatchBody)
    async def patch_thread(call: Call) -> Response:
        """Add to a thread's metadata."""
        record = await threads.record(call.path.thread_id, call.principal)
        await threads.records.update(record, call.body.metadata or {})
        return JSONResponse(await thread_dict(call.path.thread_id, call.principal))

    @thread_route("DELETE", "/threads/{thread_id}", status_code=204)
    async def delete_thread(call: Call) -> Response:
        """Delete a thread and its checkpoints."""
        thread_id = call.path.thread_id
        if await service.thread_busy(thread_id):
            await threads.record(thread_id, call.principal)
            for run in service.list_runs(call.principal, thread_id):
                run.cancel()
        await threads.delete(thread_id, call.principal)
        return Response(status_code=204)

    @thread_route("GET", "/threads/{thread_id}/state", query=StateQuery)
    async def get_state(call: Call) -> Response:
        """A thread's current state."""
        snapshot = await threads.snapshot(
            call.path.thread_id, call.principal, subgraphs=call.query.subgraphs
        )
        return JSONResponse(state_of(snapshot))

    @table.route(
        "GET",
        "/threads/{thread_id}/state/{checkpoint_id}",
        params=CheckpointPath,
        query=StateQuery,
        errors=_THREAD,
    )
    async def get_state_at(call: Call) -> Response:
        """A thread's state at a checkpoint."""
        snapshot = await threads.snapshot(
            call.path.thread_id,
            call.principal,
            checkpoint_id=call.path.checkpoint_id,
            subgraphs=call.query.subgraphs,
        )
        return JSONResponse(state_of(snapshot))

    @thread_route("POST", "/threads/{thread_id}/state/checkpoint", body=ThreadStateCheckpointBody)
    async def post_state_at(call: Call) -> Response:
        """A thread's state at a checkpoint (given as a body)."""
        body: ThreadStateCheckpointBody = call.body
        snapshot = await threads.snapshot(
            call.path.thread_id,
            call.principal,
            checkpoint_id=(body.checkpoint or {}).get("checkpoint_id"),
            subgraphs=body.subgraphs,
        )
        return JSONResponse(state_of(snapshot))

    @thread_route("POST", "/threads/{thread_id}/state", body=StateUpdateBody)
    async def update_state(call: Call) -> Response:
        """Write to a thread's state, as a node would."""
        body: StateUpdateBody = call.body
        if await service.thread_busy(call.path.thread_id):
            await threads.record(call.path.thread_id, call.principal)
            raise Conflict(f"Thread {call.path.thread_id!r} is busy with a run")
        checkpoint_id = body.checkpoint_id or (body.checkpoint or {}).get("checkpoint_id")
        config = await threads.write(
            call.path.thread_id,
            call.principal,
            body.values,
            as_node=body.as_node,
            checkpoint_id=checkpoint_id,
        )
        return JSONResponse({"checkpoint": checkpoint_of(config)})

    @thread_route("POST", "/threads/{thread_id}/history", body=HistoryBody)
    async def history(call: Call) -> Response:
        """A thread's checkpoints, newest first."""
        body: HistoryBody = call.body
        before = body.before
        if isinstance(before, Mapping):
            before = before.get("checkpoint_id") or (before.get("configurable") or {}).get(
                "checkpoint_id"
            )
        snapshots = await threads.snapshots(
            call.path.thread_id,
            call.principal,
            limit=body.limit,
            before=None if before is None else str(before),
            metadata=body.metadata,
        )
        return JSONResponse([state_of(snapshot) for snapshot in snapshots])

    # -- runs -------------------------------------------------------------------

    def run_headers(run: Run | RemoteRun) -> dict[str, str]:
        # Root-relative and without the mount prefix: the SDKs resolve them
        # against their base URL (an absolute or prefixed one breaks their reconnect).
        where = f"/threads/{quote(run.thread_id or '', safe='')}/runs/{run.run_id}"
        return {"Content-Location": where, "Location": f"{where}/stream"}

    async def stream_run(call: Call, thread_id: str | None) -> Response:
        body: RunBody = call.body
        spec = await spec_for(call, thread_id)
        return await streams.start(
            call.request,
            call.principal,
            spec,
            LangGraphFormat(body.stream_mode),
            cancel_on_disconnect=body.on_disconnect == "cancel",
            headers=run_headers,
        )

    async def background_run(call: Call, thread_id: str | None) -> Response:
        body: RunBody = call.body
        spec = await spec_for(call, thread_id)
        run = await service.start(spec, call.principal, LangGraphFormat(body.stream_mode))
        return JSONResponse(
            run_of(run, assistant.assistant_id),
            headers={"Content-Location": run_headers(run)["Content-Location"]},
        )

    async def wait_run(call: Call, thread_id: str | None) -> Response:
        spec = await spec_for(call, thread_id)
        outcome = await service.wait(spec, call.principal, LangGraphFormat())
        values = outcome.values
        if outcome.interrupts:
            values = {**(values or {}), "__interrupt__": outcome.interrupts}
        if outcome.error is not None:
            values = {"__error__": outcome.error}
        headers = run_headers(outcome.run)
        headers["Location"] = headers["Content-Location"] + "/join"
        return JSONResponse(values, headers=headers)

    runs_route = functools.partial(table.route, body=RunBody, errors=_RUNS)

    @runs_route("POST", "/threads/{thread_id}/runs/stream", params=ThreadPath, stream=_STREAM)
    async def stream_thread_run(call: Call) -> Response:
        """Run on a thread and stream."""
        return await stream_run(call, call.path.thread_id)

    @runs_route("POST", "/runs/stream", stream=_STREAM)
    async def stream_stateless_run(call: Call) -> Response:
        """Run without a thread and stream."""
        return await stream_run(call, None)

    @runs_route("POST", "/threads/{thread_id}/runs", params=ThreadPath)
    async def create_thread_run(call: Call) -> Response:
        """Start a run on a thread in the background."""
        return await background_run(call, call.path.thread_id)

    @runs_route("POST", "/runs")
    async def create_stateless_run(call: Call) -> Response:
        """Start a run without a thread in the background."""
        return await background_run(call, None)

    @runs_route("POST", "/threads/{thread_id}/runs/wait", params=ThreadPath)
    async def wait_thread_run(call: Call) -> Response:
        """Run on a thread to the end; answer its final values."""
        return await wait_run(call, call.path.thread_id)

    @runs_route("POST", "/runs/wait")
    async def wait_stateless_run(call: Call) -> Response:
        """Run without a thread to the end; answer its final values."""
        return await wait_run(call, None)

    @thread_route("GET", "/threads/{thread_id}/runs")
    async def list_runs(call: Call) -> Response:
        """The thread's runs, newest first (those kept within `run_retention`)."""
        await threads.record(call.path.thread_id, call.principal)
        runs = service.list_runs(call.principal, call.path.thread_id)
        return JSONResponse([run_of(run, assistant.assistant_id) for run in reversed(runs)])

    run_route = functools.partial(table.route, params=RunPath, errors=_RUN)

    async def find_run(call: Call) -> Run | RemoteRun:
        run = await service.find(call.path.run_id, call.principal)
        if run.thread_id != call.path.thread_id:
            raise NotFound(f"Run {call.path.run_id!r} not found")
        return run

    @run_route("GET", "/threads/{thread_id}/runs/{run_id}")
    async def get_run(call: Call) -> Response:
        """A run: its status."""
        return JSONResponse(run_of(await find_run(call), assistant.assistant_id))

    @run_route("GET", "/threads/{thread_id}/runs/{run_id}/join")
    async def join_run(call: Call) -> Response:
        """Wait for a run to end; answer the thread's values."""
        run = await find_run(call)
        while not run.finished:
            if isinstance(run, Run):
                await run.wait()
            else:
                await asyncio.sleep(0.1)
                run = await find_run(call)
        snapshot = await threads.snapshot(call.path.thread_id, call.principal)
        values = snapshot.values
        if snapshot.interrupts:
            values = {
                **(values or {}),
                "__interrupt__": [{"id": i.id, "value": i.value} for i in snapshot.interrupts],
            }
        return JSONResponse(values)

    @run_route(
        "GET", "/threads/{thread_id}/runs/{run_id}/stream", query=JoinStreamQuery, stream=_STREAM
    )
    async def join_stream(call: Call) -> Response:
        """Join a run's stream: after `Last-Event-ID` (`-1`: from the start), then live."""
        run = await find_run(call)
        query: JoinStreamQuery = call.query
        last_event_id = call.request.headers.get("last-event-id") or query.last_event_id or None
        modes = frozenset(query.stream_mode)
        return await streams.join(
            call.request,
            call.principal,
            run.run_id,
            LangGraphFormat(),
            last_event_id,
            cancel_on_disconnect=query.cancel_on_disconnect,
            headers=run_headers,
            frames_filter=None if not modes else functools.partial(_only_modes, modes),
        )

    @run_route("POST", "/threads/{thread_id}/runs/{run_id}/cancel", query=CancelQuery)
    async def cancel_run(call: Call) -> Response:
        """Cancel a run (`wait=1`: answer once it has stopped)."""
        await find_run(call)
        run = await service.cancel(call.path.run_id, call.principal)
        if call.query.wait and isinstance(run, Run):
            with anyio.move_on_after(service.cancel_timeout):
                await run.wait()
        return JSONResponse(run_of(run, assistant.assistant_id))

    return table


def _event_name(frame: bytes) -> bytes:
    if not frame.startswith(b"event: "):
        return b""
    name = frame[7 : frame.find(b"\n")]
    return name.split(b"|", 1)[0]


_ALWAYS = frozenset({b"metadata", b"error", b"end"})


async def _only_modes(modes: frozenset[str], frames: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The frames of `modes` (API names), and `metadata`, `error` and `end`."""
    names = set(_ALWAYS)
    for mode in modes:
        if mode == "messages-tuple":
            names.add(b"messages")
        elif mode == "messages":
            names.update((b"messages/metadata", b"messages/partial", b"messages/complete"))
        else:
            names.add(mode.encode())
    async for chunk in frames:
        kept = [
            frame + b"\n\n"
            for frame in chunk.split(b"\n\n")
            if frame and _event_name(frame) in names
        ]
        if kept:
            yield b"".join(kept)


def _version() -> str:
    try:
        return importlib.metadata.version("langgraph-sse")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"
