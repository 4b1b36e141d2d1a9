"""`grade sandbox start|stop|status|reset|env|advance`: the simulated account, from outside.

The account runs as a background process (`server`). This module starts it
and waits until it answers, finds it again from `runtime.json`, stops it,
and resets it (the record of the old account is kept under `archive/`). It
also reads the account's clock and moves it forward (`account_time`,
`advance`; what that clock is: `clock`).

Starting, stopping, resetting and rewinding hold `control.lock` (an flock on
a file in the sandbox folder) from the moment they look for the process to
the moment it answers or is gone: two `grade sandbox start` at once make one
process, the second finds it running. The process itself also refuses to
serve a record another live process serves (`server.RECORD_LOCK`).

Every request to the account goes to 127.0.0.1 and never through a proxy
(`loopback_open`), whatever HTTP_PROXY and the like say: the requests carry
the grader's secret and the learner's passwords.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPResponse
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
from grader.sandbox.clock import ADVANCE_PATH
from grader.sandbox.record import RECORD_FILE
from grader.sandbox.server import GRADER_TOKEN, RECORD_IN_USE, RECORD_LOCK, RUNTIME_FILE

LOG_FILE = "server.log"
PORT_FILE = "port"
CONTROL_LOCK = "control.lock"
START_TIMEOUT = 60.0
# The program `start` runs: the account served with what the course composes above it
# (its gradings: `grader.account_process`). Named, not imported: the account knows
# nothing of grading. (`python -m grader.sandbox.server` serves the account alone.)
ACCOUNT_PROCESS = "grader.account_process"
# Long enough for another `grade` to start (or stop, then start) the account.
LOCK_TIMEOUT = 3 * START_TIMEOUT

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


# No ProxyHandler from the environment: the simulated account is on this machine.
_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def loopback_open(request: urllib.request.Request, timeout: float) -> HTTPResponse:
    """`urlopen` for the simulated account: straight to it, never through a proxy."""
    answer: HTTPResponse = _LOOPBACK.open(request, timeout=timeout)
    return answer


def _get(endpoint: str, path: str, token: str | None = None, timeout: float = 2.0) -> Any:
    request = urllib.request.Request(endpoint + path)
    if token:
        request.add_header(GRADER_TOKEN, token)
    with loopback_open(request, timeout=timeout) as answer:
        return json.loads(answer.read())


def post(endpoint: str, path: str, token: str, payload: dict[str, Any],
          timeout: float = 10.0) -> Any:
    """POST `payload` as JSON to a control endpoint; a 4xx's JSON answer is a `GradeError`."""
    request = urllib.request.Request(
        endpoint + path, data=json.dumps(payload).encode(), method="POST",
        headers={"Content-Type": "application/json", GRADER_TOKEN: token})
    try:
        with loopback_open(request, timeout=timeout) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        raise refusal(error) from None
    except OSError as error:
        raise GradeError(f"The simulated account did not answer: {error}.",
                         "Check it with `grade sandbox status`.") from None


def refusal(error: urllib.error.HTTPError) -> GradeError:
    """A control endpoint's 4xx or 5xx: its JSON `error` and `fix`, as a GradeError."""
    try:
        refusal = json.loads(error.read() or b"{}")
    except ValueError:
        refusal = {}
    if not isinstance(refusal, dict):
        refusal = {}
    return GradeError(
        str(refusal.get("error") or f"The simulated account refused: {error.code}."),
        str(refusal.get("fix") or ""))


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold the account folder's control lock: one start, stop, reset or rewind at a time
    (`rebuilds` holds it too)."""
    fd = os.open(folder / CONTROL_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise GradeError(
                        "Another `grade` command has been starting or stopping the simulated "
                        f"account for {LOCK_TIMEOUT:.0f} s.",
                        "Wait for it to finish (or stop it), then try again.") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # releases the lock


class RecordInUse(GradeError):
    """Another live process serves this account's record."""


def _record_in_use(folder: Path) -> RecordInUse:
    try:
        holder = (folder / RECORD_LOCK).read_text(encoding="utf-8").strip()
    except OSError:
        holder = ""
    who = f" (pid {holder})" if holder.isdigit() else ""
    kill = f"`kill {holder}`" if holder.isdigit() else "end it"
    return RecordInUse(
        f"Another simulated account process{who} is using this record "
        f"({folder / RECORD_FILE}); two must never write one record.",
        f"Run `grade sandbox stop`, then try again; if it says the account was not running, "
        f"{kill} (it was not started by this `grade`, or lost its runtime.json).")


@contextlib.contextmanager
def record_untouched_by_others(folder: Path) -> Iterator[None]:
    """Hold the record's lock, as a serving process would, while this one changes it."""
    fd = os.open(folder / RECORD_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _record_in_use(folder) from None
        yield
    finally:
        os.close(fd)


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
        health = _get(runtime["endpoint"], "/_sandbox/health")
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
        return _record_in_use(log_path.parent)
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


def credentials(running: Running) -> dict[str, Any]:
    """The account's `/_sandbox/credentials` answer: root's keys, and what profiles name."""
    answer: dict[str, Any] = _get(running.endpoint, "/_sandbox/credentials",
                                  running.account.grader_secret)
    return answer


def environment(running: Running, answer: dict[str, Any] | None = None) -> dict[str, str]:
    """The variables that point the AWS CLI and boto3 at the account, as root (`answer`:
    the `credentials` already read, if they were)."""
    answer = answer if answer is not None else credentials(running)
    keys = answer.get("rootAccessKeys", [])
    active = [k for k in keys if k["status"] == "Active"] or keys
    env = {"AWS_ENDPOINT_URL": running.endpoint, "AWS_DEFAULT_REGION": running.account.region}
    if active:
        env["AWS_ACCESS_KEY_ID"] = active[0]["accessKeyId"]
        env["AWS_SECRET_ACCESS_KEY"] = active[0]["secretAccessKey"]
    return env


@dataclass(frozen=True)
class Names:
    """What a learner's AWS CLI profile may name, as the account has it now."""

    user_keys: frozenset[str]  # the ids of IAM users' active access keys
    roles: frozenset[str]  # role ARNs
    mfa_devices: frozenset[str]  # the serial numbers of IAM users' MFA devices


def names(answer: dict[str, Any]) -> Names:
    """What profiles may name, from the account's `credentials` answer."""
    return Names(frozenset(answer.get("userAccessKeys", [])), frozenset(answer.get("roles", [])),
                 frozenset(answer.get("mfaDevices", [])))


@dataclass(frozen=True)
class AccountTime:
    """The simulated account's clock, read once."""

    now: dt.datetime  # the account's time (UTC)
    ahead: dt.timedelta  # how far it is ahead of this machine's clock (0: not advanced)


def _account_time(answer: dict[str, Any]) -> AccountTime:
    return AccountTime(dt.datetime.fromisoformat(str(answer["accountTime"])),
                       dt.timedelta(seconds=float(answer["offsetSeconds"])))


def account_time(running: Running) -> AccountTime:
    """The account's time now."""
    try:
        answer = _get(running.endpoint, f"/_sandbox/{ADVANCE_PATH}", running.account.grader_secret,
                      timeout=10.0)
    except urllib.error.HTTPError as error:  # a process of a `grade` from before the clock
        raise GradeError(f"The simulated account does not tell its time ({error.code}).",
                         "Restart it: `grade sandbox stop`, then `grade sandbox start`.") \
            from None
    return _account_time(answer)


def inbox(running: Running) -> list[dict[str, Any]]:
    """The e-mails SNS sent from the account (its e-mail subscriptions), oldest first."""
    try:
        answer = _get(running.endpoint, "/_sandbox/inbox", running.account.grader_secret,
                      timeout=10.0)
    except urllib.error.HTTPError as error:  # a process of a `grade` from before the inbox
        raise GradeError(f"The simulated account has no inbox ({error.code}).",
                         "Restart it: `grade sandbox stop`, then `grade sandbox start`.") \
            from None
    return list(answer["mails"])


def advance(running: Running, by: dt.timedelta) -> AccountTime:
    """Move the account's clock forward by `by` (recorded in its record, like any change);
    `GradeError` with the account's reason when it refuses the duration."""
    answer = post(running.endpoint, f"/_sandbox/{ADVANCE_PATH}", running.account.grader_secret,
                   {"seconds": by.total_seconds()})
    return _account_time(answer)


def events(running: Running, after: int = -1, wait: float = 0.0) -> int:
    """How many events the account's record holds; with `wait`, waits until more than `after`."""
    return changes(running, after, wait).events


@dataclass(frozen=True)
class Change:
    """The account's record as `changes` saw it."""

    events: int  # how many events it holds
    generation: str  # which life of the account: a restart or a reset makes a new one


def changes(running: Running, after: int = -1, wait: float = 0.0,
            generation: str | None = None) -> Change:
    """The account's record now; with `wait`, once it holds more than `after` events or
    the account is no longer `generation` (or after `wait` seconds). OSError: the
    account did not answer."""
    query = urllib.parse.urlencode({"after": after, "wait": wait,
                                    **({"generation": generation} if generation else {})})
    answer = _get(running.endpoint, f"/_sandbox/changes?{query}",
                  running.account.grader_secret, timeout=wait + 5.0)
    # An account started by an older `grade` has no generation: its process is its life.
    return Change(int(answer["events"]), str(answer.get("generation", running.pid)))


class NotAnswering(GradeError):
    """The simulated account did not answer (it stopped, or is restarting)."""


def grader_environment(running: Running) -> dict[str, str]:
    """The grader's own credentials: not the learner's, not an IAM key."""
    return {
        "endpoint": running.endpoint,
        "region": running.account.region,
        "access_key_id": running.account.grader_key_id,
        "secret_access_key": running.account.grader_secret,
    }


__all__ = [
    "NOT_RUNNING", "AccountTime", "Change", "NotAnswering", "RecordInUse", "Running",
    "account_time", "advance", "changes", "credentials", "environment", "events",
    "exclusive", "find", "grader_environment", "loopback_open", "names", "post",
    "record_untouched_by_others", "refusal", "require", "start", "start_locked", "stop",
    "stop_locked",
]
