#!/usr/bin/env python3
"""A small, hand-written mutation pass (stdlib only).

Each mutant is one small edit of one source file that a real bug could look like.
For each: write the mutated file, run the tests that cover its module (with a
per-run timeout), restore the file (always, even on Ctrl-C or SIGTERM), and record
whether the tests caught it and which test failed first.

    python scripts/mutate.py                  # every mutant
    python scripts/mutate.py --check          # only check each original text occurs once and the mutant compiles
    python scripts/mutate.py --only auth-03 broker-01   # some mutants
    python scripts/mutate.py --baseline       # run each suite unmutated first

Run from the repository root, with the Python that runs the tests:
    PYTHONPATH=$PWD/src:$PWD PYTEST=/path/to/.venv/bin/pytest python scripts/mutate.py
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = "src/langgraph_sse"
PYTEST = os.environ.get("PYTEST", str(Path(sys.executable).with_name("pytest")))
TIMEOUT = float(os.environ.get("MUTATE_TIMEOUT", "180"))

SEC = [
    "tests/protocols/native/test_security.py",
    "tests/protocols/native/test_attacks.py",
    "tests/core/test_service.py",
    "tests/core/test_claims_and_runs.py",
    "tests/security",
]
RUNS = ["tests/core", "tests/protocols/native/test_runs.py"]
BROKER = [
    "tests/system/test_broker.py",
    "tests/system/test_broker_claims.py",
    "tests/system/test_replicas.py",
]

# The tests run against each module's mutants: a focused subset that covers it.
SUITES: dict[str, list[str]] = {
    "security/auth.py": SEC,
    "security/ownership.py": SEC,
    "security/limits.py": SEC,
    # the cross-replica owner claim is decided in threads.py
    "core/threads.py": [*SEC, "tests/system/test_broker.py"],
    "core/service.py": [*SEC, "tests/protocols/native/test_runs.py", "tests/system/test_broker.py"],
    # time / byte limits and the before_done hook (thread freed in Redis) live in run.py
    "core/run.py": [
        *RUNS,
        "tests/protocols/native/test_security.py::test_a_run_over_its_time_limit_ends_with_a_timeout_error",
        "tests/protocols/native/test_attacks.py::test_a_run_past_its_bytes_is_stopped_with_a_too_large_error",
        "tests/system/test_broker.py",
    ],
    "core/manager.py": [
        *RUNS,
        "tests/protocols/native/test_attacks.py::test_runs_going_are_capped_per_principal_however_started",
        "tests/system/test_broker.py::test_finished_runs_expire_after_their_retention_here_and_in_redis",
    ],
    "core/broker.py": BROKER,
    "core/publisher.py": BROKER,  # the publisher of RedisBroker
    "core/redis_scripts.py": BROKER,  # the broker's Lua scripts
}
EXTRA = os.environ.get("MUTATE_EXTRA_TESTS")  # e.g. tests/mutants_extra.py: added to every suite


@dataclass(frozen=True)
class Mutant:
    id: str
    file: str  # under src/langgraph_sse
    original: str
    replacement: str
    description: str


M = Mutant
MUTANTS: list[Mutant] = [
    # -- security/auth.py ---------------------------------------------------------
    M("auth-02", "security/auth.py",
      "        if principal is None:\n            raise AuthError(\"Invalid API key\", challenge=challenge)\n",
      "",
      "api key: unknown key returns None instead of raising (generic 401, Bearer challenge)"),
    M("auth-03", "security/auth.py",
      "if scheme.lower() != \"bearer\" or not token.strip():",
      "if scheme.lower() != \"bearer\" and not token.strip():",
      "bearer: any scheme's token accepted (or -> and)"),
    M("auth-05", "security/auth.py",
      "        if principal is None:\n            raise AuthError(\"Invalid bearer token\")\n",
      "",
      "bearer: verifier's None not refused here (falls to the service's generic 401)"),
    M("auth-06", "security/auth.py",
      "options={\"require\": [\"exp\", principal_claim]}",
      "options={\"require\": []}",
      "JWT require list emptied"),
    M("auth-08", "security/auth.py",
      "                issuer=issuer,\n",
      "                issuer=None,\n",
      "JWT issuer not checked"),
    M("auth-10", "security/auth.py",
      "    if not allowed:\n        raise ValueError(\"jwt_verifier needs at least one algorithm\")\n",
      "",
      "jwt_verifier(algorithms=[]) no longer refused"),
    M("auth-11", "security/auth.py",
      "if hmac.compare_digest(sent, digest):",
      "if sent == digest:",
      "hmac.compare_digest replaced by == (equivalent for behaviour tests: timing only)"),
    # -- security/ownership.py ----------------------------------------------------
    M("own-01", "security/ownership.py",
      "        if owner is None:\n            return self.allow_unowned\n",
      "        if owner is None:\n            return True\n",
      "unowned threads open to everyone whatever allow_unowned says"),
    M("own-02", "security/ownership.py",
      "        return owner == principal.id\n",
      "        return True\n",
      "allows returns True"),
    M("own-03", "security/ownership.py",
      "metadata = {**(config.get(\"metadata\") or {}), self.metadata_key: principal.id}",
      "metadata = {self.metadata_key: principal.id, **(config.get(\"metadata\") or {})}",
      "stamp: client metadata can override the owner"),
    M("own-04", "security/ownership.py",
      "        return {**config, \"metadata\": metadata}\n",
      "        return config\n",
      "stamp: owner not written"),
    # -- security/limits.py -------------------------------------------------------
    M("lim-01", "security/limits.py",
      "if len(message) > self.max_message_chars:",
      "if len(message) >= self.max_message_chars:",
      "message at exactly max_message_chars refused (> -> >=)"),
    M("lim-02", "security/limits.py",
      "if self.cap is not None and self._open[key] >= self.cap:",
      "if self.cap is not None and self._open[key] > self.cap:",
      "stream cap off by one (>= -> >)"),
    M("lim-03", "security/limits.py",
      "        self._open[key] -= 1\n",
      "",
      "closing a stream does not decrement the count"),
    M("lim-05", "security/limits.py",
      "                or key.startswith(\"__\")\n",
      "",
      "configurable keys starting with __ no longer refused"),
    M("lim-06", "security/limits.py",
      "                key in NEVER_CONFIGURABLE\n                or ",
      "",
      "check_config: NEVER_CONFIGURABLE not checked (equivalent: __post_init__ keeps them out)"),
    M("lim-09", "security/limits.py",
      "    max_body_bytes: int = 1024 * 1024\n",
      "    max_body_bytes: int = 1024 * 1024 * 1024\n",
      "default body cap 1 GiB instead of 1 MiB"),
    M("lim-10", "security/limits.py",
      "    max_run_bytes: int | None = 64 * 1024 * 1024\n",
      "    max_run_bytes: int | None = None\n",
      "default run byte cap removed"),
    # -- core/threads.py ----------------------------------------------------------
    M("thr-01", "core/threads.py",
      "        if exists and not self.ownership.allows(principal, owner):\n            raise _not_found(thread_id)\n        return exists\n",
      "        return exists\n",
      "_exists (check_owner, claim): another principal's known thread no longer refused"),
    M("thr-02", "core/threads.py",
      "        elif not ownership.allows(principal, held[0]):\n            raise _not_found(thread_id)\n",
      "",
      "claim: a new thread claimed by someone else not refused"),
    M("thr-04", "core/threads.py",
      "        held[1] += 1\n",
      "",
      "claim: holder count not incremented (the first release frees it for all)"),
    M("thr-05", "core/threads.py",
      "            if await self._exists(thread_id, principal):\n                return release\n            if self.broker",
      "            if self.broker",
      "claim: no re-check of the record and checkpoints after taking the claim"),
    M("thr-06", "core/threads.py",
      "                if not ownership.allows(principal, owner):\n                    raise _not_found(thread_id)\n",
      "",
      "claim: owner recorded in Redis (other replica) ignored"),
    M("thr-07", "core/threads.py",
      "            config = self.ownership.stamp(config, principal)\n        return await self.graph.aupdate_state",
      "            pass\n        return await self.graph.aupdate_state",
      "write (update): owner stamp not written on the update's checkpoint"),
    # -- core/service.py ----------------------------------------------------------
    M("svc-01", "core/service.py",
      "if cap is not None and self.runs.active_of(owner) >= cap:",
      "if cap is not None and self.runs.active_of(owner) > cap:",
      "max_runs_per_principal off by one (>= -> >)"),
    M("svc-03", "core/service.py",
      "        if spec.thread_id is not None:\n            release = await",
      "        if spec.thread_id is None:\n            release = await",
      "named threads not claimed"),
    M("svc-04", "core/service.py",
      "            if release is not None:\n                release()\n            raise",
      "            raise",
      "claim not released when the run fails to start"),
    M("svc-05", "core/service.py",
      "            run.add_done_callback(lambda _: release())\n",
      "            pass\n",
      "claim not released when the run ends"),
    M("svc-06", "core/service.py",
      "        if principal is None:\n            raise AuthError(\"Not authenticated\")\n",
      "",
      "an auth returning None lets the request in"),
    M("svc-07", "core/service.py",
      "principal is None or self.ownership is None or self.ownership.allows(principal, owner)",
      "True",
      "_allows returns True (runs of others visible)"),
    M("svc-08", "core/service.py",
      "            config = self.ownership.stamp(config, principal)\n        return config",
      "            pass\n        return config",
      "run config: owner stamp not written"),
    M("svc-09", "core/service.py",
      "before_done = functools.partial(self.broker.release_thread, thread_id, run_id)",
      "before_done = None",
      "thread not freed in Redis before done"),
    M("svc-13", "core/service.py",
      "if run.finished and start >= run.events:",
      "if run.finished and start > run.events:",
      "join at the end of a finished local run streams nothing instead of None (>= -> >)"),
    M("svc-14", "core/service.py",
      "if last is not None and after >= last:",
      "if last is not None and after > last:",
      "join at the end of a finished remote run (>= -> >)"),
    # -- core/run.py --------------------------------------------------------------
    M("run-01", "core/run.py",
      "                    if budget < 0:\n",
      "                    if budget <= 0:\n",
      "run stopped at exactly max_bytes (< -> <=)"),
    M("run-02", "core/run.py",
      "                    budget -= len(frame)\n",
      "",
      "run bytes never counted"),
    M("run-04", "core/run.py",
      "                        await self._done_hook()\n",
      "                        self._done_hook()\n",
      "await removed: before_done not awaited before the done frame"),
    M("run-05", "core/run.py",
      "                await self._done_hook()\n                push(encode(DoneEvent(seq=count, status=\"cancelled\")), count)",
      "                push(encode(DoneEvent(seq=count, status=\"cancelled\")), count)",
      "cancelled run: before_done (thread release) not called before done"),
    M("run-06", "core/run.py",
      "        self._push(self._encode(ErrorEvent(seq=seq, error=error, message=message)), seq)\n        await self._done_hook()\n",
      "        self._push(self._encode(ErrorEvent(seq=seq, error=error, message=message)), seq)\n",
      "errored/timed-out run: before_done not called before done"),
    M("run-08", "core/run.py",
      "if seq < 0 or not self._seqs or seq > self._seqs[-1]:",
      "if seq < 0 or not self._seqs or seq >= self._seqs[-1]:",
      "resuming after the last event refused (> -> >=)"),
    # -- core/manager.py ----------------------------------------------------------
    M("mgr-02", "core/manager.py",
      "            if multitask == \"interrupt\":\n                previous.cancel()\n",
      "",
      "interrupt strategy does not cancel the active run"),
    M("mgr-03", "core/manager.py",
      "            wait_for = _after(previous.wait(), wait_for)\n",
      "",
      "a queued run does not wait for the active one"),
    M("mgr-04", "core/manager.py",
      "        self._active[owner] += 1\n",
      "",
      "active runs of an owner not counted"),
    M("mgr-05", "core/manager.py",
      "        self._active[run.owner] -= 1\n",
      "",
      "finished runs not uncounted"),
    M("mgr-06", "core/manager.py",
      "        if self._active[run.owner] <= 0:\n            del self._active[run.owner]\n",
      "",
      "zero counts never deleted (equivalent: memory only)"),
    M("mgr-07", "core/manager.py",
      "if run.thread_id is not None and self._latest.get(run.thread_id) is run:",
      "if run.thread_id is not None and run.thread_id in self._latest:",
      "a finished run frees its thread even when a newer run holds it"),
    M("mgr-08", "core/manager.py",
      "        asyncio.get_running_loop().call_later(self.retention, self._forget, run)\n",
      "",
      "finished runs never forgotten (retention ignored)"),
    # -- core/broker.py -----------------------------------------------------------
    M("brk-01", "core/publisher.py",
      "  # claimed just before this started\n        renew_at = loop.time() + self.lease / 3\n",
      "  # claimed just before this started\n        renew_at = loop.time() + self.lease * 3\n",
      "first claim renewal after 3 leases (lease / 3 -> lease * 3)"),
    M("brk-04", "core/publisher.py",
      "async with asyncio.timeout_at(renew_at):",
      "async with asyncio.timeout(None):",
      "publisher does not wake to renew while the graph is quiet"),
    M("brk-05", "core/redis_scripts.py",
      "if holder and holder ~= ARGV[1] then return holder end\n",
      "",
      "CLAIM: another run's claim not refused (was: SET without NX; always taken)"),
    M("brk-07", "core/broker.py",
      "        if multitask == \"reject\":\n            raise ThreadBusyError(thread_id, holder)\n",
      "",
      "across replicas, reject does not reject"),
    M("brk-08", "core/broker.py",
      "        if multitask == \"interrupt\":\n            await self._patiently(self.cancel, holder)\n",
      "",
      "across replicas, interrupt does not cancel the holder"),
    M("brk-09", "core/broker.py",
      "while await self._patiently(self.claim_thread, thread_id, run_id) is not None:",
      "if await self._patiently(self.claim_thread, thread_id, run_id) is not None:",
      "a queued run starts after one wait without holding the claim"),
    M("brk-10", "core/broker.py",
      "return owner if recorded is None else recorded.decode()",
      "return owner",
      "claim_owner answers the caller, not the owner recorded"),
    M("brk-12", "core/broker.py",
      "await self.redis.eval(DELETE_IF_HELD, 1, self._thread_key(thread_id), run_id)",
      "await self.redis.delete(self._thread_key(thread_id))",
      "release frees the thread whoever holds it"),
    M("brk-13", "core/redis_scripts.py",
      "if KEYS[4] and redis.call('get', KEYS[4]) == ARGV[5] then\n  redis.call('del', KEYS[4])\nend\n",
      "",
      "CLOSE: the publisher's final release of the thread removed"),
    M("brk-14", "core/redis_scripts.py",
      "redis.call('pexpire', KEYS[1], ARGV[4])\n",
      "",
      "CLOSE: run info never expires in Redis"),
    M("brk-15", "core/broker.py",
      "last = \"0-0\" if after is None else f\"{after}-1\"",
      "last = \"0-0\" if after is None else f\"{after}-0\"",
      "remote resume repeats the last event seen"),
    M("brk-17", "core/broker.py",
      "        self._ensure_listener()\n",
      "",
      "no cancel listener: remote cancels never reach the run"),
]


# -- running ------------------------------------------------------------------------

_current: tuple[Path, str] | None = None  # the file mutated now, and its original text


def _restore() -> None:
    global _current
    if _current is not None:
        path, text = _current
        path.write_text(text)
        _current = None


def _on_term(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def source(m: Mutant) -> Path:
    return ROOT / PKG / m.file


def check(m: Mutant) -> str:
    """The mutated text of `m`'s file; fails unless the original occurs exactly once."""
    text = source(m).read_text()
    n = text.count(m.original)
    assert n == 1, f"{m.id}: original text occurs {n} times in {m.file}"
    mutated = text.replace(m.original, m.replacement, 1)
    assert mutated != text
    compile(mutated, str(source(m)), "exec")
    return mutated


FAILED = re.compile(r"^(FAILED|ERROR) (\S+)", re.M)


def run_tests(tests: list[str]) -> tuple[bool, str, str, float]:
    """(passed, first failure or reason, output tail, seconds)."""
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "PYTHONDONTWRITEBYTECODE": "1",  # no stale .pyc of a mutant
    }
    cmd = [PYTEST, "-q", "-x", "-p", "no:cacheprovider", "-rfE", *tests]
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # pytest and the servers it started
        out, _ = proc.communicate()
        return False, f"TIMEOUT after {TIMEOUT:.0f} s", out[-3000:], time.monotonic() - started
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    seconds = time.monotonic() - started
    if proc.returncode == 0:
        return True, "", out[-3000:], seconds
    found = FAILED.search(out)
    if found:
        reason = found.group(2)
    elif "error" in out.lower() and "collect" in out.lower():
        reason = "collection error"
    else:
        reason = f"pytest exit {proc.returncode}"
    return False, reason, out[-3000:], seconds


def suite_of(m: Mutant) -> list[str]:
    tests = list(SUITES[m.file])
    if EXTRA:
        tests += EXTRA.split()
    return tests


def main() -> int:
    global _current
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--log", default=str(ROOT / "scripts" / "mutate.log"))
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _on_term)

    ids = [m.id for m in MUTANTS]
    assert len(ids) == len(set(ids)), "duplicate mutant ids"
    mutants = [m for m in MUTANTS if not args.only or m.id in args.only]
    for m in mutants:
        check(m)
    print(f"{len(mutants)} mutants, each original text found exactly once", flush=True)
    if args.check:
        return 0

    if args.baseline:
        for name, tests in SUITES.items():
            ok, why, tail, secs = run_tests(tests + (EXTRA.split() if EXTRA else []))
            print(f"baseline {name}: {'ok' if ok else 'FAILED ' + why} ({secs:.0f} s)", flush=True)
            if not ok:
                print(tail)
                return 1

    results = []
    log = open(args.log, "w")  # noqa: SIM115 (closed in the finally below)
    try:
        for m in mutants:
            path = source(m)
            original = path.read_text()
            mutated = check(m)
            try:
                _current = (path, original)
                path.write_text(mutated)
                ok, why, tail, secs = run_tests(suite_of(m))
            finally:
                _restore()
            assert path.read_text() == original
            killed = not ok
            results.append((m, killed, why, secs))
            status = f"killed by {why}" if killed else "SURVIVED"
            print(f"{m.id:8} {status} ({secs:.0f} s)", flush=True)
            log.write(f"===== {m.id} {m.file}: {m.description}\n{status}\n{tail}\n")
            log.flush()
    except KeyboardInterrupt:
        print("interrupted: file restored", file=sys.stderr)
    finally:
        _restore()
        log.close()

    print()
    print("| mutant | file | description | killed by | s |")
    print("|---|---|---|---|---|")
    for m, killed, why, secs in results:
        by = why if killed else "**SURVIVED**"
        print(f"| {m.id} | {m.file} | {m.description} | {by} | {secs:.0f} |")
    with open(ROOT / "scripts" / "mutate-results.json", "w") as out:
        json.dump(
            [
                {"id": m.id, "file": m.file, "original": m.original, "replacement": m.replacement,
                 "description": m.description, "killed": killed, "by": why, "seconds": round(secs, 1)}
                for m, killed, why, secs in results
            ],
            out,
            indent=1,
        )
    n_killed = sum(1 for _, killed, *_ in results if killed)
    timeouts = [m.id for m, killed, why, _ in results if why.startswith("TIMEOUT")]
    print()
    print(f"score: {n_killed}/{len(results)} killed"
          + (f" ({n_killed / len(results):.0%})" if results else ""))
    if timeouts:
        print(f"timeouts (counted as killed): {', '.join(timeouts)}")
    survivors = [m.id for m, killed, *_ in results if not killed]
    if survivors:
        print(f"survivors: {', '.join(survivors)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
