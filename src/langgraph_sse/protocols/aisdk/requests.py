"""A `useChat` request as a run: the new user message, or the answered approvals.

The last message of the request decides:

- a `user` message: its text parts (joined by newlines) are the graph input,
  `{"messages": [{"role": "user", "content": text, "id": message.id}]}`;
- an `assistant` message with tool parts in state `approval-responded` (what
  `addToolApprovalResponse` makes of the interrupts this protocol sent): the
  thread resumes with `Command(resume=...)`, the answer
  `{"approved": bool, "reason": str}` (no `reason` when none was given); with
  several answers, `resume` maps each interrupt id to its answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from langgraph.types import Command

from langgraph_sse.core.errors import InvalidField
from langgraph_sse.core.spec import RunSpec
from langgraph_sse.protocols.aisdk.schemas import ChatRequest, UIMessage
from langgraph_sse.security.limits import Limits

__all__ = ["Answer", "ChatTurn", "chat_turn"]


@dataclass(frozen=True, slots=True)
class Answer:
    """The client's answer to one approval request (an interrupt)."""

    tool_call_id: str
    """The interrupt's id (the tool part's `toolCallId`)."""
    tool_name: str
    input: Any
    """The interrupt's value, as the tool part holds it."""
    approved: bool
    reason: str | None = None

    @property
    def value(self) -> dict[str, Any]:
        """What the graph's `interrupt()` returns: `{"approved", "reason"?}`."""
        if self.reason is None:
            return {"approved": self.approved}
        return {"approved": self.approved, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class ChatTurn:
    """One request, ready to run."""

    spec: RunSpec
    message_id: str | None = None
    """The assistant message the run continues (answered approvals); None for a
    new reply."""
    answers: tuple[Answer, ...] = ()


def chat_turn(body: ChatRequest, limits: Limits, input_key: str = "messages") -> ChatTurn:
    """The run `body` asks for on the thread `body.id`.

    Args:
        body: The request.
        limits: Checked against the user message's length.
        input_key: The graph's state key the user message is added to.

    Raises:
        InvalidField: no user text to run on, or a last assistant message that
            answers no approval.
    """
    index = len(body.messages) - 1
    last = body.messages[index]
    if last.role == "assistant":
        answers = _answers(last, index)
        resume: Any = answers[0].value
        if len(answers) > 1:
            resume = {answer.tool_call_id: answer.value for answer in answers}
        spec = RunSpec(thread_id=body.id, command=Command(resume=resume))
        return ChatTurn(spec, last.id, tuple(answers))
    if last.role != "user":
        raise InvalidField(
            ("messages", index, "role"),
            "The last message must be the user's (or the assistant's, answering approvals)",
        )
    text = "\n".join(part.text for part in last.parts if part.type == "text" and part.text)
    if not text:
        raise InvalidField(("messages", index, "parts"), "The user message has no text part")
    limits.check_message(text, ("messages", index, "parts"))
    user = {"role": "user", "content": text, "id": last.id}
    return ChatTurn(RunSpec(thread_id=body.id, input={input_key: [user]}))


def _answers(message: UIMessage, index: int) -> list[Answer]:
    answers = []
    for part in message.parts:
        if part.state != "approval-responded":
            continue
        approval = part.approval
        if part.toolCallId is None or approval is None or approval.approved is None:
            at = ("messages", index, "parts", message.parts.index(part))
            raise InvalidField(at, "An answered approval needs 'toolCallId' and 'approval'")
        name = part.toolName or part.type.removeprefix("tool-")
        answers.append(
            Answer(part.toolCallId, name, part.input, approval.approved, approval.reason)
        )
    if not answers:
        raise InvalidField(
            ("messages", index),
            "The last message is the assistant's and answers no approval "
            "(no part in state 'approval-responded')",
        )
    return answers
