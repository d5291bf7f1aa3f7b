"""What the schemathesis and fuzz suites share: a graph that never runs out of
replies, an API key, and a graph input."""

from __future__ import annotations

import itertools
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from langgraph_sse import api_key_auth
from tests.graphs import agent_graph

KEY = {"X-API-Key": "key-a"}
AUTH = api_key_auth({"key-a": "alice"})


def talkative_graph() -> Any:
    """START -> agent -> END with a fake model that never runs out of replies.

    (GenericFakeChatModel raises once its iterator is exhausted; a fuzzer calls it
    hundreds of times.)
    """
    model = GenericFakeChatModel(
        messages=itertools.cycle([AIMessage(content="hello there"), "second reply"])
    )
    return agent_graph(model)


USER_INPUT = {"messages": [{"role": "user", "content": "hi"}]}
