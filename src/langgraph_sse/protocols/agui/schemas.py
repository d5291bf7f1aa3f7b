"""AG-UI's request model: `RunAgentInput`, from `ag-ui-protocol` itself.

The body of `POST /` is AG-UI's own `RunAgentInput` (`ag_ui.core`)
(camelCase: `threadId`, `runId`, `messages`, `state`, `tools`, `context`,
`forwardedProps`, `resume`), so what CopilotKit's `HttpAgent` sends validates as
AG-UI defines it; only `threadId` is held to the library's thread ids.
"""

from __future__ import annotations

from pydantic import Field

from langgraph_sse.core.extras import extra
from langgraph_sse.core.spec import ThreadId

with extra("ag-ui"):
    from ag_ui.core import RunAgentInput

__all__ = ["RunAgentBody"]


class RunAgentBody(RunAgentInput):
    """AG-UI's `RunAgentInput`, its `threadId` a LangGraph thread id (1 to 256
    characters, no control characters)."""

    thread_id: ThreadId = Field(
        alias="threadId", description="The LangGraph thread to run on (created if new)."
    )
