"""Starting, finding and stopping the simulated account's process.

The account runs as a background process (`grader.sandbox.server`, composed with
the course's gradings by `grader.grading.account_process`). `start` starts it and waits
until it answers, `find` finds it again from `runtime.json`, `stop` stops it; each
holds the control lock (`locks.exclusive`).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import GradeError
from grader.paths import sandbox_dir, write_private
from grader.sandbox.account import (
    Account,
    load_account,
    new_account,
    save_account,
)
from grader.sandbox.control.calls import get
from grader.sandbox.control.locks import exclusive, record_in_use
from grader.sandbox.history.record import RECORD_FILE
from grader.sandbox.server import RECORD_IN_USE, RUNTIME_FILE

LOG_FILE = "server.log"
PORT_FILE = "port"
START_TIMEOUT = 60.0
# The program `start` runs: the account served with what the course composes above it
# (its gradings: `grader.grading.account_process`). Named, not imported: the account knows
# nothing of grading. (`python -m grader.sandbox.server` serves the account alone.)
ACCOUNT_PROCESS = "grader.grading.account_process"

NOT_RUNNING = GradeError(
    "The simulated AWS account is not running.",
    "Start it with `grade sandbox start`.",
)


@dataclass(frozen=True)
class Running:
    """A simulated account that answers."""

    pid: int
    port: int
    endpoint: str
    started_at: str
    account: Account


def alive(pid: int) -> bool:
    """Whether process `pid` exists (another user's counts: signalling it is refused)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _runtime(folder: Path) -> dict[str, Any] | None:
    path = folder / RUNTIME_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pid, endpoint = int(data["pid"]), str(data["endpoint"])
        if not endpoint.startswith("http://127.0.0.1:"):
            raise ValueError("not a loopback endpoint")
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError):
        path.unlink(missing_ok=True)  # a damaged run file: the process is found anew
        return None
    if not alive(pid):
        path.unlink(missing_ok=True)
        return None
    data["pid"] = pid
    return dict(data)


def find(folder: Path | None = None) -> Running | None:
    """The running simulated account, None when there is none."""
    folder = folder or sandbox_dir()
    runtime = _runtime(folder)
    if runtime is None:
        return None
    account = load_account(folder)
    if account is None:
        return None
    try:
        health = get(runtime["endpoint"], "/_sandbox/health")
    except (OSError, ValueError):
        return None
    if health.get("accountId") != account.account_id:
        return None
    return Running(runtime["pid"], int(runtime["port"]), runtime["endpoint"],
                   str(health.get("startedAt", runtime.get("startedAt"))), account)


def require(folder: Path | None = None) -> Running:
    running = find(folder)
    if running is None:
        raise NOT_RUNNING
    return running


def start(port: int = 0, folder: Path | None = None) -> tuple[Running, bool]:
    """Start the account unless it runs; returns it and whether it was started now.

    Without a port, the account comes back on the port it had last time when
    that port is free, so that a learner's `AWS_ENDPOINT_URL` stays right.
    """
    folder = folder or sandbox_dir()
    if port and not 1 <= port <= 65535:
        raise GradeError(f"Port {port} is not a port number.", "Choose one from 1024 to 65535.")
    with exclusive(folder):
        return start_locked(port, folder)


def start_locked(port: int, folder: Path) -> tuple[Running, bool]:
    """`start`, the control lock held."""
    running = find(folder)
    if running is not None:
        return running, False
    if not port:
        last = _last_port(folder)
        if last:
            try:
                return _spawn(last, folder), True
            except PortTaken:
                pass
    return _spawn(port, folder), True


class PortTaken(GradeError):
    """The port asked for is used by another program."""


def _last_port(folder: Path) -> int:
    try:
        return int((folder / PORT_FILE).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return 0


def _spawn(port: int, folder: Path) -> Running:
    account = load_account(folder)
    if account is None:
        account = new_account()
        save_account(folder, account)
    (folder / RUNTIME_FILE).unlink(missing_ok=True)
    log_path = folder / LOG_FILE
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    env = dict(os.environ)
    env.pop("MOTO_ACCOUNT_ID", None)
    process = subprocess.Popen(
        [sys.executable, "-m", ACCOUNT_PROCESS, str(folder), str(port)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, env=env,
    )
    os.close(log)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        code = process.poll()
        if code is not None:
            raise _start_failure(code, port, log_path)
        runtime = _runtime(folder)
        if runtime is not None and runtime["pid"] == process.pid:
            found = find(folder)
            if found is not None:
                write_private(folder / PORT_FILE, f"{found.port}\n")
                return found
        time.sleep(0.02)
    process.kill()
    raise GradeError(
        f"The simulated account did not answer within {START_TIMEOUT:.0f} s.",
        f"See {log_path} for why, then run `grade sandbox start` again.",
    )


def _start_failure(code: int, port: int, log_path: Path) -> GradeError:
    if code == RECORD_IN_USE:
        return record_in_use(log_path.parent)
    if code == 3:
        return PortTaken(
            f"Port {port} is already in use on 127.0.0.1.",
            "Run `grade sandbox start` without --port to pick a free one, or choose another.",
        )
    if code == 4:
        return GradeError(
            f"The simulated account's record {log_path.parent / RECORD_FILE} is damaged.",
            "Run `grade sandbox reset` to start a fresh account (the damaged record is kept "
            "under archive/; your progress is kept).",
        )
    lines = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    last = lines[-1] if lines else "no reason given"
    return GradeError(
        f"The simulated account stopped while starting: {last}",
        f"See {log_path}; `grade sandbox reset` starts a fresh account if its files are damaged.",
    )


def stop(folder: Path | None = None) -> bool:
    """Stop the account; False if it was not running."""
    folder = folder or sandbox_dir()
    with exclusive(folder):
        return stop_locked(folder)


def stop_locked(folder: Path) -> bool:
    """`stop`, the control lock held."""
    runtime = _runtime(folder)
    if runtime is None:
        return False
    pid = runtime["pid"]
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
        _reap(pid)
    if alive(pid):
        os.kill(pid, signal.SIGKILL)
        _reap(pid)
    (folder / RUNTIME_FILE).unlink(missing_ok=True)
    return True


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
