"""Run a compiled graph and turn what it streams into typed events.

[stream_events][langgraph_sse.core.translate.stream_events] is the framework-agnostic core of the library and the only
place that calls `graph.astream`. It uses LangGraph's own streaming
(`version="v2"` stream parts) and translates each part into
[langgraph_sse.core.events][]; nothing here knows about HTTP or bytes.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import aclosing, suppress
from typing import Any, Literal, get_args

from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.runnables import RunnableConfig
from langgraph.pregel import Pregel

from langgraph_sse.core import events as ev
from langgraph_sse.core.serialize import dumps
from langgraph_sse.core.threads import checkpoint_id

__all__ = ["STREAM_MODES", "StreamMode", "normalize_stream_mode", "stream_events"]

logger = logging.getLogger("langgraph_sse")

StreamMode = Literal["values", "updates", "messages", "custom", "debug", "tasks", "checkpoints"]
"""A LangGraph stream mode this library turns into events."""

STREAM_MODES: tuple[StreamMode, ...] = get_args(StreamMode)

_NO_EVENTS: tuple[ev.Event, ...] = ()
_REASONING_BLOCKS = frozenset({"thinking", "reasoning"})
_TOOL_BLOCKS = frozenset({"tool_use", "server_tool_use", "input_json_delta", "tool_call_chunk"})


def normalize_stream_mode(stream_mode: str | Sequence[str]) -> tuple[StreamMode, ...]:
    """Validate a stream mode spec and return it as a tuple without duplicates.

    Raises:
        ValueError: a mode is unknown, or the list is empty.
    """
    modes = (stream_mode,) if isinstance(stream_mode, str) else tuple(stream_mode)
    if not modes:
        raise ValueError("stream_mode must name at least one mode")
    for mode in modes:
        if mode not in STREAM_MODES:
            raise ValueError(
                f"Unknown stream_mode {mode!r}; expected one of {', '.join(STREAM_MODES)}"
            )
    return tuple(dict.fromkeys(modes))  # type: ignore[arg-type]


async def stream_events(
    graph: Pregel[Any, Any, Any, Any],
    input: Any,
    config: RunnableConfig | None = None,
    *,
    stream_mode: StreamMode | Sequence[StreamMode] = "messages",
    subgraphs: bool = False,
    context: Any = None,
    run_id: str | None = None,
    parts: bool = False,
) -> AsyncIterator[ev.Event]:
    """Run `graph` on `input` and yield what it does as typed events.

    The first event is always [ev.MetadataEvent][langgraph_sse.core.events.MetadataEvent] and,
    unless the consumer stops early, the last is
    [ev.DoneEvent][langgraph_sse.core.events.DoneEvent] with the run's status. An exception
    raised inside the graph does not propagate: it becomes an
    [ev.ErrorEvent][langgraph_sse.core.events.ErrorEvent] followed by `done`. Interrupts are
    reported as [ev.InterruptEvent][langgraph_sse.core.events.InterruptEvent] whatever the modes.

    Args:
        graph: Any compiled LangGraph (`CompiledStateGraph` or `Pregel`).
        input: The graph input, or a `langgraph.types.Command` (e.g. to resume).
        config: The run's config; `config["configurable"]["thread_id"]`
            selects the thread when the graph has a checkpointer.
        stream_mode: One mode or a list of `values`, `updates`, `messages`,
            `custom`, `debug` (also `tasks` and `checkpoints`).
        subgraphs: Also stream from inside subgraphs; their events carry `ns`.
        context: The run's static context (`graph.astream(context=...)`).
        run_id: The run's id; a new UUID when omitted.
        parts: Yield each LangGraph stream part as it is
            ([ev.PartEvent][langgraph_sse.core.events.PartEvent]) instead of typed
            events; metadata, error and done events are the same.

    Raises:
        ValueError: `stream_mode` names an unknown mode (raised before the run).
    """
    modes = normalize_stream_mode(stream_mode)
    run_id = run_id or str(uuid.uuid4())
    config = RunnableConfig(**(config or {}))
    with suppress(ValueError):  # LangChain's run_id (tracing) must be a UUID
        config["run_id"] = uuid.UUID(run_id)
    thread_id = (config.get("configurable") or {}).get("thread_id")
    translator = _Translator(modes, parts)
    yield ev.MetadataEvent(
        seq=0, run_id=run_id, thread_id=None if thread_id is None else str(thread_id)
    )

    status: ev.EndStatus = "success"
    try:
        stream = graph.astream(
            input,
            config,
            context=context,
            stream_mode=translator.astream_modes,
            subgraphs=subgraphs,
            version="v2",
        )
        async with aclosing(stream):  # type: ignore[type-var]  # an async generator
            translate = translator.translate
            async for part in stream:
                for event in translate(part):
                    yield event
    except Exception as exc:
        status = "error"
        logger.debug("graph run %s failed", run_id, exc_info=True)
        yield ev.ErrorEvent(seq=translator.next_seq(), error=type(exc).__name__, message=str(exc))
    else:
        if translator.interrupted:
            status = "interrupted"
    yield ev.DoneEvent(seq=translator.next_seq(), status=status)


class _Translator:
    """Turns v2 stream parts of one run into events, numbering them."""

    def __init__(self, modes: tuple[StreamMode, ...], parts: bool = False) -> None:
        self.seq = 0
        self.interrupted = False
        self._emit_updates = "updates" in modes
        self._seen_interrupts: set[str] = set()
        # "updates" is always asked for: it is where interrupts surface.
        self.astream_modes: list[StreamMode] = list(modes)
        if "updates" not in modes:
            self.astream_modes.append("updates")
        self._handlers: dict[str, Callable[[tuple[str, ...], Any], Iterable[ev.Event]]] = {
            "messages": self._messages,
            "updates": self._updates,
            "values": self._values,
            "custom": self._custom,
            "debug": self._debug,
            "tasks": self._tasks,
            "checkpoints": self._checkpoint,
        }
        if parts:
            self.translate = self._part  # type: ignore[method-assign]

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def translate(self, part: Mapping[str, Any]) -> Iterable[ev.Event]:
        return self._handlers[part["type"]](part["ns"], part["data"])

    def _part(self, part: Mapping[str, Any]) -> Iterable[ev.Event]:
        mode, data = part["type"], part["data"]
        if mode == "updates":
            if "__interrupt__" in data:
                self.interrupted = True
            if not self._emit_updates:
                return _NO_EVENTS
        self.seq += 1
        return (
            ev.PartEvent(
                seq=self.seq,
                ns=part["ns"],
                mode=mode,
                data=data,
                interrupts=part.get("interrupts") or (),
            ),
        )

    # -- messages -------------------------------------------------------------

    def _messages(
        self, ns: tuple[str, ...], data: tuple[BaseMessage, dict[str, Any]]
    ) -> Iterable[ev.Event]:
        message, metadata = data
        node = metadata.get("langgraph_node")
        if type(message) is not AIMessageChunk and not isinstance(message, AIMessageChunk):
            return (ev.MessageEvent(seq=self.next_seq(), ns=ns, message=message, node=node),)
        content = message.content
        if type(content) is str and not message.tool_call_chunks:
            # The per-token hot path: one text delta.
            if not content:
                return _NO_EVENTS
            self.seq += 1
            return (
                ev.TokenEvent(seq=self.seq, ns=ns, text=content, node=node, message_id=message.id),
            )
        return self._chunk_events(ns, message, node)

    def _chunk_events(
        self, ns: tuple[str, ...], chunk: AIMessageChunk, node: str | None
    ) -> list[ev.Event]:
        events: list[ev.Event] = []
        mid = chunk.id
        content = chunk.content
        # The provider-neutral `tool_call_chunks` wins when set: integrations that
        # stream tool calls as content blocks usually fill it too.
        tools_from_blocks = not chunk.tool_call_chunks
        for block in [content] if isinstance(content, str) else content:
            if isinstance(block, str):
                if block:
                    events.append(
                        ev.TokenEvent(
                            seq=self.next_seq(), ns=ns, text=block, node=node, message_id=mid
                        )
                    )
                continue
            kind = block.get("type")
            if kind == "text":
                if text := block.get("text"):
                    events.append(
                        ev.TokenEvent(
                            seq=self.next_seq(), ns=ns, text=text, node=node, message_id=mid
                        )
                    )
            elif kind in _REASONING_BLOCKS:
                if text := block.get(kind):
                    events.append(
                        ev.ReasoningEvent(
                            seq=self.next_seq(), ns=ns, text=text, node=node, message_id=mid
                        )
                    )
            elif kind in _TOOL_BLOCKS and tools_from_blocks:
                events.append(self._block_tool_chunk(ns, block, node, mid))
        for tc in chunk.tool_call_chunks:
            events.append(
                ev.ToolCallChunkEvent(
                    seq=self.next_seq(),
                    ns=ns,
                    id=tc.get("id"),
                    name=tc.get("name"),
                    args=tc.get("args") or "",
                    index=tc.get("index"),
                    node=node,
                    message_id=mid,
                )
            )
        return events

    def _block_tool_chunk(
        self, ns: tuple[str, ...], block: dict[str, Any], node: str | None, mid: str | None
    ) -> ev.ToolCallChunkEvent:
        if block.get("type") == "input_json_delta":
            args = block.get("partial_json") or ""
        elif block.get("type") == "tool_call_chunk":
            args = block.get("args") or ""
        else:  # tool_use: the opening block; its input is usually still empty
            tool_input = block.get("input")
            args = "" if not tool_input else _json_text(tool_input)
        return ev.ToolCallChunkEvent(
            seq=self.next_seq(),
            ns=ns,
            id=block.get("id"),
            name=block.get("name"),
            args=args,
            index=block.get("index"),
            node=node,
            message_id=mid,
        )

    # -- state ----------------------------------------------------------------

    def _updates(self, ns: tuple[str, ...], data: dict[str, Any]) -> Iterable[ev.Event]:
        events: list[ev.Event] = []
        for node, update in data.items():
            if node == "__interrupt__":
                events.extend(self._interrupts(ns, update))
            elif self._emit_updates and node != "__metadata__":
                events.append(ev.UpdatesEvent(seq=self.next_seq(), ns=ns, node=node, data=update))
        return events

    def _interrupts(self, ns: tuple[str, ...], interrupts: Iterable[Any]) -> Iterable[ev.Event]:
        self.interrupted = True
        events: list[ev.Event] = []
        for interrupt in interrupts:
            if interrupt.id in self._seen_interrupts:
                continue
            self._seen_interrupts.add(interrupt.id)
            events.append(
                ev.InterruptEvent(
                    seq=self.next_seq(), ns=ns, id=interrupt.id, value=interrupt.value
                )
            )
        return events

    def _values(self, ns: tuple[str, ...], data: Any) -> Iterable[ev.Event]:
        return (ev.ValuesEvent(seq=self.next_seq(), ns=ns, data=data),)

    def _custom(self, ns: tuple[str, ...], data: Any) -> Iterable[ev.Event]:
        return (ev.CustomEvent(seq=self.next_seq(), ns=ns, data=data),)

    # -- debug / tasks / checkpoints ------------------------------------------

    def _debug(self, ns: tuple[str, ...], data: dict[str, Any]) -> Iterable[ev.Event]:
        kind, step, payload = data.get("type"), data.get("step"), data.get("payload") or {}
        if kind == "checkpoint":
            return self._checkpoint(ns, payload)
        if kind in ("task", "task_result"):
            return self._task(ns, payload, step)
        return _NO_EVENTS

    def _tasks(self, ns: tuple[str, ...], data: dict[str, Any]) -> Iterable[ev.Event]:
        return self._task(ns, data, None)

    def _task(
        self, ns: tuple[str, ...], payload: dict[str, Any], step: int | None
    ) -> Iterable[ev.Event]:
        task = {
            "seq": self.next_seq(),
            "ns": ns,
            "node": payload.get("name", ""),
            "task_id": payload.get("id", ""),
            "step": step,
        }
        if "result" in payload or "error" in payload:
            error = payload.get("error")
            return (
                ev.NodeEndEvent(
                    **task,
                    error=None if error is None else str(error),
                    result=payload.get("result"),
                    interrupts=tuple(payload.get("interrupts") or ()),
                ),
            )
        return (ev.NodeStartEvent(**task, triggers=tuple(payload.get("triggers") or ())),)

    def _checkpoint(self, ns: tuple[str, ...], payload: dict[str, Any]) -> Iterable[ev.Event]:
        metadata = payload.get("metadata") or {}
        return (
            ev.CheckpointEvent(
                seq=self.next_seq(),
                ns=ns,
                checkpoint_id=checkpoint_id(payload.get("config")),
                parent_checkpoint_id=checkpoint_id(payload.get("parent_config")),
                step=metadata.get("step"),
                source=metadata.get("source"),
                next=tuple(payload.get("next") or ()),
            ),
        )


def _json_text(value: Any) -> str:
    return dumps(value).decode()
