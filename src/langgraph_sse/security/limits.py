"""What a client may ask of the server: sizes, modes, config keys, time and streams.

The defaults are safe for a public endpoint: bodies up to 1 MiB, messages up to
100,000 characters, every stream mode, no client-set config, no time limit on a
run and no cap on concurrent streams. Tighten them with
[Limits][langgraph_sse.security.limits.Limits]:

```python
make_router(graph, auth=..., limits=Limits(max_run_seconds=120, max_streams_per_principal=4))
```
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langgraph_sse.core.errors import InvalidField, TooManyStreams
from langgraph_sse.core.translate import STREAM_MODES, StreamMode

__all__ = ["NEVER_CONFIGURABLE", "Limits", "OpenStreams"]

NEVER_CONFIGURABLE = frozenset({"thread_id", "checkpoint_ns"})
"""`configurable` keys no client may set, whatever the limits say: they route the
run to a thread. (Keys starting with `__` are LangGraph's own and refused too.)"""


@dataclass(frozen=True)
class Limits:
    """Bounds on what clients may ask.

    Attributes:
        max_body_bytes: Largest request body; a larger one gets 413.
        max_message_chars: Longest `message`; a longer one gets 422.
        stream_modes: The stream modes clients may ask for; others get 422.
        config_keys: Top-level `config` keys clients may set, among
            `recursion_limit`, `tags`, `metadata`, `run_name` and `configurable`.
            None by default: a request with `config` gets 422.
        configurable_keys: Keys of `config.configurable` clients may set (e.g. a
            `model` switch your graph reads); listing any allows `configurable`.
            `thread_id` and `checkpoint_ns` never, whatever this says.
        max_run_seconds: Longest a run may take; then it is cancelled and its
            stream ends with an `error` event of type `timeout` (`/invoke`
            answers 504). None: no limit.
        max_streams_per_principal: Most streams one principal (or, without auth,
            one client address) may have open at once; another gets 429. None:
            no cap. Counted per process.
        max_runs_per_principal: Most runs one principal may have pending or
            running at once, however started (streams, background runs, queued
            runs, `/invoke`); another gets 429. Without auth every client counts
            as one. None: no cap. Counted per process.
        max_run_bytes: Most bytes of events one run may write; past that it is
            stopped and its stream ends with an `error` event of type `too_large`.
            A run's events are kept in memory for replay until `run_retention`
            after its end, so this bounds what one run can hold. None: no limit.
    """

    max_body_bytes: int = 1024 * 1024
    max_message_chars: int = 100_000
    stream_modes: frozenset[StreamMode] = field(default_factory=lambda: frozenset(STREAM_MODES))
    config_keys: frozenset[str] = frozenset()
    configurable_keys: frozenset[str] = frozenset()
    max_run_seconds: float | None = None
    max_streams_per_principal: int | None = None
    max_runs_per_principal: int | None = None
    max_run_bytes: int | None = 64 * 1024 * 1024

    def __post_init__(self) -> None:
        for name in ("stream_modes", "config_keys", "configurable_keys"):
            value: Iterable[str] = getattr(self, name)
            object.__setattr__(self, name, frozenset(value))
        unknown = set(self.stream_modes) - set(STREAM_MODES)
        if unknown:
            raise ValueError(f"Unknown stream modes in Limits.stream_modes: {sorted(unknown)}")
        forbidden = self.configurable_keys & NEVER_CONFIGURABLE
        if forbidden:
            raise ValueError(f"Clients may never set {sorted(forbidden)}")

    def check_message(self, message: str, loc: tuple[str | int, ...] = ("message",)) -> None:
        """Refuse a user message over `max_message_chars`.

        Raises:
            InvalidField: naming `loc`.
        """
        if len(message) > self.max_message_chars:
            raise InvalidField(
                loc,
                f"String should have at most {self.max_message_chars} characters",
                "string_too_long",
            )

    def check_stream_modes(self, modes: Sequence[str]) -> None:
        """Refuse stream modes clients may not ask for.

        Raises:
            InvalidField: naming `("stream_mode", index)`.
        """
        for i, mode in enumerate(modes):
            if mode not in self.stream_modes:
                allowed = ", ".join(sorted(self.stream_modes))
                raise InvalidField(
                    ("stream_mode", i),
                    f"Stream mode {mode!r} is not allowed here (allowed: {allowed})",
                )

    def check_config(self, config: Mapping[str, Any]) -> None:
        """Refuse `config` keys (and `configurable` keys) clients may not set.

        Raises:
            InvalidField: naming `("config", key)` or `("config", "configurable", key)`.
        """
        for key in config:
            if key not in self.config_keys and not (
                key == "configurable" and self.configurable_keys
            ):
                raise InvalidField(
                    ("config", key), f"Clients may not set config {key!r} on this server"
                )
        for key in config.get("configurable") or {}:
            if (
                key in NEVER_CONFIGURABLE
                or key.startswith("__")
                or key not in self.configurable_keys
            ):
                raise InvalidField(
                    ("config", "configurable", key),
                    f"Clients may not set configurable {key!r} on this server",
                )


class OpenStreams:
    """How many streams each principal (or client address) has open, within `cap`.

    Counted per process: with several replicas each allows `cap`.
    """

    def __init__(self, cap: int | None) -> None:
        self.cap = cap
        self._open: Counter[str] = Counter()

    def open(self, key: str) -> None:
        """Count a stream opened by `key`.

        Raises:
            TooManyStreams: `key` already has `cap` open.
        """
        if self.cap is not None and self._open[key] >= self.cap:
            raise TooManyStreams(self.cap)
        self._open[key] += 1

    def close(self, key: str) -> None:
        """Count a stream of `key` closed."""
        self._open[key] -= 1
        if self._open[key] <= 0:
            del self._open[key]
