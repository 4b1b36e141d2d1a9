"""The simulated account's process: `python -m grader.sandbox.server HOME [PORT]`.

Started in the background by `grade sandbox start` (see `control`), as
`grader.grading.account_process`, which adds the course's gradings (`Extension`). It
loads moto with AWS's managed policies, gives the account its root user,
rebuilds what the record says happened, and serves on 127.0.0.1 only. Once
it answers, it writes `runtime.json` (pid, port, start time) beside the
record; on SIGTERM it finishes the request in hand and removes that file.

Besides AWS's API it answers a few control endpoints under `/_sandbox/`
(`control_endpoints`): its health, and, for `grade` only, root's keys, the
record's changes, a reset, the account's clock, its inbox and the record's calls.

For its whole life it holds an exclusive lock on `record.sqlite.lock` (its
pid written in it): a second process for the same record exits at once
with status 5 (`RECORD_IN_USE`) before it reads or writes anything.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import json
import os
import signal
import socket
import sqlite3
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.netguard import forbid_remote
from grader.paths import write_private
from grader.sandbox.history.record import RECORD_FILE

if TYPE_CHECKING:
    from grader.sandbox.account import Account
    from grader.sandbox.front_desk.app import SandboxApp
    from grader.sandbox.history.record import Record

RUNTIME_FILE = "runtime.json"
GRADER_TOKEN = "X-Grade-Token"  # the header that carries the grader's secret to `grade`'s endpoints
RECORD_LOCK = RECORD_FILE + ".lock"
RECORD_IN_USE = 5  # exit status: another live process serves this record
HOST = "127.0.0.1"


# What the process serving an account may add to it (`assemble`): given the account's
# application and `allowed(request)` (the request carries the grader's secret), it adds
# control endpoints. The gradings are one (`grader.grading.account_process`): the account itself
# knows nothing of grading.
Extension = Callable[["SandboxApp", Callable[[Any], bool]], None]


def build_app(folder: Path, extensions: Sequence[Extension] = ()) -> Any:
    """Everything but the socket: the account, rebuilt from its record."""
    from grader.sandbox.account import load_account
    from grader.sandbox.history.record import RECORD_FILE, Record

    account = load_account(folder)
    if account is None:
        raise SystemExit(f"no simulated account in {folder}")
    install_services()
    try:
        record = Record(folder / RECORD_FILE)
        record.count()
    except sqlite3.DatabaseError as error:
        print(f"the record {folder / RECORD_FILE} is damaged: {error}", file=sys.stderr)
        raise SystemExit(4) from None
    app = assemble(account, record, folder, extensions=extensions)
    # Only now, with every control endpoint in place: replaying sends the recorded
    # control requests (the console's, the clock's advances) to them too.
    if record.count() == 0:
        from grader.sandbox.history import checkpoints
        from grader.sandbox.history.bootstrap import first_history
        from grader.sandbox.start_over.mark import mark, take_pending

        first_history(app)
        replaced = take_pending(folder)  # a reset made while no process ran
        if replaced is not None:
            app.append(mark(replaced, app.clock.now(), account.region))
        checkpoints.mark(folder, checkpoints.OPENED, app.next_seq - 1)
    else:
        from grader.sandbox.history.replay import replay

        replay(app)
    return app


@functools.cache
def install_services() -> None:
    """What the simulated account adds to moto, once per process (whatever the account)."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "false")
    # No CORS headers: the console is same-origin, and no other site's page may
    # talk to the learner's account.
    os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"
    from grader.sandbox.services import registry

    registry.install()  # every registered service's (`grader.services.SERVICES`)


def assemble(account: Account, record: Record, folder: Path | None,
             moto: Any = None, extensions: Sequence[Extension] = ()) -> SandboxApp:
    """The account's application over `record`, its root user made, its control endpoints
    in place (and each of `extensions`'); the record not yet replayed. `folder`: where
    the account lives (None: an account rebuilt elsewhere, as an instructor's server does,
    with no `reset`). `moto`: moto's applications, kept from an account rebuilt before in
    this process (they hold no account's state, only each service's routes)."""
    from grader.sandbox.control_endpoints import install as install_control
    from grader.sandbox.front_desk.app import SandboxApp
    from grader.sandbox.history.bootstrap import open_account
    from grader.sandbox.services import registry

    os.environ["MOTO_ACCOUNT_ID"] = account.account_id
    app = SandboxApp(account, record)
    if moto is not None:
        app.moto = moto
    registry.attach(app)  # every registered service's part of the account
    open_account(app)
    allowed = install_control(app, folder)
    for extend in extensions:
        extend(app, allowed)
    return app


def port_refusal(port: int) -> str | None:
    """Why `port` on 127.0.0.1 cannot be listened on now (None when it can)."""
    with socket.socket() as probe:
        # As a server does: connections of the last run waiting out TIME_WAIT must not
        # make the port look taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            return str(error.strerror)
    return None


def _check_free(port: int) -> None:
    """Exit with status 3 when `port` is taken (before the slow start-up)."""
    refusal = port_refusal(port)
    if refusal is not None:
        print(f"port {port} cannot be used: {refusal}", file=sys.stderr)
        raise SystemExit(3)


def _hold_record(folder: Path) -> int:
    """Lock the record for this process's life (the lock goes with it); exit with
    RECORD_IN_USE, the record untouched, when another live process holds it."""
    try:
        fd = os.open(folder / RECORD_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        print(f"cannot lock the record in {folder}: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        print(f"another process serves the record in {folder}: not starting", file=sys.stderr)
        raise SystemExit(RECORD_IN_USE) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def serve(folder: Path, port: int, extensions: Sequence[Extension] = ()) -> None:
    from werkzeug.serving import make_server

    lock = _hold_record(folder)
    forbid_remote()
    if port:
        _check_free(port)
    app = build_app(folder, extensions)
    server = make_server(HOST, port, app, threaded=True)
    app.endpoint = f"http://{HOST}:{server.server_port}"
    runtime = folder / RUNTIME_FILE

    def stop(*_: Any) -> None:
        server._BaseServer__shutdown_request = True  # type: ignore[attr-defined]

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    write_private(runtime, json.dumps({
        "pid": os.getpid(),
        "port": server.server_port,
        "endpoint": f"http://{HOST}:{server.server_port}",
        "startedAt": dt.datetime.now(dt.UTC).isoformat(),
    }) + "\n")
    for task in app.once_listening:
        threading.Thread(target=task, name=task.__name__, daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
        app.record.close()
        runtime.unlink(missing_ok=True)
        os.ftruncate(lock, 0)  # no pid of a gone process left behind
        os.close(lock)


def main(argv: list[str] | None = None, extensions: Sequence[Extension] = ()) -> None:
    """`HOME [PORT]`: serve the account in HOME (with `extensions`) until stopped."""
    from grader.startup import skip_unused_imports

    skip_unused_imports(account=True)
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0])
    port = int(args[1]) if len(args) > 1 else 0
    serve(folder, port, extensions)


if __name__ == "__main__":
    main()
