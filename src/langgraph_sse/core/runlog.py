"""One log line per run: who ran what on which thread, how it ended, how long.

```text
run run_id=5f0c... thread_id=t1 principal=alice modes=messages outcome=success events=57 duration_ms=1840
```

Values a client chose (a thread id) are quoted when they hold anything but plain
characters, so they cannot forge other fields of the line. The fields are also on
the record as `record.langgraph_sse`, for structured logging.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from langgraph_sse.core.run import Run

__all__ = ["log_run"]

logger = logging.getLogger("langgraph_sse")


def log_run(log: dict[str, Any], run: Run) -> None:
    """Log `run`'s line, with the fields in `log` (run_id, thread_id, principal, modes)."""
    if not logger.isEnabledFor(logging.INFO):  # the line is built only to be written
        return
    duration_ms = round(((run.ended_at or run.started_at) - run.started_at) * 1000)
    outcome = run.end_reason or run.status
    fields = {**log, "outcome": outcome, "events": run.events, "duration_ms": duration_ms}
    logger.info(
        "run %s",
        " ".join(f"{key}={_logfmt(value)}" for key, value in fields.items()),
        extra={"langgraph_sse": fields},
    )


_BARE = re.compile(r"[\w.,:/@+-]+")


def _logfmt(value: object) -> str:
    # Values a client chose (a thread id) may hold spaces, quotes or `key=value`
    # text: quoted, they cannot forge another field of the line.
    text = str(value)
    return text if _BARE.fullmatch(text) else json.dumps(text)
