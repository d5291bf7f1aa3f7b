"""AG-UI's `RunAgentInput` as a run spec.

| `RunAgentInput` | the run |
| --- | --- |
| `threadId` | the LangGraph thread (created on its first run, its owner's from then on) |
| `messages` | the input: its trailing user and tool messages, as `{"messages": [...]}` |
| `resume` | `Command(resume=payload)` (several entries: `{interruptId: payload}`) |
| `forwardedProps.command.resume` | the same, as older CopilotKit clients send it |
| `runId` | echoed in `RUN_STARTED` and `RUN_FINISHED` (the library's run id is `X-Run-Id`) |

The client sends the whole conversation each time; the thread already holds all
but the newest messages, so only the trailing run of user and tool messages (what
came after the last assistant message) is new. A message the thread has already
(same id) replaces itself: sending it again changes nothing. A `resume` with at
least one `resolved` entry resumes the thread and sends no messages; entries that
are all `cancelled` resume nothing, and the messages run as a new turn.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import BaseMessage
from langgraph.types import Command

from langgraph_sse.core.extras import extra
from langgraph_sse.core.spec import RunSpec
from langgraph_sse.protocols.agui.messages import text_of, to_langchain
from langgraph_sse.protocols.agui.schemas import RunAgentBody
from langgraph_sse.security.limits import Limits

with extra("ag-ui"):
    from ag_ui.core import ToolMessage, UserMessage

__all__ = ["new_messages", "resume_command", "run_spec"]


def new_messages(body: RunAgentBody, limits: Limits) -> list[BaseMessage]:
    """The trailing user and tool messages of `body.messages`, as LangChain messages.

    Raises:
        InvalidField: a user message over `limits.max_message_chars`, or a part
            that is neither text nor an image.
    """
    start = len(body.messages)
    while start > 0 and isinstance(body.messages[start - 1], UserMessage | ToolMessage):
        start -= 1
    converted = []
    for index in range(start, len(body.messages)):
        message = to_langchain(body.messages[index], index)  # type: ignore[arg-type]
        limits.check_message(text_of(message.content), ("messages", index, "content"))
        converted.append(message)
    return converted


def resume_command(body: RunAgentBody) -> Command[Any] | None:
    """The `Command` resuming the thread, if `body` answers its interrupts: one
    `resolved` entry resumes with its payload, several with a map of interrupt id
    to payload; else `forwardedProps.command.resume` if set; else None."""
    resolved = [entry for entry in body.resume or () if entry.status == "resolved"]
    if len(resolved) == 1:
        return Command(resume=resolved[0].payload)
    if resolved:
        return Command(resume={entry.interrupt_id: entry.payload for entry in resolved})
    props = body.forwarded_props
    command = props.get("command") if isinstance(props, dict) else None
    if isinstance(command, dict) and command.get("resume") is not None:
        return Command(resume=command["resume"])
    return None


def run_spec(body: RunAgentBody, limits: Limits) -> RunSpec:
    """The run `body` asks for, on its thread: a resume, or its new messages.

    Raises:
        InvalidField: as [new_messages][langgraph_sse.protocols.agui.requests.new_messages].
    """
    command = resume_command(body)
    graph_input = None if command is not None else {"messages": new_messages(body, limits)}
    return RunSpec(
        thread_id=body.thread_id,
        input=graph_input,
        command=command,
        subgraphs=True,
    )
