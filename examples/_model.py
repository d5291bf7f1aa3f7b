"""The chat model every example uses.

:func:`chat_model` returns Claude (``langchain_anthropic.ChatAnthropic``) when
``ANTHROPIC_API_KEY`` is set and ``langchain-anthropic`` is installed; otherwise
:class:`FakeChatModel`, which needs no network and no key, so the examples run
anywhere. ``ANTHROPIC_MODEL`` picks the Claude model.
"""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import os
import re
from collections.abc import AsyncIterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk

__all__ = ["REPLIES", "TOKEN_DELAY", "FakeChatModel", "chat_model"]

TOKEN_DELAY = float(os.environ.get("LANGGRAPH_SSE_TOKEN_DELAY", "0.02"))
"""Seconds the fake model waits between tokens (read on every token; tests set it to 0)."""

REPLIES = (
    "Hello! I am a fake chat model streaming this reply word by word, "
    "so you can watch Server-Sent Events arrive one token at a time.",
    "Every word you see is its own token event. Set ANTHROPIC_API_KEY and install "
    "langchain-anthropic to talk to Claude instead.",
    "LangGraph runs the graph, langgraph-sse turns what it streams into typed events, "
    "and your browser reads them with EventSource or fetch.",
)
"""What the fake model answers, in turn, forever."""


class FakeChatModel(GenericFakeChatModel):
    """langchain_core's ``GenericFakeChatModel`` that streams slowly, like a real model.

    It answers with :data:`REPLIES` in turn, forever, and streams each reply word by
    word with :data:`TOKEN_DELAY` seconds between tokens.
    """

    messages: Any = None  # replaced by an endless cycle of REPLIES

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("messages", itertools.cycle(REPLIES))
        super().__init__(**kwargs)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        reply = next(self.messages)
        text = reply if isinstance(reply, str) else str(reply.content)
        tokens = re.findall(r"\S+\s*", text)  # words with their trailing space
        for i, token in enumerate(tokens):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
            if i == len(tokens) - 1:
                chunk.message.chunk_position = "last"  # type: ignore[attr-defined]
            if run_manager:
                await run_manager.on_llm_new_token(token, chunk=chunk)
            yield chunk
            await asyncio.sleep(TOKEN_DELAY)


def chat_model() -> BaseChatModel:
    """Claude if ``ANTHROPIC_API_KEY`` is set and ``langchain-anthropic`` is installed,
    else a :class:`FakeChatModel`."""
    if os.environ.get("ANTHROPIC_API_KEY") and importlib.util.find_spec("langchain_anthropic"):
        from langchain_anthropic import ChatAnthropic  # type: ignore[import-not-found]

        model = os.environ.get("ANTHROPIC_MODEL", "claude-sonnet-4-5")
        return ChatAnthropic(model=model)  # type: ignore[no-any-return]
    return FakeChatModel()
