"""A graph whose model streams its reply word by word with a pause between
words, so that a test can cut the connection mid-answer."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk

from tests.graphs import agent_graph


class PacedModel(GenericFakeChatModel):
    """Answers `reply`, one word (or space) every `delay` seconds."""

    messages: Any = iter(())
    reply: str
    delay: float

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for word in (w for w in re.split(r"(\s)", self.reply) if w):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=word, id="paced-1"))
            if run_manager:
                await run_manager.on_llm_new_token(word, chunk=chunk)
            yield chunk
            await asyncio.sleep(self.delay)

    def _generate(self, *args: Any, **kwargs: Any) -> Any:
        from langchain_core.outputs import ChatGeneration, ChatResult

        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=self.reply))])


def paced_graph(reply: str, delay: float = 0.02) -> Any:
    """START -> agent -> END, the agent streaming `reply` slowly."""
    return agent_graph(PacedModel(reply=reply, delay=delay))
