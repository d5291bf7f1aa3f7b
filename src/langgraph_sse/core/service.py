"""One graph, served to every protocol: runs, threads, ownership, limits.

[GraphService][langgraph_sse.core.service.GraphService] is what every protocol's
endpoints call. It knows no HTTP: it takes a [RunSpec][langgraph_sse.core.spec.RunSpec]
and the caller's [Principal][langgraph_sse.security.auth.Principal], and answers
runs, frames and thread states, or raises a
[ServiceError][langgraph_sse.core.errors.ServiceError]. Mount one service under
several protocols and prefixes, and a thread is still one thread: one owner, one
active run at a time, one registry of runs, one cap on open streams.

Its parts: [RunManager][langgraph_sse.core.manager.RunManager] (the runs of this
process), [RedisBroker][langgraph_sse.core.broker.RedisBroker] (runs across
replicas), [Threads][langgraph_sse.core.threads.Threads] (thread state for its
owners), [Limits][langgraph_sse.security.limits.Limits] and
[ThreadOwnership][langgraph_sse.security.ownership.ThreadOwnership].
"""

from __future__ import annotations

import asyncio
import functools
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import anyio
from langchain_core.runnables import RunnableConfig
from langgraph.pregel import Pregel

from langgraph_sse.core.broker import RedisBroker
from langgraph_sse.core.encoding import Encoder, WireFormat
from langgraph_sse.core.errors import Conflict, InvalidField, NotFound, TooManyStreams
from langgraph_sse.core.events import Event
from langgraph_sse.core.manager import RunManager
from langgraph_sse.core.outcome import Outcome
from langgraph_sse.core.remote import RemoteRun
from langgraph_sse.core.run import Run
from langgraph_sse.core.runlog import log_run
from langgraph_sse.core.spec import RunSpec, merge_config
from langgraph_sse.core.threads import Threads, has_checkpointer, thread_config
from langgraph_sse.core.translate import StreamMode, normalize_stream_mode, stream_events
from langgraph_sse.security.auth import Auth, AuthError, Principal
from langgraph_sse.security.limits import Limits, OpenStreams
from langgraph_sse.security.ownership import PRIVATE_THREADS, ThreadOwnership

if TYPE_CHECKING:
    from starlette.requests import Request

__all__ = ["GraphService"]

logger = logging.getLogger("langgraph_sse")

AnyRun = Run | RemoteRun


class GraphService:
    """Runs one compiled graph for every protocol mounted on it.

    Args:
        graph: Any compiled graph (`builder.compile(...)`).
        stream_mode: Stream mode(s) used when a request names none.
        subgraphs: Whether to stream from subgraphs when a request does not say.
        config: Base `RunnableConfig` of every run (e.g. `recursion_limit`);
            the thread id is set per run.
        auth: Who may call: an async `(request) -> Principal | None`, such as
            [api_key_auth][langgraph_sse.security.auth.api_key_auth] or
            [bearer_auth][langgraph_sse.security.auth.bearer_auth]. Every endpoint
            but `/healthz` then needs credentials (401 without). None: open.
        ownership: With `auth`, who may use a thread or run. By default a thread
            is private to the principal that created it: to anyone else it does
            not exist (404). None shares every thread between all principals.
        limits: Body size, message length, stream modes, client config keys, run
            time and concurrent streams; see [Limits][langgraph_sse.security.limits.Limits].
        cancel_timeout: Seconds to wait for a cancelled run to finish its cleanup.
        run_retention: Seconds a finished run stays replayable; its frames are
            kept in memory (and in Redis with a broker) until then.
        broker: Share runs between replicas: with a
            [RedisBroker][langgraph_sse.core.broker.RedisBroker] any replica can
            join, resume, cancel or report any run, and one run per thread holds
            across replicas. None: runs live in the process that started them.
    """

    def __init__(
        self,
        graph: Pregel[Any, Any, Any, Any],
        *,
        stream_mode: StreamMode | Sequence[StreamMode] = "messages",
        subgraphs: bool = False,
        config: RunnableConfig | None = None,
        auth: Auth | None = None,
        ownership: ThreadOwnership | None = PRIVATE_THREADS,
        limits: Limits | None = None,
        cancel_timeout: float = 5.0,
        run_retention: float = 60.0,
        broker: RedisBroker | None = None,
    ) -> None:
        if not isinstance(graph, Pregel):
            hint = ": call .compile() on it first" if hasattr(graph, "compile") else ""
            raise TypeError(f"Serve a compiled graph, not a {type(graph).__name__}{hint}")
        self.graph = graph
        self.stream_mode = normalize_stream_mode(stream_mode)
        self.subgraphs = subgraphs
        self.config: RunnableConfig = config or {}
        self.auth = auth
        self.ownership = ownership
        self.limits = limits or Limits()
        self.cancel_timeout = cancel_timeout
        self.runs = RunManager(retention=run_retention)
        self.threads = Threads(graph, self.config, ownership, broker)
        """The graph's threads: state, history and updates, for their owners."""
        self.broker = broker
        self.streams = OpenStreams(self.limits.max_streams_per_principal)
        """Open streams per principal (or client address), within the limits' cap."""
        self._shut_down = False
        self._discards: set[asyncio.Task[None]] = set()

    @property
    def active_runs(self) -> int:
        """How many runs are pending or running in this process."""
        return self.runs.active

    # -- who is calling -------------------------------------------------------

    async def authenticate(self, request: Request) -> Principal | None:
        """The principal making `request`; None when the service has no `auth`.

        Raises:
            AuthError: the request is refused (401, or the auth's own status).
        """
        if self.auth is None:
            return None
        principal = await self.auth(request)
        if principal is None:
            raise AuthError("Not authenticated")
        return principal

    def _allows(self, principal: Principal | None, owner: str | None) -> bool:
        return (
            principal is None or self.ownership is None or self.ownership.allows(principal, owner)
        )

    # -- runs -----------------------------------------------------------------

    async def start(
        self, spec: RunSpec, principal: Principal | None, wire_format: WireFormat
    ) -> Run:
        """Start a run in its own task and register it; its frames are in `wire_format`.

        Raises:
            InvalidField: over a limit.
            NotFound: another principal's thread, or resuming a thread that does not exist.
            Conflict: resuming without checkpointer or pending interrupt; the
                thread busy (`ThreadBusyError`) with the `reject` strategy.
        """
        self._check_limits(spec)
        parts = bool(getattr(wire_format, "stream_parts", False))
        return await self._start(spec, principal, wire_format, wire_format.encoder(), parts)

    async def wait(
        self, spec: RunSpec, principal: Principal | None, wire_format: WireFormat
    ) -> Outcome:
        """Run to the end and collect the output, pending interrupts and error.

        The run is registered like any other, so it can be followed while it goes.

        Raises:
            InvalidField: over a limit, or an input the graph refused before any
                node ran (`("input",)`, type `graph_input`).
            NotFound, Conflict: as [start][langgraph_sse.core.service.GraphService.start].
        """
        self._check_limits(spec)
        collected: list[Event] = []
        encode = wire_format.encoder()

        def collect(event: Event) -> bytes:  # keep the events, and log the frames as any run
            collected.append(event)
            return encode(event)

        # tasks: to tell a refused input from a failed node.
        internal = replace(spec, stream_mode=("values", "tasks"), subgraphs=False)
        run = await self._start(internal, principal, wire_format, collect)
        await run.wait()
        outcome = Outcome.of(run, collected)
        if outcome.refused:
            # The graph refused the input before any node ran (e.g. EmptyInputError,
            # or an update it cannot apply): the client's fault. (LangGraph may have
            # saved the input as a checkpoint already: it stays in the history.)
            error = outcome.error or {}
            raise InvalidField(
                ("input",),
                f"The graph refused the input: {error['error']}: {error['message']}",
                "graph_input",
            )
        return outcome

    def _check_limits(self, spec: RunSpec) -> None:
        if spec.stream_mode is not None:
            self.limits.check_stream_modes(spec.stream_mode)
        if spec.config is not None:
            self.limits.check_config(spec.config)

    async def _start(
        self,
        spec: RunSpec,
        principal: Principal | None,
        wire_format: WireFormat,
        encode: Encoder,
        parts: bool = False,
    ) -> Run:
        cap = self.limits.max_runs_per_principal
        owner = None if principal is None else principal.id
        if cap is not None and self.runs.active_of(owner) >= cap:
            raise TooManyStreams(cap, "runs going")
        thread_id = spec.thread_id or str(uuid.uuid4())
        # A thread the client names is its owner's from here on (an id made here
        # is new and unguessable); let it go if the run does not start.
        release = None
        if spec.command is not None:  # before any claim: nothing to resume, nothing held
            await self.threads.check_owner(thread_id, principal)
            await self.threads.check_resumable(thread_id, thread_config(thread_id, self.config))
        if spec.thread_id is not None:
            release = await self.threads.claim(thread_id, principal, spec.metadata)
        try:
            run = await self._launch(spec, principal, wire_format, encode, thread_id, parts)
        except BaseException:
            if release is not None:
                release()
            raise
        if release is not None:
            run.add_done_callback(lambda _: release())
        if spec.thread_id is None and not spec.keep_thread and has_checkpointer(self.graph):
            run.add_done_callback(self._discard_thread_later)
        return run

    def _discard_thread_later(self, run: Run) -> None:
        """Delete the checkpoints of a run's throwaway thread once the run is
        forgotten (its state stays readable while the run is)."""
        thread_id = run.thread_id
        if thread_id is None:
            return

        def discard() -> None:
            task = asyncio.get_running_loop().create_task(
                self.graph.checkpointer.adelete_thread(thread_id),  # type: ignore[union-attr]
                name=f"langgraph-sse discard {thread_id}",
            )
            self._discards.add(task)
            task.add_done_callback(self._discards.discard)

        asyncio.get_running_loop().call_later(self.runs.retention, discard)

    async def _launch(
        self,
        spec: RunSpec,
        principal: Principal | None,
        wire_format: WireFormat,
        encode: Encoder,
        thread_id: str,
        parts: bool,
    ) -> Run:
        config = self._config(spec, thread_id, principal)
        run_id = str(uuid.uuid4())
        exclusive = has_checkpointer(self.graph)
        turn: Awaitable[None] | None = None
        before_done = None
        if self.broker is not None and exclusive:
            # The thread is claimed in Redis, across replicas; it is freed before
            # `done` is sent: a client that saw `done` may start the next run at
            # once, on any replica.
            turn = await self.broker.take_thread(thread_id, run_id, spec.multitask)
            before_done = functools.partial(self.broker.release_thread, thread_id, run_id)
            exclusive = False  # the local manager need not check again
        modes = getattr(wire_format, "stream_modes", None) or spec.stream_mode or self.stream_mode
        graph_input = spec.command if spec.command is not None else spec.input
        events = stream_events(
            self.graph,
            graph_input,
            config,
            stream_mode=modes,
            subgraphs=self.subgraphs if spec.subgraphs is None else spec.subgraphs,
            run_id=run_id,
            parts=parts,
        )
        run = self.runs.start(
            events,
            encode,
            run_id=run_id,
            thread_id=thread_id,
            exclusive=exclusive,
            owner=None if principal is None else principal.id,
            format=wire_format.name,
            timeout=self.limits.max_run_seconds,
            max_bytes=self.limits.max_run_bytes,
            multitask=spec.multitask,
            wait_for=turn,
            before_done=before_done,
        )
        if self.broker is not None:
            try:
                await self.broker.share(run, self.runs.retention)
            except BaseException:
                run.cancel()  # not known to the other replicas: it must not run
                raise
        log = {
            "run_id": run_id,
            "thread_id": thread_id,
            "principal": None if principal is None else principal.id,
            "modes": ",".join(modes),
        }
        run.add_done_callback(functools.partial(log_run, log))
        return run

    def _config(self, spec: RunSpec, thread_id: str, principal: Principal | None) -> RunnableConfig:
        config = self.config
        if spec.config is not None:  # only keys the limits allow get this far
            config = merge_config(config, spec.config)
        config = thread_config(thread_id, config)
        if principal is not None and self.ownership is not None:
            config = self.ownership.stamp(config, principal)
        return config

    async def find(self, run_id: str, principal: Principal | None) -> AnyRun:
        """The run `run_id`, here or (with a broker) on any replica.

        Raises:
            NotFound: no such run, finished longer than `run_retention` ago, or
                another principal's.
        """
        run: AnyRun | None = self.runs.get(run_id)
        if run is None and self.broker is not None:
            run = await self.broker.find(run_id)
        if run is None or not self._allows(principal, run.owner):
            raise NotFound(f"Run {run_id!r} not found")
        return run

    def list_runs(self, principal: Principal | None, thread_id: str | None = None) -> list[Run]:
        """The caller's runs in this process (going, or finished within
        `run_retention`), oldest first; only those on `thread_id` if given."""
        return [
            run
            for run in self.runs.all()
            if self._allows(principal, run.owner)
            and (thread_id is None or run.thread_id == thread_id)
        ]

    async def thread_busy(self, thread_id: str) -> bool:
        """Whether a run is pending or going on `thread_id`, here or (with a
        broker) on any replica."""
        if self.runs.active_on(thread_id) is not None:
            return True
        return self.broker is not None and await self.broker.thread_holder(thread_id) is not None

    async def active_run(self, thread_id: str, principal: Principal | None) -> AnyRun | None:
        """The run pending or going on `thread_id`, here or (with a broker) on
        any replica; None when there is none.

        Raises:
            NotFound: another principal's thread (or run), as a missing one.
        """
        await self.threads.check_owner(thread_id, principal)
        run: AnyRun | None = self.runs.active_on(thread_id)
        if run is None and not has_checkpointer(self.graph):  # its runs hold no thread
            going = (r for r in self.runs.all() if r.thread_id == thread_id and not r.finished)
            run = next(going, None)
        if run is None and self.broker is not None:
            holder = await self.broker.thread_holder(thread_id)
            if holder is not None:
                run = await self.broker.find(holder)
        if run is None or run.finished:
            return None
        if not self._allows(principal, run.owner):
            raise NotFound(f"Thread {thread_id!r} not found")
        return run

    async def join(
        self,
        run_id: str,
        principal: Principal | None,
        wire_format: WireFormat,
        *,
        last_event_id: str | None = None,
        flush_interval: float = 0.0,
        stop: asyncio.Event | None = None,
    ) -> tuple[AnyRun, AsyncIterator[bytes] | None]:
        """The run and its frames after `last_event_id` (all of them for None),
        then its live tail, from this process or from Redis; None for the frames
        when the run is over and `last_event_id` was its last. Setting `stop`
        ends the frames of a run followed from Redis (`RelayStopped`).

        Raises:
            NotFound: as [find][langgraph_sse.core.service.GraphService.find].
            Conflict: the run's frames are in another wire format.
            InvalidField: `last_event_id` is not an id of this run (`("last-event-id",)`
                in the header).
        """
        run = await self.find(run_id, principal)
        if run.format != wire_format.name:
            raise Conflict(f"Run {run_id!r} streams in the {run.format!r} format")
        try:
            after = None if last_event_id is None else wire_format.event_seq(last_event_id)
            # A remote copy may lag the frames a client saw: only a local run is
            # checked against its last id.
            start = run.position_after(after) if isinstance(run, Run) else 0
        except ValueError:
            error = f"Not an event id of this run: {last_event_id!r}"
            raise InvalidField(("last-event-id",), error).at("header") from None
        if isinstance(run, Run):
            if run.finished and start >= run.events:
                return run, None
            return run, run.chunks(flush_interval, start)
        assert self.broker is not None
        if run.finished and after is not None:
            last = await self.broker.last_seq(run.run_id)
            if last is not None and after >= last:
                return run, None
        return run, self.broker.frames(run.run_id, after, stop=stop)

    async def cancel(self, run_id: str, principal: Principal | None) -> AnyRun:
        """Stop the run (its readers get `done` with status `cancelled`), wait up
        to `cancel_timeout` for it to end, and answer it as it is then.

        Raises:
            NotFound: as [find][langgraph_sse.core.service.GraphService.find].
        """
        run = await self.find(run_id, principal)
        if isinstance(run, Run):
            run.cancel()
            with anyio.move_on_after(self.cancel_timeout):
                await run.wait()
            return run
        assert self.broker is not None
        await self.broker.cancel(run_id)
        with anyio.move_on_after(self.cancel_timeout):
            while not run.finished:
                await asyncio.sleep(0.05)
                run = await self.find(run_id, principal)
        return run

    @asynccontextmanager
    async def lifespan(self, app: object = None) -> AsyncIterator[None]:
        """An app lifespan (`Starlette(lifespan=service.lifespan)`) that shuts the
        service down when the app stops. At start it says in the log if the graph
        has no checkpointer (by then a lifespan that gives it one has run)."""
        if not has_checkpointer(self.graph):
            logger.warning(
                "graph %r has no checkpointer: no thread state, history, resume or "
                "one-run-per-thread rule (compile it with one, or open one in the lifespan)",
                self.graph.get_name(),
            )
        try:
            yield
        finally:
            await self.shutdown()

    async def shutdown(self) -> None:
        """Stop every run: each stream ends with an `error` event of type
        `shutdown` and `done`. Every adapter's lifespan calls it; calling it again
        (a service mounted twice) does nothing more."""
        if self._shut_down:
            return
        self._shut_down = True
        await self.runs.shutdown(self.cancel_timeout)
        if self.broker is not None:
            await self.broker.aclose(self.cancel_timeout)
