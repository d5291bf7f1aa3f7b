"""The principals the service-level tests act as, and the input they send."""

from __future__ import annotations

from langchain_core.messages import HumanMessage

from langgraph_sse import Principal

ALICE, BOB = Principal("alice"), Principal("bob")
HELLO = {"messages": [HumanMessage(content="hello")]}
"""A graph input: one user message."""
