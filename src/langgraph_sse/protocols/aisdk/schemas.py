"""The request body `useChat` sends, as pydantic models.

`DefaultChatTransport` (package `ai` 7.x) POSTs
`{id, messages, trigger, messageId}` plus whatever the app adds with its `body`
option (ignored here). A message is a `UIMessage`: `id`, `role`, `parts`. Only
what the server reads is checked closely: each part's `type`, the text of text
parts and the approval of tool parts; every other field of a part is kept as sent.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from langgraph_sse.core.spec import ThreadId

__all__ = ["Approval", "ChatPath", "ChatRequest", "UIMessage", "UIPart"]


class Approval(BaseModel):
    """A tool part's `approval`, as `addToolApprovalResponse` fills it."""

    model_config = ConfigDict(extra="allow")

    id: StrictStr
    approved: StrictBool | None = None
    """None while it is only requested."""
    reason: StrictStr | None = None


class UIPart(BaseModel):
    """One part of a message: `text`, `dynamic-tool`, `tool-<name>`, `step-start`,
    `data-<name>`, `file`... (the fields each type has are allowed as they are)."""

    model_config = ConfigDict(extra="allow")

    type: StrictStr
    text: StrictStr | None = None
    """For `text` (and `reasoning`) parts."""
    state: StrictStr | None = None
    """For tool parts: `input-available`, `approval-requested`, `approval-responded`..."""
    toolCallId: StrictStr | None = None
    toolName: StrictStr | None = None
    input: Any = None
    approval: Approval | None = None


class UIMessage(BaseModel):
    """A chat message as the AI SDK keeps it."""

    model_config = ConfigDict(extra="allow")

    id: StrictStr
    role: Literal["system", "user", "assistant"]
    parts: list[UIPart]
    metadata: Any = None


class ChatRequest(BaseModel):
    """What `DefaultChatTransport` POSTs: the chat (`id`, our thread) and its messages."""

    model_config = ConfigDict(extra="allow")

    id: ThreadId
    """The chat's id: the thread the run goes on."""
    messages: list[UIMessage] = Field(min_length=1)
    """The whole chat; the server reads its last message."""
    trigger: Literal["submit-message", "regenerate-message"] = "submit-message"
    messageId: StrictStr | None = None
    """The message the request is about (regenerated, or answered approvals)."""


class ChatPath(BaseModel):
    """The path of `GET /{chat_id}/stream`."""

    chat_id: ThreadId
