"""The `langgraph-sse` command: serve a compiled graph, or a `langgraph.json`
project, on uvicorn, with threads that survive restarts.

```
langgraph-sse serve my_app.graph:graph                      # the native protocol at /
langgraph-sse serve ./agent.py:graph --protocol langgraph   # the LangGraph Platform API
langgraph-sse serve                                         # ./langgraph.json: each graph at /<name>
```

A graph compiled without a checkpointer gets a durable one: SQLite in
`./langgraph-sse.sqlite` by default, PostgreSQL with `--postgres`. Everything the
app is built from is a [Settings][langgraph_sse.cli.Settings]; `--reload` hands it
to uvicorn's worker processes through the environment
([reload_app][langgraph_sse.cli.reload_app]). See docs/cli.md.

uvicorn and the drivers (the `cli`, `postgres` and `redis` extras) are imported
only when used, so a missing one is named in a one-line error.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import json
import logging
import os
import re
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from langgraph.pregel import Pregel
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from langgraph_sse.adapters.starlette import make_routes
from langgraph_sse.core.broker import RedisBroker
from langgraph_sse.core.checkpointers import postgres_checkpointer, sqlite_checkpointer
from langgraph_sse.core.extras import extra
from langgraph_sse.core.service import GraphService
from langgraph_sse.core.threads import has_checkpointer
from langgraph_sse.http.chat_page import STATIC_DIR, chat_page
from langgraph_sse.protocols import resolve_protocol
from langgraph_sse.security.auth import _fingerprint, api_key_auth

__all__ = ["CLIError", "Settings", "build_app", "main", "reload_app"]

logger = logging.getLogger("langgraph_sse.cli")

PROTOCOLS = ("native", "langgraph", "ag-ui", "ai-sdk")
"""The protocol names `--protocol` takes (those of `langgraph_sse.protocols.PROTOCOLS`)."""

DEFAULT_SQLITE = "langgraph-sse.sqlite"
CONFIG_FILE = "langgraph.json"
SETTINGS_ENV = "LANGGRAPH_SSE_SERVE"
"""The environment variable `--reload` passes the settings in, as JSON."""

_UNSUPPORTED = ("auth", "checkpointer", "store", "http", "ui", "webhooks", "encryption")
"""langgraph.json keys `langgraph dev` reads and this command does not (it says so)."""

_NAME = re.compile(r"[A-Za-z0-9_.-]+")


class CLIError(Exception):
    """Why the command cannot serve, in one line: printed on stderr, exit code 2."""


@dataclass
class Settings:
    """What `langgraph-sse serve` builds its app from (JSON-able: `--reload`'s
    worker processes rebuild the same app from it)."""

    target: str | None = None
    """`module:attr` or `path/to/file.py:attr`; None to read a langgraph.json."""
    config: str | None = None
    """The langgraph.json to read (default: the one in `cwd`)."""
    protocols: list[str] = field(default_factory=lambda: ["native"])
    prefix: str = ""
    sqlite: str | None = DEFAULT_SQLITE
    postgres: str | None = None
    redis: str | None = None
    api_keys_env: str | None = None
    cors: list[str] = field(default_factory=list)
    chat_page: bool = True
    cwd: str = "."
    url: str = "http://127.0.0.1:8000"
    """Where the server listens, for the log lines."""


@dataclass
class Source:
    """A graph to serve: its name in langgraph.json (None for a target), where
    it is (`module:attr` or `file.py:attr`) and what relative paths start from."""

    name: str | None
    spec: str
    base: Path


# -- the command line ----------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """`langgraph-sse ...`: the exit status (2 with one line on stderr when the
    graph cannot be served)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command != "serve":
        parser.print_help(sys.stderr)
        return 2
    try:
        settings = _settings(args, parser)
        return serve(
            settings, host=args.host, port=args.port, reload=args.reload, log_level=args.log_level
        )
    except (
        CLIError,
        ImportError,
    ) as exc:  # ImportError: a missing extra, which says what to install
        print(f"langgraph-sse: error: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="langgraph-sse",
        description="Stream LangGraph graphs to browsers and SDKs over Server-Sent Events.",
        epilog="Run 'langgraph-sse serve --help' for the server's options.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = commands.add_parser(
        "serve",
        help="serve a graph, or the graphs of a langgraph.json",
        description=(
            "Serve a compiled graph (TARGET) or, with no TARGET, every graph of\n"
            "./langgraph.json (or --config), each under /<name>. Graphs compiled without\n"
            "a checkpointer keep their threads in SQLite (the default) or PostgreSQL,\n"
            "so they survive restarts."
        ),
        epilog=(
            "examples:\n"
            "  langgraph-sse serve my_app.graph:graph\n"
            "  langgraph-sse serve ./agent.py:graph --protocol langgraph --port 2024\n"
            "  langgraph-sse serve --config path/to/langgraph.json --protocol native,ai-sdk\n"
            "  API_KEYS=alice=sk-1,bob=sk-2 langgraph-sse serve app:graph --api-keys-env API_KEYS"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "target",
        nargs="?",
        metavar="TARGET",
        help="module:attr or path/to/file.py:attr, a compiled graph or a function making one "
        "(no arguments); omit it to serve ./langgraph.json",
    )
    serve.add_argument(
        "--config", metavar="PATH", help="a langgraph.json to serve (default: ./langgraph.json)"
    )
    serve.add_argument(
        "--protocol",
        action="append",
        metavar="NAME",
        help=f"wire protocol: {', '.join(PROTOCOLS)} (default native); repeat it or "
        "comma-separate several: each is then served under <prefix>/<protocol>",
    )
    serve.add_argument("--prefix", default="", help="path prefix of every endpoint, e.g. /v1")
    serve.add_argument(
        "--host", default="127.0.0.1", help="interface to listen on (default %(default)s)"
    )
    serve.add_argument("--port", type=int, default=8000, help="port (default %(default)s)")
    store = serve.add_mutually_exclusive_group()
    store.add_argument(
        "--sqlite",
        metavar="PATH",
        default=DEFAULT_SQLITE,
        help="SQLite file keeping the threads (default ./%(default)s)",
    )
    store.add_argument(
        "--postgres",
        metavar="URL",
        help="keep the threads in PostgreSQL instead, e.g. postgresql://user@db:5432/app",
    )
    serve.add_argument(
        "--redis", metavar="URL", help="share runs between replicas through Redis (RedisBroker)"
    )
    serve.add_argument(
        "--api-keys-env",
        metavar="NAME",
        help="require an X-API-Key header: the environment variable NAME holds the keys, "
        "comma-separated, each 'key' or 'principal=key'; each principal sees its own threads",
    )
    serve.add_argument(
        "--cors",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="allow browser requests from ORIGIN (repeatable), e.g. http://localhost:3000",
    )
    serve.add_argument(
        "--chat-page",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="serve the chat page at / (default: on)",
    )
    serve.add_argument(
        "--reload", action="store_true", help="restart when a file changes (development)"
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        help="uvicorn's log level (default %(default)s)",
    )
    return parser


def _settings(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Settings:
    given = ",".join(args.protocol or ["native"]).split(",")
    protocols = [name.strip() for name in given if name.strip()] or ["native"]
    unknown = [name for name in protocols if name not in PROTOCOLS]
    if unknown:
        parser.error(f"unknown protocol {unknown[0]!r}; expected {', '.join(PROTOCOLS)}")
    prefix = "/" + args.prefix.strip("/") if args.prefix.strip("/") else ""
    cwd = Path.cwd()
    return Settings(
        target=args.target,
        config=str(cwd / args.config) if args.config else None,
        protocols=list(dict.fromkeys(protocols)),
        prefix=prefix,
        sqlite=None if args.postgres else str(cwd / args.sqlite),
        postgres=args.postgres,
        redis=args.redis,
        api_keys_env=args.api_keys_env,
        cors=args.cors,
        chat_page=args.chat_page,
        cwd=str(cwd),
        url=f"http://{args.host}:{args.port}",
    )


def serve(settings: Settings, *, host: str, port: int, reload: bool, log_level: str) -> int:
    """Check everything that can be checked, build the app, run uvicorn."""
    with extra("cli"):
        import uvicorn
    _log_to_stderr()
    sources = _sources(settings)
    _preflight(settings)
    if not reload:
        uvicorn.run(build_app(settings, sources), host=host, port=port, log_level=log_level)
        return 0
    for source in sources:  # fail here, in one line, rather than in every worker
        load_graph(source)
    os.environ[SETTINGS_ENV] = json.dumps(asdict(settings))
    watched = sorted({str(source.base) for source in sources})
    uvicorn.run(
        f"{__name__}:reload_app",
        factory=True,
        reload=True,
        reload_dirs=watched,
        host=host,
        port=port,
        log_level=log_level,
    )
    return 0


def reload_app() -> Starlette:
    """The app of the settings in `LANGGRAPH_SSE_SERVE` (uvicorn calls this in each
    `--reload` worker: reloading needs an import string, not an app)."""
    _log_to_stderr()
    settings = Settings(**json.loads(os.environ[SETTINGS_ENV]))
    try:
        return build_app(settings)
    except (CLIError, ImportError) as exc:
        logger.error("%s", exc)  # the reloader waits for the next change
        raise SystemExit(2) from None


# -- the app ---------------------------------------------------------------------------


def build_app(settings: Settings, sources: list[Source] | None = None) -> Starlette:
    """The ASGI app serving `settings`: each graph through each protocol, a
    durable checkpointer for graphs without one, auth and CORS as asked.

    Raises:
        CLIError: a graph that cannot be imported or is not a compiled graph.
    """
    sources = _sources(settings) if sources is None else sources
    graphs = {source.name: load_graph(source) for source in sources}
    auth = api_key_auth(read_api_keys(settings.api_keys_env)) if settings.api_keys_env else None
    services: list[GraphService] = []
    mounts: list[Mounted] = []
    for name, graph in graphs.items():
        broker = None
        if settings.redis:  # a prefix per graph: its run and thread keys apart from the others'
            broker = RedisBroker(settings.redis, prefix=f"langgraph-sse:{name or ''}:")
        service = GraphService(graph, auth=auth, broker=broker)
        services.append(service)
        for path in _paths(settings, name, len(graphs)):
            for protocol in settings.protocols:
                at = path + (f"/{protocol}" if len(settings.protocols) > 1 else "")
                assistant = (name or graph.get_name()) if protocol == "langgraph" else None
                options = {"assistant_id": name} if protocol == "langgraph" else {}  # the json key
                chosen = resolve_protocol(protocol, **options)
                routes = make_routes(service, protocol=chosen)
                mounts.append(
                    Mounted(at or "/", name or graph.get_name(), protocol, Mount(at, routes=routes))
                )
                logger.info(
                    "Serving graph %r over %s at %s%s/%s",
                    mounts[-1].graph,
                    protocol,
                    settings.url,
                    at,
                    f" (assistant {assistant!r})" if assistant else "",
                )
    mounts.sort(key=lambda mounted: -len(mounted.path))  # the root last: it takes every path

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await _durable(stack, graphs, settings)
            for service in services:
                await stack.enter_async_context(service.lifespan(app))
            yield

    return Starlette(
        routes=[*_front(settings, mounts), *(mounted.mount for mounted in mounts)],
        lifespan=lifespan,
        middleware=_cors(settings.cors),
    )


@dataclass
class Mounted:
    """A graph served through a protocol at a path."""

    path: str
    graph: str
    protocol: str
    mount: Mount


def _front(settings: Settings, mounts: list[Mounted]) -> list[BaseRoute]:
    """`GET /healthz` (for probes, whatever is mounted) and `GET /`: the chat
    page, or the list of the mounts."""
    index = {"graphs": [{"graph": m.graph, "protocol": m.protocol, "path": m.path} for m in mounts]}

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def listing(request: Request) -> JSONResponse:
        return JSONResponse(index)

    page = _chat_page_routes(mounts) if settings.chat_page else []
    return [Route("/healthz", healthz), *page, Route("/", listing)]


def _cors(origins: list[str]) -> list[Middleware]:
    if not origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Content-Type", "X-API-Key", "Authorization", "Last-Event-ID"],
            # The SDKs read these to learn the run's id and where to reconnect.
            expose_headers=["Content-Location", "Location", "X-Run-Id", "X-Thread-Id"],
        )
    ]


def _paths(settings: Settings, name: str | None, count: int) -> list[str]:
    """Where a graph is served: the prefix for a target; `<prefix>/<name>` for a
    langgraph.json graph, and the prefix too when it is the only graph (as
    `langgraph dev` serves it at the root)."""
    if name is None:
        return [settings.prefix]
    return [f"{settings.prefix}/{name}"] + ([settings.prefix] if count == 1 else [])


def _chat_page_routes(mounts: list[Mounted]) -> list[BaseRoute]:
    """The chat page's routes at `/` (the page and its files), talking to the first
    native-protocol mount; none without one (then `GET /` lists the mounts as JSON)."""
    native = next((mounted for mounted in mounts if mounted.protocol == "native"), None)
    if native is None:
        logger.info("No chat page: it speaks the native protocol (add --protocol native)")
        return []
    page = chat_page(api=native.path.rstrip("/"))
    files = sorted(f"/{file.name}" for file in STATIC_DIR.iterdir() if file.is_file())
    # Its own paths only, not a mount at "/": the graph may be served at the root too.
    return [Route(path, page, methods=["GET", "HEAD"]) for path in ["/", *files]]


async def _durable(
    stack: AsyncExitStack, graphs: dict[str | None, Pregel[Any, Any, Any, Any]], settings: Settings
) -> None:
    """Give every graph without a checkpointer the durable one (one saver and
    store shared by them all, as threads are shared in `langgraph dev`), until
    `stack` closes; a graph with its own keeps it."""
    bare = [graph for graph in graphs.values() if not has_checkpointer(graph)]
    for name, graph in graphs.items():
        if has_checkpointer(graph):
            kind = type(graph.checkpointer).__name__
            logger.info("%s keeps its own checkpointer (%s)", _label(name, graphs), kind)
    if not bare:
        return
    first = bare[0]
    if settings.postgres:
        saver = await stack.enter_async_context(postgres_checkpointer(first, settings.postgres))
        where = f"PostgreSQL at {_redact(settings.postgres)}"
    else:
        assert settings.sqlite is not None
        saver = await stack.enter_async_context(sqlite_checkpointer(first, settings.sqlite))
        where = f"SQLite at {settings.sqlite}"
    for graph in bare[1:]:
        stack.callback(setattr, graph, "checkpointer", graph.checkpointer)
        stack.callback(setattr, graph, "store", graph.store)
        graph.checkpointer, graph.store = saver, graph.store or first.store
    names = [_label(name, graphs) for name, graph in graphs.items() if graph in bare]
    logger.info("Threads of %s are kept in %s", ", ".join(names), where)


def _label(name: str | None, graphs: dict[str | None, Pregel[Any, Any, Any, Any]]) -> str:
    return f"graph {name or graphs[name].get_name()!r}"


# -- what to serve ---------------------------------------------------------------------


def _sources(settings: Settings) -> list[Source]:
    """The graphs to serve: the target, or a langgraph.json's (whose environment
    is loaded and whose directories go on `sys.path` first)."""
    cwd = Path(settings.cwd)
    if settings.target:
        _on_path(cwd)  # as `uvicorn module:app` imports from the working directory
        return [Source(None, settings.target, cwd)]
    config = Path(settings.config) if settings.config else cwd / CONFIG_FILE
    if not config.is_file():
        if settings.config:
            raise CLIError(f"no such file: {config}")
        raise CLIError(
            f"give a graph to serve (langgraph-sse serve module:graph) or run where a {CONFIG_FILE} is"
        )
    return read_config(config)


def read_config(path: Path) -> list[Source]:
    """The graphs of a langgraph.json; loads its `env` (a dict, or a .env file
    whose values do not replace variables already set) and puts its directory
    and local `dependencies` on `sys.path`."""
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CLIError(f"cannot read {path}: {exc}") from None
    graphs = config.get("graphs") if isinstance(config, dict) else None
    if not isinstance(graphs, dict) or not graphs:
        raise CLIError(f'{path}: no graphs; expected {{"graphs": {{"agent": "./agent.py:graph"}}}}')
    base = path.parent.resolve()
    ignored = [key for key in _UNSUPPORTED if key in config]
    if ignored:
        logger.warning(
            "%s: ignoring %s (not supported by langgraph-sse serve)", path.name, ", ".join(ignored)
        )
    _load_env(config.get("env"), base)
    for dependency in reversed(config.get("dependencies") or []):
        if (
            isinstance(dependency, str)
            and dependency.startswith(".")
            and (base / dependency).is_dir()
        ):
            _on_path((base / dependency).resolve())
    _on_path(base)
    sources = []
    for name, spec in graphs.items():
        if isinstance(spec, dict):
            spec = spec.get("path")
        if not isinstance(spec, str):
            raise CLIError(f"{path}: graph {name!r} must be a string or have a 'path'")
        if not _NAME.fullmatch(name):
            raise CLIError(f"{path}: graph name {name!r} must be letters, digits, '_', '-' or '.'")
        sources.append(Source(name, spec, base))
    return sources


def _load_env(env: object, base: Path) -> None:
    if env is None:
        return
    if isinstance(env, dict):
        values = {str(key): str(value) for key, value in env.items()}
    elif isinstance(env, str):
        file = base / env
        if not file.is_file():
            logger.warning("env file %s not found", file)
            return
        values = parse_env_file(file.read_text())
    else:
        raise CLIError(f"'env' must be a dict or a file path, not {type(env).__name__}")
    for key, value in values.items():
        os.environ.setdefault(key, value)


def parse_env_file(text: str) -> dict[str, str]:
    """`KEY=VALUE` lines of a .env file: blank lines and `#` comments skipped, an
    `export ` prefix dropped, quotes around a value removed, ` #` comments after
    an unquoted value dropped."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].rstrip()
        values[key.strip()] = value
    return values


def load_graph(source: Source) -> Pregel[Any, Any, Any, Any]:
    """The compiled graph `source.spec` names: an attribute of a module, or of a
    .py file (relative to `source.base`); a function is called, with no arguments."""
    where = source.spec if source.name is None else f"graph {source.name!r} ({source.spec})"
    location, _, attribute = source.spec.rpartition(":")
    if not location or not attribute:
        raise CLIError(f"{where}: expected module:attr or path/to/file.py:attr")
    if location.endswith((".js", ".mjs", ".cjs", ".ts", ".mts", ".cts")):
        raise CLIError(f"{where}: JavaScript graphs are not supported")
    try:
        if "/" in location or "\\" in location or location.endswith(".py"):
            module = _import_file((source.base / location).resolve(), source.base)
        else:
            module = importlib.import_module(location)
    except CLIError:
        raise
    except Exception as exc:
        raise CLIError(f"cannot import {location!r}: {type(exc).__name__}: {exc}") from None
    value: Any = module
    for part in attribute.split("."):
        if not hasattr(value, part):
            raise CLIError(f"{where}: {location!r} has no attribute {attribute!r}")
        value = getattr(value, part)
    if callable(value):
        value = _call_factory(value, where)
    if not isinstance(value, Pregel):
        hint = ": call .compile() on it" if hasattr(value, "compile") else ""
        raise CLIError(f"{where} is a {type(value).__name__}, not a compiled graph{hint}")
    return value


def _call_factory(factory: Any, where: str) -> Any:
    """A graph factory's graph: made once, at start-up, so it must take no arguments."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        signature = None
    needed = [
        name
        for name, parameter in (signature.parameters.items() if signature else ())
        if parameter.default is parameter.empty
        and parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD)
    ]
    if needed:
        raise CLIError(
            f"{where} is a function taking ({', '.join(needed)}): langgraph-sse makes each graph "
            "once, at start-up, so a graph factory must take no arguments (or export the graph)"
        )
    if inspect.iscoroutinefunction(factory):
        raise CLIError(f"{where} is an async function: export the compiled graph or a sync factory")
    try:
        return factory()
    except Exception as exc:
        raise CLIError(f"{where}: making the graph raised {type(exc).__name__}: {exc}") from None


def _import_file(path: Path, base: Path) -> ModuleType:
    """The module of the file `path`: imported by its dotted name under `base`
    (on `sys.path`; so its relative imports work) when it has one, else by path."""
    if not path.is_file():
        raise CLIError(f"no such file: {path}")
    if path.is_relative_to(base):
        parts = path.with_suffix("").relative_to(base).parts
        if all(part.isidentifier() for part in parts):
            module = importlib.import_module(".".join(parts))
            if Path(module.__file__ or "").resolve() == path:
                return module
    name = "_langgraph_sse_" + re.sub(r"\W", "_", path.with_suffix("").name)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CLIError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _on_path(directory: Path) -> None:
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))


# -- auth and checks -------------------------------------------------------------------


def read_api_keys(variable: str) -> dict[str, str]:
    """{key: principal id} from `$variable`: comma-separated `principal=key` pairs
    (as in examples/production.py) or bare keys, whose principal is named as
    `api_key_auth` names it (`key-` and 12 hex digits of the key's SHA-256)."""
    keys: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in os.environ.get(variable, "").split(","))):
        principal, equals, key = item.partition("=")
        if not equals:
            principal, key = _fingerprint(item), item
        if not principal or not key:
            raise CLIError(f"${variable}: {item!r} is not 'key' nor 'principal=key'")
        keys[key] = principal
    if not keys:
        raise CLIError(
            f"--api-keys-env {variable}: ${variable} is unset or empty; set it to comma-separated "
            "keys or principal=key pairs"
        )
    return keys


def _preflight(settings: Settings) -> None:
    """Fail now, in one line, on what would otherwise fail at start-up with a
    traceback: a missing extra, an unreachable PostgreSQL or Redis, a SQLite file
    in a missing directory, unset API keys."""
    if settings.api_keys_env:
        read_api_keys(settings.api_keys_env)
    if settings.sqlite:
        with extra("cli"):  # the cli extra brings the SQLite saver
            import aiosqlite  # noqa: F401
            import langgraph.checkpoint.sqlite.aio
        if not Path(settings.sqlite).parent.is_dir():
            raise CLIError(f"--sqlite {settings.sqlite}: no such directory")
    if settings.postgres:
        with extra("postgres"):
            import langgraph.checkpoint.postgres.aio  # noqa: F401
            import psycopg
            import psycopg_pool  # noqa: F401
        try:
            psycopg.connect(settings.postgres, connect_timeout=5).close()
        except psycopg.Error as exc:
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise CLIError(
                f"cannot reach PostgreSQL at {_redact(settings.postgres)}: {message}"
            ) from None
    if settings.redis:
        with extra("redis"):
            import redis

        try:
            redis.Redis.from_url(settings.redis, socket_connect_timeout=5).ping()
        except (redis.RedisError, OSError) as exc:
            raise CLIError(f"cannot reach Redis at {_redact(settings.redis)}: {exc}") from None


def _redact(url: str) -> str:
    """`url` without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _log_to_stderr() -> None:
    """The library's log lines (runs, checkpointers) on stderr beside uvicorn's."""
    library = logging.getLogger("langgraph_sse")
    if not library.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        library.addHandler(handler)
        library.setLevel(logging.INFO)
        library.propagate = False


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("langgraph-sse")
    except PackageNotFoundError:
        return "unknown"
