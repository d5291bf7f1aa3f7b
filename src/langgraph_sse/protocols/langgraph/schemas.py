"""The LangGraph Platform API's requests, as pydantic models.

Field names, defaults and accepted values are langgraph-api's (its OpenAPI
schema): the official SDKs send them as they are. Keys this library does not
act on (webhooks, feedback keys, durability...) are ignored, as langgraph-api
ignores keys it does not know; values it cannot honour are refused with 422.
"""

from __future__ import annotations

import contextlib
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictStr

from langgraph_sse.core.records import ThreadStatus
from langgraph_sse.core.spec import ThreadId
from langgraph_sse.protocols.native.schemas import JSONValue

__all__ = [
    "AssistantPath",
    "AssistantSearch",
    "CancelQuery",
    "CheckpointPath",
    "CommandBody",
    "HistoryBody",
    "JoinStreamQuery",
    "LangGraphMode",
    "RunBody",
    "RunPath",
    "StateQuery",
    "StateUpdateBody",
    "ThreadBody",
    "ThreadPatchBody",
    "ThreadPath",
    "ThreadSearchBody",
    "ThreadStateCheckpointBody",
]

LangGraphMode = Literal[
    "values",
    "updates",
    "messages-tuple",
    "messages",
    "custom",
    "debug",
    "tasks",
    "checkpoints",
]
"""The stream modes of the LangGraph Platform API served here (`events` is not)."""


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


def _bool_text(value: Any) -> Any:
    """`true`/`false`/`1`/`0` in a query string, as langgraph-api reads them."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes"):
            return True
        if lowered in ("0", "false", "no", ""):
            return False
    return value


QueryBool = Annotated[bool, BeforeValidator(_bool_text)]


def _query_modes(value: Any) -> Any:
    """Stream modes from a query string as the SDKs send them: repeated
    (`stream_mode=a&stream_mode=b`, Python), a JSON array (`stream_mode=["a","b"]`,
    JS), or empty (`stream_mode=`, Python's None): every mode named, in order."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return value
    modes: list[Any] = []
    for item in value:
        if isinstance(item, str) and item.startswith("["):
            with contextlib.suppress(ValueError):
                item = json.loads(item)
        modes.extend(item if isinstance(item, list) else [item])
    return [mode for mode in modes if mode != ""]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CommandBody(_Body):
    """`Command(resume=..., update=..., goto=...)`, to resume an interrupted thread."""

    resume: JSONValue = None
    update: JSONValue = None
    goto: JSONValue = None


class RunBody(_Body):
    """A run (`POST /threads/{thread_id}/runs/stream` and the others)."""

    assistant_id: StrictStr = Field(description="The assistant (or graph) id to run.")
    input: JSONValue = Field(None, description="The graph input.")
    command: CommandBody | None = Field(None, description="Resume an interrupted thread.")
    stream_mode: Annotated[list[LangGraphMode], BeforeValidator(_as_list)] = Field(
        default_factory=lambda: list[LangGraphMode](["values"]),
        description="One stream mode or a list of them.",
    )
    stream_subgraphs: bool = False
    stream_resumable: bool = Field(
        False, description="Accepted for compatibility: every run here is resumable."
    )
    multitask_strategy: Literal["reject", "interrupt", "rollback", "enqueue"] = "enqueue"
    on_disconnect: Literal["cancel", "continue"] = "continue"
    if_not_exists: Literal["create", "reject"] = "reject"
    config: dict[str, JSONValue] | None = None
    metadata: dict[str, JSONValue] | None = None


class AssistantSearch(_Body):
    """`POST /assistants/search`."""

    graph_id: StrictStr | None = None
    metadata: dict[str, JSONValue] | None = None
    name: StrictStr | None = None
    limit: Annotated[int, Field(ge=0, le=1000)] = 10
    offset: Annotated[int, Field(ge=0)] = 0


class ThreadBody(_Body):
    """`POST /threads`."""

    thread_id: ThreadId | None = None
    metadata: dict[str, JSONValue] | None = None
    if_exists: Literal["raise", "do_nothing"] = "raise"


class ThreadPatchBody(_Body):
    """`PATCH /threads/{thread_id}`: metadata to merge into the thread's."""

    metadata: dict[str, JSONValue] | None = None


class ThreadStateCheckpointBody(_Body):
    """`POST /threads/{thread_id}/state/checkpoint`."""

    checkpoint: dict[str, JSONValue] | None = None
    subgraphs: bool = False


class ThreadSearchBody(_Body):
    """`POST /threads/search`: the caller's threads, newest first by default."""

    ids: list[ThreadId] | None = None
    metadata: dict[str, JSONValue] | None = None
    status: ThreadStatus | None = None
    limit: Annotated[int, Field(ge=0, le=1000)] = 10
    offset: Annotated[int, Field(ge=0)] = 0
    sort_by: Literal["thread_id", "created_at", "updated_at"] = "created_at"
    sort_order: Literal["asc", "desc"] = "desc"


class HistoryBody(_Body):
    """`POST /threads/{thread_id}/history`."""

    limit: Annotated[int, Field(ge=1, le=1000)] = 10
    before: JSONValue = None
    metadata: dict[str, JSONValue] | None = None
    checkpoint: dict[str, JSONValue] | None = None


class StateUpdateBody(_Body):
    """`POST /threads/{thread_id}/state`."""

    values: JSONValue = None
    as_node: StrictStr | None = None
    checkpoint: dict[str, JSONValue] | None = None
    checkpoint_id: StrictStr | None = None


class StateQuery(BaseModel):
    """`GET /threads/{thread_id}/state?subgraphs=`."""

    subgraphs: QueryBool = False


class JoinStreamQuery(BaseModel):
    """`GET /threads/{thread_id}/runs/{run_id}/stream`."""

    cancel_on_disconnect: QueryBool = False
    stream_mode: Annotated[list[LangGraphMode], BeforeValidator(_query_modes)] = Field(
        default_factory=list
    )
    last_event_id: StrictStr | None = None


class CancelQuery(BaseModel):
    """`POST /threads/{thread_id}/runs/{run_id}/cancel`."""

    wait: QueryBool = False
    action: Literal["interrupt", "rollback"] = "interrupt"


class AssistantPath(BaseModel):
    assistant_id: StrictStr


class ThreadPath(BaseModel):
    thread_id: ThreadId


class RunPath(BaseModel):
    thread_id: ThreadId
    run_id: StrictStr


class CheckpointPath(BaseModel):
    thread_id: ThreadId
    checkpoint_id: StrictStr
