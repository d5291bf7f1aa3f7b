"""End-to-end: LangChain's Agent Chat UI, in headless Chromium, against
`examples/langgraph_platform.py`.

What it does (see e2e/README.md):

1. copies the UI's source from ``AGENT_CHAT_UI_SRC`` (a checkout, or a bare git
   directory) into the cache (``~/.cache/langgraph-sse/e2e``, or ``E2E_CACHE``), removes
   its Google-font import (``next build`` would download the font) and writes ``.env``
   pointing the UI at the example's API;
2. ``npm install`` and ``next build`` there; both are reused while the source, the
   patch and ``.env`` stay the same (``--rebuild`` forces them);
3. starts ``next start`` on :3000 (the example's CORS allows http://localhost:3000),
   the example app on :2024 and ``e2e/hitl_app.py`` on :2025, each with a fresh SQLite
   file, and runs ``e2e/agent_chat_ui.mjs`` (playwright-core, driving Chromium);
4. prints each check, the browser's console errors, failed requests and 4xx/5xx
   responses, and every 4xx/5xx in the servers' access logs; screenshots, logs and
   ``result.json`` stay in the cache's ``run/`` directory.

Without ``AGENT_CHAT_UI_SRC`` (and no ``agent-chat-ui`` directory in the cache) it
prints one ``SKIP:`` line and exits 0. Exit status 1 means a check failed; 2, that the
machine is not set up (no node, no Chromium, a port taken).

Run:  make e2e    or    .venv/bin/python e2e/agent_chat_ui.py [--rebuild]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("E2E_CACHE", Path.home() / ".cache" / "langgraph-sse" / "e2e"))
UI_DIR = CACHE / "ui"
RUNNER_DIR = CACHE / "runner"
RUN_DIR = CACHE / "run"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PATCH_VERSION = "1"  # bump when prepare_ui() changes what it writes
UI_PORT = 3000  # the example app's CORS allows http://localhost:3000 and nothing else
ACCESS_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<path>\S+) HTTP/[\d.]+" (?P<status>\d{3})')


def log(message: str) -> None:
    print(f"[e2e] {message}", flush=True)


class SetupError(Exception):
    """The machine cannot run the test (exit 2)."""


# --- the UI's source -------------------------------------------------------------------


def find_source() -> Path | None:
    given = os.environ.get("AGENT_CHAT_UI_SRC")
    if given:
        return Path(given).expanduser()
    default = CACHE / "agent-chat-ui"
    return default if default.exists() else None


def is_bare_git(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


SKIP_DIRS = {"node_modules", ".next", ".git"}


def walk(root: Path) -> Iterator[Path]:
    for path in sorted(root.iterdir()):
        if path.name in SKIP_DIRS:
            continue
        if path.is_dir():
            yield from walk(path)
        else:
            yield path


def source_id(src: Path) -> str:
    """The git commit of a bare directory, else a hash of the tree's names, sizes and times."""
    if is_bare_git(src):
        out = subprocess.run(
            ["git", "--git-dir", str(src), "rev-parse", "HEAD"],
            check=True,
            capture_output=True,
            text=True,
        )
        return "git:" + out.stdout.strip()
    digest = hashlib.sha256()
    for path in walk(src):
        stat = path.stat()
        digest.update(f"{path.relative_to(src)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return "tree:" + digest.hexdigest()


def copy_source(src: Path, dest: Path) -> None:
    """Replaces everything in `dest` but node_modules and package-lock.json with `src`'s files."""
    dest.mkdir(parents=True, exist_ok=True)
    for child in dest.iterdir():
        if child.name in {"node_modules", "package-lock.json"}:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    if is_bare_git(src):
        archive = subprocess.run(
            ["git", "--git-dir", str(src), "archive", "--format=tar", "HEAD"],
            check=True,
            capture_output=True,
        )
        tar_path = CACHE / "agent-chat-ui.tar"
        tar_path.write_bytes(archive.stdout)
        with tarfile.open(tar_path) as tar:
            tar.extractall(dest, filter="data")
        tar_path.unlink()
    else:
        ignore = shutil.ignore_patterns(*SKIP_DIRS, ".env", ".env.local")
        shutil.copytree(src, dest, ignore=ignore, dirs_exist_ok=True)


def remove_google_fonts(ui: Path) -> list[str]:
    """Drops `next/font/google` imports (``next build`` downloads those fonts) and the
    fonts' ``.className``/``.variable`` uses; the page falls back to the Tailwind sans stack."""
    patched = []
    for path in sorted((ui / "src").rglob("*.[jt]s*")):
        text = path.read_text()
        if "next/font/google" not in text:
            continue
        imported = re.search(
            r'^import\s*\{([^}]*)\}\s*from\s*["\']next/font/google["\'];?\n', text, re.M
        )
        if imported is None:
            raise SetupError(f"cannot patch the Google-font import in {path}")
        text = text.replace(imported.group(0), "")
        for font in (name.strip() for name in imported.group(1).split(",") if name.strip()):
            for var in re.findall(rf"^(?:export\s+)?const\s+(\w+)\s*=\s*{font}\(", text, re.M):
                text = re.sub(
                    rf"^(?:export\s+)?const\s+{var}\s*=\s*{font}\(.*?\);\n+",
                    "",
                    text,
                    flags=re.M | re.S,
                )
                text = re.sub(rf"\b{var}\.(?:className|variable)\b", '"font-sans"', text)
        if "next/font/google" in text:
            raise SetupError(f"a Google-font import is left in {path}")
        path.write_text(text)
        patched.append(str(path.relative_to(ui)))
    return patched


def env_file(api_url: str) -> str:
    return f"NEXT_PUBLIC_API_URL={api_url}\nNEXT_PUBLIC_ASSISTANT_ID=agent\n"


def run_logged(cmd: list[str], cwd: Path, logfile: Path, env: dict[str, str]) -> float:
    started = time.monotonic()
    with logfile.open("w") as out:
        done = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
    if done.returncode != 0:
        tail = "\n".join(logfile.read_text().splitlines()[-30:])
        raise SetupError(f"{' '.join(cmd)} failed ({done.returncode}); see {logfile}:\n{tail}")
    return time.monotonic() - started


def node_env() -> dict[str, str]:
    return {**os.environ, "NEXT_TELEMETRY_DISABLED": "1"}


def prepare_ui(src: Path, api_url: str, rebuild: bool) -> dict[str, float]:
    """Source, patch, .env, npm install and next build in UI_DIR; reused when nothing changed."""
    timings: dict[str, float] = {}
    stamp = UI_DIR / ".e2e-stamp"
    wanted = json.dumps(
        {"source": source_id(src), "patch": PATCH_VERSION, "env": env_file(api_url)}
    )
    built = (UI_DIR / ".next" / "BUILD_ID").is_file()
    if not rebuild and built and stamp.is_file() and stamp.read_text() == wanted:
        log(f"UI build in {UI_DIR} is up to date (--rebuild to redo it)")
        return timings

    started = time.monotonic()
    copy_source(src, UI_DIR)
    patched = remove_google_fonts(UI_DIR)
    (UI_DIR / ".env").write_text(env_file(api_url))
    timings["copy"] = time.monotonic() - started
    log(f"copied {src} to {UI_DIR}; Google fonts removed from {', '.join(patched) or 'nothing'}")

    package_sha = hashlib.sha256((UI_DIR / "package.json").read_bytes()).hexdigest()
    installed = UI_DIR / "node_modules" / ".e2e-package-sha"
    if rebuild or not installed.is_file() or installed.read_text() != package_sha:
        log("npm install ...")
        timings["npm install"] = run_logged(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
            UI_DIR,
            CACHE / "npm-install.log",
            node_env(),
        )
        installed.write_text(package_sha)
        log(f"npm install: {timings['npm install']:.0f}s")

    log("next build ...")
    timings["next build"] = run_logged(
        [str(UI_DIR / "node_modules" / ".bin" / "next"), "build"],
        UI_DIR,
        CACHE / "next-build.log",
        node_env(),
    )
    log(f"next build: {timings['next build']:.0f}s")
    stamp.write_text(wanted)
    return timings


def prepare_runner() -> None:
    if (RUNNER_DIR / "node_modules" / "playwright-core" / "package.json").is_file():
        return
    RUNNER_DIR.mkdir(parents=True, exist_ok=True)
    package = RUNNER_DIR / "package.json"
    if not package.is_file():
        package.write_text('{"name": "langgraph-sse-e2e-runner", "private": true}\n')
    log("npm install playwright-core ...")
    run_logged(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "playwright-core@1"],
        RUNNER_DIR,
        CACHE / "npm-install-runner.log",
        node_env(),
    )


# --- servers ---------------------------------------------------------------------------


def port_free(port: int) -> bool:
    for host in ("127.0.0.1", "0.0.0.0"):
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do
            try:
                sock.bind((host, port))
            except OSError:
                return False
    return True


def wait_for(url: str, proc: subprocess.Popen[bytes], logfile: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SetupError(
                f"{url}: the server exited ({proc.returncode}); {logfile}:\n{logfile.read_text()[-2000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as res:
                if res.status < 500:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SetupError(f"{url} did not answer within {timeout:.0f}s; see {logfile}")


@contextmanager
def servers(api_port: int, hitl_port: int) -> Iterator[dict[str, Path]]:
    """The UI, the example app and the HITL app, each in its own process group."""
    env = {k: v for k, v in os.environ.items() if k not in {"ANTHROPIC_API_KEY", "OPENAI_API_KEY"}}
    specs = [
        (
            "example",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "examples.langgraph_platform:app",
                "--port",
                str(api_port),
            ],
            REPO,
            {**env, "LANGGRAPH_SSE_DB": str(RUN_DIR / "example.sqlite")},
            f"http://127.0.0.1:{api_port}/lg/ok",
        ),
        (
            "hitl",
            [sys.executable, "-m", "uvicorn", "e2e.hitl_app:app", "--port", str(hitl_port)],
            REPO,
            {**env, "LANGGRAPH_SSE_DB": str(RUN_DIR / "hitl.sqlite")},
            f"http://127.0.0.1:{hitl_port}/lg/ok",
        ),
        (
            "next",
            [str(UI_DIR / "node_modules" / ".bin" / "next"), "start", "-p", str(UI_PORT)],
            UI_DIR,
            {**env, "NEXT_TELEMETRY_DISABLED": "1"},
            f"http://localhost:{UI_PORT}/",
        ),
    ]
    procs: list[subprocess.Popen[bytes]] = []
    logs: dict[str, Path] = {}
    try:
        for name, cmd, cwd, proc_env, _ in specs:
            logfile = RUN_DIR / f"{name}.log"
            logs[name] = logfile
            with logfile.open("wb") as out:
                procs.append(
                    subprocess.Popen(
                        cmd,
                        cwd=cwd,
                        env=proc_env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        for (name, _, _, _, url), proc in zip(specs, procs, strict=True):
            wait_for(url, proc, logs[name])
        yield logs
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# --- the report ------------------------------------------------------------------------


def server_errors(logfile: Path) -> list[str]:
    """Access-log lines with a 4xx/5xx status, and tracebacks/errors, from a uvicorn log."""
    found = []
    lines = logfile.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines):
        access = ACCESS_LINE.search(line)
        if access and int(access["status"]) >= 400:
            found.append(f"{access['status']} {access['method']} {access['path']}")
        elif line.startswith("ERROR") or line.startswith("Traceback"):
            found.append(" / ".join(lines[i : i + 3])[:400])
    return found


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def report(result: dict[str, Any], logs: dict[str, Path], timings: dict[str, float]) -> bool:
    ok = bool(result.get("checks")) and all(c["ok"] for c in result["checks"])
    lines = ["", "== Agent Chat UI against langgraph-sse =="]
    for c in result.get("checks", []):
        lines.append(
            f"{'PASS' if c['ok'] else 'FAIL'}  {c['name']} ({c['seconds']:.1f}s): {c['detail']}"
        )
    modes = sorted(
        {
            json.dumps(json.loads(r["body"]).get("stream_mode"))
            for r in result.get("apiRequests", [])
            if r.get("body") and r["url"].endswith("/runs/stream")
        }
    )
    if modes:
        lines.append(f"stream_mode the UI asked for: {', '.join(modes)}")
    sections = [
        ("browser console errors/warnings", result.get("console", []), "{phase}: {type}: {text}"),
        ("uncaught page errors", result.get("pageErrors", []), "{phase}: {text}"),
        ("failed requests", result.get("failedRequests", []), "{phase}: {method} {url}: {error}"),
        (
            "4xx/5xx seen by the browser",
            result.get("badResponses", []),
            "{phase}: {status} {method} {url}\n     sent: {request}\n     got:  {body}",
        ),
    ]
    for title, items, fmt in sections:
        lines.append(f"-- {title}: {len(items) or 'none'}")
        lines.extend("   " + fmt.format_map(_Missing(item)) for item in items)
    for name in ("example", "hitl"):
        found = server_errors(logs[name])
        lines.append(f"-- 4xx/5xx and errors in the {name} server's log: {len(found) or 'none'}")
        lines.extend("   " + f for f in found)
    if timings:
        lines.append("-- timings: " + ", ".join(f"{k} {v:.0f}s" for k, v in timings.items()))
    lines.append(f"-- screenshots, logs, result.json: {RUN_DIR}")
    lines.append("RESULT: " + ("PASS" if ok else "FAIL"))
    text = "\n".join(lines)
    print(text)
    (RUN_DIR / "report.txt").write_text(text + "\n")
    return ok


# --- main ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="redo npm install and next build")
    parser.add_argument("--api-port", type=int, default=int(os.environ.get("E2E_API_PORT", 2024)))
    parser.add_argument("--hitl-port", type=int, default=int(os.environ.get("E2E_HITL_PORT", 2025)))
    args = parser.parse_args(argv)

    src = find_source()
    if src is None or not src.exists():
        where = f"{src} does not exist" if src else "AGENT_CHAT_UI_SRC is not set"
        print(
            f"SKIP: Agent Chat UI e2e: {where} (clone https://github.com/langchain-ai/agent-chat-ui; see e2e/README.md)"
        )
        return 0

    try:
        for tool in ("node", "npm", "git"):
            if shutil.which(tool) is None:
                raise SetupError(f"{tool} is not on PATH")
        if not Path(CHROMIUM).exists():
            raise SetupError(
                f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM)"
            )
        for port in (UI_PORT, args.api_port, args.hitl_port):
            if not port_free(port):
                raise SetupError(
                    f"port {port} is taken (E2E_API_PORT / E2E_HITL_PORT pick the API ports)"
                )

        total = time.monotonic()
        api_url = f"http://127.0.0.1:{args.api_port}/lg"
        timings = prepare_ui(src, api_url, args.rebuild)
        prepare_runner()
        if RUN_DIR.exists():
            shutil.rmtree(RUN_DIR)
        RUN_DIR.mkdir(parents=True)

        sys.path.insert(0, str(REPO))
        from examples._model import REPLIES

        with servers(args.api_port, args.hitl_port) as logs:
            log("servers up; running the browser checks ...")
            started = time.monotonic()
            env = {
                **os.environ,
                "E2E_UI_URL": f"http://localhost:{UI_PORT}",
                "E2E_API_URL": api_url,
                "E2E_HITL_API_URL": f"http://127.0.0.1:{args.hitl_port}/lg",
                "E2E_REPLIES": json.dumps(list(REPLIES)),
                "E2E_OUT": str(RUN_DIR),
                "E2E_RUNNER_DIR": str(RUNNER_DIR),
                "CHROMIUM": CHROMIUM,
            }
            with (RUN_DIR / "browser.log").open("w") as out:
                try:
                    subprocess.run(
                        ["node", str(HERE / "agent_chat_ui.mjs")],
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        timeout=600,
                    )
                except subprocess.TimeoutExpired:
                    out.write("\n[e2e] the browser script ran for over 600s and was stopped\n")
            timings["browser checks"] = time.monotonic() - started
        timings["total"] = time.monotonic() - total
    except SetupError as err:
        print(f"ERROR: {err}", file=sys.stderr)
        return 2

    result_file = RUN_DIR / "result.json"
    if not result_file.is_file():
        print("ERROR: the browser script wrote no result:", file=sys.stderr)
        print((RUN_DIR / "browser.log").read_text()[-3000:], file=sys.stderr)
        return 1
    result = json.loads(result_file.read_text())
    return 0 if report(result, logs, timings) else 1


if __name__ == "__main__":
    sys.exit(main())
