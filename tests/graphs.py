"""Small graphs the tests stream, all on langchain_core's fake chat models."""

from __future__ import annotations

import asyncio
import operator
from collections.abc import AsyncIterator, Iterator
from functools import reduce
from typing import Annotated, Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    BaseMessage,
    ToolMessage,
    message_chunk_to_message,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.types import interrupt
from typing_extensions import TypedDict


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


class ScriptedChatModel(GenericFakeChatModel):
    """A fake chat model that streams the exact chunks it is given, in order.

    Each call takes the next list of chunks from ``scripts``. Between chunks it
    yields to the event loop, as a network-bound model does.
    """

    scripts: Iterator[list[AIMessageChunk]]
    messages: Iterator[AIMessage | str] = iter(())

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Called when nothing streams: the whole message at once.
        merged = reduce(operator.add, next(self.scripts))
        return ChatResult(generations=[ChatGeneration(message=message_chunk_to_message(merged))])

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in next(self.scripts):
            generation = ChatGenerationChunk(message=chunk)
            if run_manager:
                await run_manager.on_llm_new_token(
                    chunk.content if isinstance(chunk.content, str) else "", chunk=generation
                )
            yield generation
            await asyncio.sleep(0)


def fake_model(*replies: str) -> GenericFakeChatModel:
    """langchain_core's GenericFakeChatModel, streaming each reply word by word."""
    return GenericFakeChatModel(messages=iter([AIMessage(content=r) for r in replies]))


def agent_graph(
    model: BaseChatModel, checkpointer: BaseCheckpointSaver[Any] | bool | None = True
) -> Any:
    """START -> agent -> END; the agent answers with `model`, streamed."""

    async def agent(state: State) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(State)
    builder.add_node("agent", agent)
    builder.add_edge(START, "agent")
    builder.add_edge("agent", END)
    return builder.compile(checkpointer=_saver(checkpointer))


def chat_graph(*replies: str, checkpointer: BaseCheckpointSaver[Any] | bool | None = True) -> Any:
    """START -> agent -> END; the agent answers with the next reply, streamed."""
    return agent_graph(fake_model(*replies), checkpointer)


def scripted_graph(*scripts: list[AIMessageChunk]) -> Any:
    """START -> agent -> END with a model streaming the given chunks."""
    return agent_graph(ScriptedChatModel(scripts=iter(scripts)))


def progress_graph(*replies: str) -> Any:
    """A node that reports progress with the stream writer, then answers."""
    model = fake_model(*replies)

    async def research(state: State) -> dict[str, Any]:
        write = get_stream_writer()
        write({"event": "search_start", "query": state["messages"][-1].content})
        write({"event": "search_done", "count": 3})
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(State)
    builder.add_node("research", research)
    builder.add_edge(START, "research")
    builder.add_edge("research", END)
    return builder.compile(checkpointer=InMemorySaver())


def tool_graph() -> Any:
    """agent -> tools -> END: the tool node returns a complete ToolMessage."""

    def tools(state: State) -> dict[str, Any]:
        call = state["messages"][-1].tool_calls[0]
        return {"messages": [ToolMessage(content="72F and sunny", tool_call_id=call["id"])]}

    chunks = [
        AIMessageChunk(
            content="",
            id="msg-1",
            tool_call_chunks=[{"id": "call-1", "name": "weather", "args": '{"ci', "index": 0}],
        ),
        AIMessageChunk(
            content="",
            id="msg-1",
            tool_call_chunks=[{"id": None, "name": None, "args": 'ty": "Paris"}', "index": 0}],
        ),
    ]
    model = ScriptedChatModel(scripts=iter([chunks]))

    async def agent(state: State) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    builder = StateGraph(State)
    builder.add_node("agent", agent)
    builder.add_node("tools", tools)
    builder.add_edge(START, "agent")
    builder.add_edge("agent", "tools")
    builder.add_edge("tools", END)
    return builder.compile(checkpointer=InMemorySaver())


def subgraph_graph(reply: str) -> Any:
    """A parent whose node ``research`` is a compiled subgraph that streams."""
    model = fake_model(reply)

    async def inner(state: State) -> dict[str, Any]:
        get_stream_writer()({"step": "inner"})
        return {"messages": [await model.ainvoke(state["messages"])]}

    sub = StateGraph(State)
    sub.add_node("inner", inner)
    sub.add_edge(START, "inner")
    sub.add_edge("inner", END)

    builder = StateGraph(State)
    builder.add_node("research", sub.compile())
    builder.add_edge(START, "research")
    builder.add_edge("research", END)
    return builder.compile(checkpointer=InMemorySaver())


def approval_graph(checkpointer: BaseCheckpointSaver[Any] | None = None) -> Any:
    """Asks a human (``interrupt``) before answering with what they said."""

    def ask(state: State) -> dict[str, Any]:
        answer = interrupt({"question": "Send the email?"})
        return {"messages": [AIMessage(content=f"human said: {answer}")]}

    builder = StateGraph(State)
    builder.add_node("ask", ask)
    builder.add_edge(START, "ask")
    builder.add_edge("ask", END)
    return builder.compile(checkpointer=checkpointer or InMemorySaver())


def failing_graph(message: str = "database is down") -> Any:
    """A node that streams a token, then raises."""
    model = fake_model("partial")

    async def agent(state: State) -> dict[str, Any]:
        await model.ainvoke(state["messages"])
        raise RuntimeError(message)

    builder = StateGraph(State)
    builder.add_node("agent", agent)
    builder.add_edge(START, "agent")
    builder.add_edge("agent", END)
    return builder.compile(checkpointer=InMemorySaver())


class LoopProbe:
    """Counts the iterations of an endless node and records its cancellation."""

    def __init__(self) -> None:
        self.iterations = 0
        self.started = asyncio.Event()
        self.cancelled = asyncio.Event()
        self.finished = asyncio.Event()


def endless_graph(probe: LoopProbe) -> Any:
    """A node that writes a custom event every 10 ms until it is cancelled."""

    async def loop(state: State) -> dict[str, Any]:
        write = get_stream_writer()
        probe.started.set()
        try:
            while True:
                probe.iterations += 1
                write({"tick": probe.iterations})
                await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            probe.cancelled.set()
            raise
        finally:
            probe.finished.set()

    builder = StateGraph(State)
    builder.add_node("loop", loop)
    builder.add_edge(START, "loop")
    builder.add_edge("loop", END)
    return builder.compile(checkpointer=InMemorySaver())


def slow_graph(probe: LoopProbe, delay: float) -> Any:
    """A node that sleeps `delay` seconds (a slow model) and writes nothing meanwhile."""

    async def wait(state: State) -> dict[str, Any]:
        probe.started.set()
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            probe.cancelled.set()
            raise
        finally:
            probe.finished.set()
        return {}

    builder = StateGraph(State)
    builder.add_node("wait", wait)
    builder.add_edge(START, "wait")
    builder.add_edge("wait", END)
    return builder.compile(checkpointer=InMemorySaver())


def _saver(checkpointer: BaseCheckpointSaver[Any] | bool | None) -> BaseCheckpointSaver[Any] | None:
    if checkpointer is True:
        return InMemorySaver()
    if checkpointer is False:
        return None
    return checkpointer
