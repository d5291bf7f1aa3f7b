# Every target sets up what it needs in .venv first (Python >= 3.11).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT      ?= 8000
DOCS_PORT ?= 8001

.PHONY: install demo test lint typecheck docs docs-serve bench mutants soak e2e clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,docs]'
	touch $(STAMP)

install: $(STAMP)

## Run the main example (FastAPI, streaming a fake model) on http://127.0.0.1:$(PORT) (make demo PORT=9000 for another port)
demo: $(STAMP)
	$(BIN)/uvicorn examples.production:app --host 127.0.0.1 --port $(PORT)

## Lint, type-check and run the whole test suite
test: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests examples benchmarks
	$(BIN)/ruff format --check src tests examples benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/mkdocs build --strict

## Serve the docs on http://127.0.0.1:$(DOCS_PORT), rebuilt on every change (DOCS_PORT=9001 for another port)
docs-serve: $(STAMP)
	$(BIN)/mkdocs serve -a 127.0.0.1:$(DOCS_PORT)

bench: $(STAMP)
	$(BIN)/python -m benchmarks

## A mutation pass over auth, ownership, limits, threads, service, runs and the broker (about 20 minutes; not in CI)
mutants: $(STAMP)
	PYTEST=$(BIN)/pytest $(BIN)/python scripts/mutate.py

## A soak over two replicas on PostgreSQL + Redis: many principals, disconnects and resumes, a Redis cut (about 5 minutes; not in CI; SOAK_ARGS="--duration 60")
soak: $(STAMP)
	$(BIN)/python scripts/soak.py $(SOAK_ARGS)

## Agent Chat UI in headless Chromium against examples/langgraph_platform.py (needs node, chromium and AGENT_CHAT_UI_SRC; builds in ~/.cache/langgraph-sse/e2e; about 2 minutes the first time; not in CI; see e2e/README.md)
e2e: $(STAMP)
	$(BIN)/python e2e/agent_chat_ui.py $(E2E_ARGS)

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache .hypothesis
