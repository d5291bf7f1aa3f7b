"""The graph behind the LangGraph-protocol tests, named `agent`: a chat agent
with a fake model, as the SDK clients meet one.

Its reply depends on the last human message (text or content blocks):

- "boom": the agent node raises `ValueError("boom requested")`;
- "weather": the model streams a tool call (two chunks), the `tools` node answers,
  the model says "The tool said: 18C and sunny";
- "slow": 20 tokens `tok0 tok1 ...`, `SLOW_TOKEN_SECONDS` (0.25) apart;
- anything else: "Hello there friend", streamed token by token, after a custom
  `{"progress": 0.5}`; then the subgraph node `sub` adds "hello from subgraph";
- "approve" also stops, after the reply, at `interrupt({"question": "approve?"})`;
  resuming with `Command(resume=x)` adds "approval answer: x".
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt

from tests.graphs import State

REPLY = "Hello there friend"
SUBGRAPH_REPLY = "hello from subgraph"
TOOL_RESULT = "18C and sunny"
SLOW_TOKENS = [f"tok{i}" for i in range(20)]


def text_of(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(
        block if isinstance(block, str) else str(block.get("text", ""))
        for block in content
        if isinstance(block, str) or block.get("type") == "text"
    )


def last_human(messages: list[BaseMessage]) -> str:
    return next((text_of(m) for m in reversed(messages) if isinstance(m, HumanMessage)), "")


class RuleModel(GenericFakeChatModel):
    """langchain_core's fake chat model, answering by the rules above and
    streaming word by word (a tool call in two chunks)."""

    messages: Any = iter(())
    role: str = "agent"

    def reply(self, messages: list[BaseMessage]) -> AIMessage:
        mid = f"run-msg-{uuid.uuid4()}"
        if self.role == "sub":
            return AIMessage(content=SUBGRAPH_REPLY, id=mid)
        human, last = last_human(messages).lower(), messages[-1]
        if isinstance(last, ToolMessage):
            return AIMessage(content=f"The tool said: {last.content}", id=mid)
        if "weather" in human:
            call = {"name": "get_weather", "args": {"city": "Paris"}, "id": "call-1"}
            return AIMessage(content="", id=mid, tool_calls=[{**call, "type": "tool_call"}])
        if "slow" in human:
            return AIMessage(content=" ".join(SLOW_TOKENS), id=mid)
        return AIMessage(content=REPLY, id=mid)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        # Called when nothing streams: the whole message at once.
        return ChatResult(generations=[ChatGeneration(message=self.reply(messages))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        result = self._generate(messages)
        if "tok1" in str(result.generations[0].message.content):  # as slow unstreamed
            await asyncio.sleep(_token_seconds() * len(SLOW_TOKENS))
        return result

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        message = self.reply(messages)
        delay = _token_seconds() if "tok1" in str(message.content) else 0.0
        for chunk in _chunks(message):
            generation = ChatGenerationChunk(message=chunk)
            if run_manager:
                await run_manager.on_llm_new_token(str(chunk.content), chunk=generation)
            yield generation
            await asyncio.sleep(delay)


def _token_seconds() -> float:
    return float(os.environ.get("SLOW_TOKEN_SECONDS", "0.25"))


def _chunks(message: AIMessage) -> list[AIMessageChunk]:
    if message.tool_calls:
        call = message.tool_calls[0]
        first = {"name": call["name"], "args": "", "id": call["id"], "index": 0}
        rest = {"name": None, "args": json.dumps(call["args"]), "id": None, "index": 0}
        return [
            AIMessageChunk(content="", id=message.id, tool_call_chunks=[first]),
            AIMessageChunk(
                content="", id=message.id, tool_call_chunks=[rest], chunk_position="last"
            ),
        ]
    words = [word for word in re.split(r"(\s)", str(message.content)) if word]
    chunks = [AIMessageChunk(content=word, id=message.id) for word in words]
    chunks[-1].chunk_position = "last"  # as real models mark it (else LangChain adds one)
    return chunks


def build() -> Any:
    """The `agent` graph, compiled without a checkpointer (the app gives it one)."""
    model, sub_model = RuleModel(), RuleModel(role="sub")

    async def agent(state: State) -> dict[str, Any]:
        if "boom" in last_human(state["messages"]).lower():
            raise ValueError("boom requested")
        if not isinstance(state["messages"][-1], ToolMessage):
            get_stream_writer()({"progress": 0.5})
        return {"messages": [await model.ainvoke(state["messages"])]}

    def route(state: State) -> str:
        last = state["messages"][-1]
        if isinstance(last, AIMessage) and last.tool_calls:
            return "tools"
        return "approval" if "approve" in last_human(state["messages"]).lower() else "sub"

    def tools(state: State) -> dict[str, Any]:
        call = state["messages"][-1].tool_calls[0]  # type: ignore[attr-defined]
        return {"messages": [ToolMessage(content=TOOL_RESULT, tool_call_id=call["id"])]}

    def approval(state: State) -> dict[str, Any]:
        answer = interrupt({"question": "approve?"})
        return {"messages": [AIMessage(content=f"approval answer: {answer}")]}

    async def sub_node(state: State) -> dict[str, Any]:
        get_stream_writer()({"progress": 1.0})
        return {"messages": [await sub_model.ainvoke(state["messages"])]}

    sub = StateGraph(State)
    sub.add_node("sub_node", sub_node)
    sub.add_edge(START, "sub_node")
    sub.add_edge("sub_node", END)

    builder = StateGraph(State)
    builder.add_node("agent", agent)
    builder.add_node("tools", tools)
    builder.add_node("approval", approval)
    builder.add_node("sub", sub.compile())
    builder.add_edge(START, "agent")
    builder.add_conditional_edges("agent", route, ["tools", "approval", "sub"])
    builder.add_edge("tools", "agent")
    builder.add_edge("approval", "sub")
    builder.add_edge("sub", END)
    return builder.compile(name="agent")
