"""The graph every benchmark streams: one node calling a fake model that emits N tokens.

The model yields to the event loop after each token (`await asyncio.sleep(0)`),
as a network-bound model does, but never sleeps: what is measured is the cost
of LangGraph and of the layer putting it on the wire. With each token it also
writes one custom event (`{"i": i}`), seen in `custom` mode. With `park: true`
in the input it streams one token and then waits forever (a slow model), for
measuring what open streams hold. An input without `tokens` (what a chat protocol
sends: only messages) takes the count from the last message's text when it is a
number ("3"), else 1000 (benchmarks.protocols).
"""

from __future__ import annotations

import asyncio
import operator
from collections.abc import AsyncIterator
from functools import reduce
from typing import Annotated, Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import (
    AIMessageChunk,
    AnyMessage,
    BaseMessage,
    message_chunk_to_message,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict


class State(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], add_messages]
    tokens: int
    park: bool


class TokenModel(GenericFakeChatModel):
    """Streams ``tokens`` chunks of text, yielding to the loop after each."""

    tokens: int = 1000
    messages: Any = iter(())

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # When nothing streams the tokens (modes without "messages"), the same
        # loop runs and its chunks are merged into one message.
        chunks = [chunk async for chunk in self._astream(messages, stop, None, **kwargs)]
        merged = reduce(operator.add, chunks)
        return ChatResult(
            generations=[ChatGeneration(message=message_chunk_to_message(merged.message))]
        )

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        n = kwargs.get("tokens", self.tokens)
        park = kwargs.get("park", False)
        write = get_stream_writer()  # a no-op unless the run streams "custom"
        for i in range(n):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=f"t{i} ", id="bench"))
            if run_manager:
                await run_manager.on_llm_new_token(chunk.message.content, chunk=chunk)
            write({"i": i})
            yield chunk
            if park:  # a slow model: one token, then a long wait
                await asyncio.Event().wait()
            await asyncio.sleep(0)


def _tokens(state: State) -> int:
    """The input's ``tokens``; else the last message's text if it is a number; else 1000."""
    if "tokens" in state:
        return state["tokens"]
    text = state["messages"][-1].content if state.get("messages") else ""
    return int(text) if isinstance(text, str) and text.strip().isdigit() else 1000


def build_graph(checkpointer: Any = None) -> Any:
    """START -> agent -> END; the input's ``tokens`` sets how many tokens the model streams."""
    model = TokenModel()

    async def agent(state: State) -> dict[str, Any]:
        reply = await model.ainvoke(
            state["messages"], tokens=_tokens(state), park=state.get("park", False)
        )
        return {"messages": [reply]}

    builder = StateGraph(State)
    builder.add_node("agent", agent)
    builder.add_edge(START, "agent")
    builder.add_edge("agent", END)
    return builder.compile(checkpointer=checkpointer)


graph = build_graph()
