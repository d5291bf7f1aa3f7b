"""Messages between AG-UI and LangChain, both ways.

[to_langchain][langgraph_sse.protocols.agui.messages.to_langchain] turns the new
messages of a `RunAgentInput` (user and tool messages) into the LangChain messages
a graph's input carries, keeping their ids; [to_agui][langgraph_sse.protocols.agui.messages.to_agui]
turns a thread's LangChain messages into AG-UI message dicts for `MESSAGES_SNAPSHOT`,
with the ids the stream used, so the client's messages and the snapshot's match.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langgraph_sse.core.errors import InvalidField
from langgraph_sse.core.extras import extra
from langgraph_sse.core.serialize import dumps

with extra("ag-ui"):
    from ag_ui.core import ImagePart, TextPart
    from ag_ui.core import ToolMessage as AGUIToolMessage
    from ag_ui.core import UserMessage as AGUIUserMessage

__all__ = ["text_of", "to_agui", "to_langchain"]

_ROLES = {"system": "system", "developer": "developer", "user": "user", "assistant": "assistant"}


def to_langchain(message: AGUIUserMessage | AGUIToolMessage, index: int) -> BaseMessage:
    """The LangChain message for an AG-UI user or tool message (the `index`-th of
    the request's `messages`), with its id: text stays text, parts become
    LangChain content blocks (`text`, `image_url`).

    Raises:
        InvalidField: a part other than text or image, naming it.
    """
    given = message.content
    content = given if isinstance(given, str) else _blocks(given, index)
    if isinstance(message, AGUIToolMessage):
        return ToolMessage(content=content, tool_call_id=message.tool_call_id, id=message.id)
    return HumanMessage(content=content, id=message.id, name=message.name)


def _blocks(parts: Iterable[Any], index: int) -> list[str | dict[str, Any]]:
    blocks: list[str | dict[str, Any]] = []
    for i, part in enumerate(parts):
        if isinstance(part, TextPart):
            blocks.append({"type": "text", "text": part.text})
        elif isinstance(part, ImagePart) and part.source.type in ("url", "data"):
            url = part.source.value
            if part.source.type == "data":
                url = f"data:{part.source.mime_type};base64,{url}"
            blocks.append({"type": "image_url", "image_url": {"url": url}})
        else:
            raise InvalidField(
                ("messages", index, "content", i),
                f"A {part.type!r} part is not supported here: send text or an image "
                "(by url or data)",
            )
    return blocks


def text_of(content: Any) -> str:
    """The text of a LangChain message's content: a string as it is, the text
    blocks of a list joined."""
    if isinstance(content, str):
        return content
    return "".join(
        block
        if isinstance(block, str)
        else str(block.get("text", ""))
        if block.get("type") == "text"
        else ""
        for block in content
    )


def to_agui(messages: Iterable[Any]) -> list[dict[str, Any]]:
    """AG-UI message dicts for a thread's LangChain messages, optional fields
    left out; messages AG-UI has no role for are skipped."""
    converted = []
    for message in messages:
        if isinstance(message, BaseMessage):
            item = _message(message)
            if item is not None:
                converted.append(item)
    return converted


def _message(message: BaseMessage) -> dict[str, Any] | None:
    mid = message.id or ""
    if isinstance(message, AIMessage):
        item: dict[str, Any] = {"id": mid, "role": "assistant"}
        if text := text_of(message.content):
            item["content"] = text
        if message.tool_calls:
            item["toolCalls"] = [
                {
                    "id": call["id"] or "",
                    "type": "function",
                    "function": {"name": call["name"], "arguments": dumps(call["args"]).decode()},
                }
                for call in message.tool_calls
            ]
    elif isinstance(message, ToolMessage):
        item = {
            "id": mid,
            "role": "tool",
            "content": text_of(message.content),
            "toolCallId": message.tool_call_id,
        }
        if message.status == "error":
            item["error"] = item["content"]
    elif isinstance(message, HumanMessage):
        item = {"id": mid, "role": "user", "content": _user_content(message.content)}
    elif isinstance(message, SystemMessage):
        item = {"id": mid, "role": "system", "content": text_of(message.content)}
    elif isinstance(message, ChatMessage) and message.role in _ROLES:
        item = {"id": mid, "role": _ROLES[message.role], "content": text_of(message.content)}
    else:
        return None
    if message.name and item["role"] != "tool":
        item["name"] = message.name
    return item


def _user_content(content: Any) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, str):
            parts.append({"type": "text", "text": block})
        elif block.get("type") == "text":
            parts.append({"type": "text", "text": str(block.get("text", ""))})
        elif block.get("type") == "image_url":
            url = block.get("image_url")
            url = url.get("url") if isinstance(url, dict) else url
            if isinstance(url, str):
                parts.append({"type": "image", "source": _source(url)})
    return parts


def _source(url: str) -> dict[str, Any]:
    if url.startswith("data:") and ";base64," in url:
        mime, _, data = url[5:].partition(";base64,")
        return {"type": "data", "value": data, "mimeType": mime}
    return {"type": "url", "value": url}
