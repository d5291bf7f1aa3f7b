"""`python -m langgraph_sse ...`: the `langgraph-sse` command."""

from langgraph_sse.cli import main

raise SystemExit(main())
