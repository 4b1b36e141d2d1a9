"""The simulated account's process: `python -m grader.sandbox.server HOME [PORT]`.

Started in the background by `grade sandbox start` (see `control`), as
`grader.account_process`, which adds the course's gradings (`Extension`). It
loads moto with AWS's managed policies, gives the account its root user,
rebuilds what the record says happened, and serves on 127.0.0.1 only. Once
it answers, it writes `runtime.json` (pid, port, start time) beside the
record; on SIGTERM it finishes the request in hand and removes that file.

Besides AWS's API it answers a few control endpoints under `/_sandbox/`:
`health` (for anyone on this machine: whether it runs, and the account's
time), and, for `grade` only (the grader's secret in `X-Grade-Token`),
`credentials` (root's keys, for `grade sandbox env`), `changes` (a long
poll, for `grade watch`), `clock` (the account's time; POST moves it
forward: `grade sandbox advance`), `inbox` (the e-mails SNS sent:
`grade sandbox inbox`) and `requests` (the record's calls of some operations, for
the checks: `grader.checks.recorded`).

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
from grader.sandbox.clock import ADVANCE_PATH, BadDuration, check
from grader.sandbox.record import RECORD_FILE
from grader.sandbox.start_over import START_OVER_PATH

if TYPE_CHECKING:
    from grader.sandbox.account import Account
    from grader.sandbox.app import SandboxApp
    from grader.sandbox.record import Record

RUNTIME_FILE = "runtime.json"
GRADER_TOKEN = "X-Grade-Token"  # the header that carries the grader's secret to `grade`'s endpoints
RECORD_LOCK = RECORD_FILE + ".lock"
RECORD_IN_USE = 5  # exit status: another live process serves this record
HOST = "127.0.0.1"


# What the process serving an account may add to it (`assemble`): given the account's
# application and `allowed(request)` (the request carries the grader's secret), it adds
# control endpoints. The gradings are one (`grader.account_process`): the account itself
# knows nothing of grading.
Extension = Callable[["SandboxApp", Callable[[Any], bool]], None]


def build_app(folder: Path, extensions: Sequence[Extension] = ()) -> Any:
    """Everything but the socket: the account, rebuilt from its record."""
    from grader.sandbox.account import load_account
    from grader.sandbox.record import RECORD_FILE, Record

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
        from grader.sandbox import checkpoints
        from grader.sandbox.bootstrap import first_history
        from grader.sandbox.start_over import mark, take_pending

        first_history(app)
        replaced = take_pending(folder)  # a reset made while no process ran
        if replaced is not None:
            app.append(mark(replaced, app.clock.now(), account.region))
        checkpoints.mark(folder, checkpoints.OPENED, app.next_seq - 1)
    else:
        from grader.sandbox.replay import replay

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
    from grader.sandbox import registry

    registry.install()  # every registered service's (`grader.services.SERVICES`)


def assemble(account: Account, record: Record, folder: Path | None,
             moto: Any = None, extensions: Sequence[Extension] = ()) -> SandboxApp:
    """The account's application over `record`, its root user made, its control endpoints
    in place (and each of `extensions`'); the record not yet replayed. `folder`: where
    the account lives (None: an account rebuilt elsewhere, as an instructor's server does,
    with no `reset`). `moto`: moto's applications, kept from an account rebuilt before in
    this process (they hold no account's state, only each service's routes)."""
    from grader.sandbox import registry
    from grader.sandbox.app import SandboxApp
    from grader.sandbox.bootstrap import open_account

    os.environ["MOTO_ACCOUNT_ID"] = account.account_id
    app = SandboxApp(account, record)
    if moto is not None:
        app.moto = moto
    registry.attach(app)  # every registered service's part of the account
    open_account(app)
    allowed = _install_control(app, folder)
    for extend in extensions:
        extend(app, allowed)
    return app


def _install_control(app: SandboxApp, folder: Path | None) -> Callable[[Any], bool]:
    """The control endpoints under `/_sandbox/`; returns whether a request comes from
    `grade` (it carries the grader's secret)."""
    from grader.sandbox.app import _iam, json_response
    from grader.sandbox.fresh_start import start_over
    from grader.sandbox.iam.models import root_of
    from grader.sandbox.sns.models import inbox_of

    account = app.account

    def health(_request: Any, _body: bytes) -> Any:
        return json_response({
            "status": "running",
            "accountId": account.account_id,
            "startedAt": app.started_at.isoformat(),
            "pid": os.getpid(),
            "events": app.next_seq - 1,
            "accountTime": app.clock.now().isoformat(),
        })

    def allowed(request: Any) -> bool:
        """Whether `request` comes from `grade` (it carries the grader's secret)."""
        return bool(request.headers.get(GRADER_TOKEN) == account.grader_secret)

    def credentials(request: Any, _body: bytes) -> Any:
        """Root's access keys with their secrets, and the ids of what the learner's AWS CLI
        profiles may name (users' active keys, roles, users' MFA devices): for `grade
        sandbox env` only."""
        if not allowed(request):
            return json_response({"error": "not allowed"}, 403)
        iam = _iam(account.account_id)
        root_user = root_of(iam)
        keys = root_user.access_keys if root_user else []
        return json_response({
            "rootAccessKeys": [{"accessKeyId": k.access_key_id,
                                "secretAccessKey": k.secret_access_key, "status": k.status}
                               for k in keys],
            # What the learner's AWS CLI profiles may name, as it is now (no secrets).
            "userAccessKeys": sorted(k.access_key_id for u in iam.users.values()
                                     for k in u.access_keys if k.status == "Active"),
            "roles": sorted(r.arn for r in iam.roles.values()),
            "mfaDevices": sorted(serial for u in iam.users.values() for serial in u.mfa_devices),
        })

    def changes(request: Any, _body: bytes) -> Any:
        """`?after=N&wait=S[&generation=G]`: answers once the record holds more than N events,
        or once the account is no longer generation G (started over), or after S s, so that
        `grade watch` re-grades as soon as the learner changes something (an advance of the
        account's clock is a change: it is in the record)."""
        if not allowed(request):
            return json_response({"error": "not allowed"}, 403)
        try:
            after = int(request.args.get("after", "0"))
            wait = min(max(float(request.args.get("wait", "0")), 0.0), 60.0)
        except ValueError:
            return json_response({"error": "after and wait must be numbers"}, 400)
        events, generation = app.wait_for_change(after, wait, request.args.get("generation"))
        return json_response({"events": events, "generation": generation})

    def reset(request: Any, _body: bytes) -> Any:
        """Start the account over in this process (`grade sandbox reset`)."""
        if not allowed(request) or request.method != "POST" or folder is None:
            return json_response({"error": "not allowed"}, 403)
        archive = start_over(app, folder)
        return json_response({"events": app.next_seq - 1, "archive": archive.name})

    def clock(request: Any, body: bytes, _at: Any = None, replaying: bool = False) -> Any:
        """GET: the account's time. POST `{"seconds": N}`: move it forward by N seconds
        (`grade sandbox advance`), recorded; replaying the record applies it again."""
        if replaying:
            app.clock.replay(_advance_of(body))
            return json_response({})
        if not allowed(request):
            return json_response({"error": "not allowed"}, 403)
        if request.method == "POST":
            try:
                app.advance_clock(_advance_of(body), request, body)
            except BadDuration as refused:
                return json_response({"error": refused.reason, "fix": refused.fix}, 400)
        elif request.method != "GET":
            return json_response({"error": "GET reads the account's time, POST advances it"},
                                 405)
        return json_response({"accountTime": app.clock.now().isoformat(),
                              "offsetSeconds": app.clock.offset.total_seconds()})

    def inbox(request: Any, _body: bytes) -> Any:
        """The e-mails SNS sent from the account (`grade sandbox inbox`)."""
        if not allowed(request):
            return json_response({"error": "not allowed"}, 403)
        return json_response({"mails": [mail.shown() for mail in inbox_of(account.account_id)]})

    def started_over(_request: Any, _body: bytes, _at: Any = None,
                     replaying: bool = False) -> Any:
        """The mark of a start over (`start_over`): made by `grade`, never asked for over
        HTTP; replaying the record (or judging it again) has nothing to do for it."""
        if replaying:
            return json_response({})
        return json_response({"error": "not allowed"}, 403)

    app.control[START_OVER_PATH] = started_over

    def requests(request: Any, _body: bytes) -> Any:
        """`?operation=GetObject&operation=ListPublicKeys`: the record's calls of those
        operations, oldest first, without the requests themselves. S3's object reads are
        among them, which CloudTrail's event history leaves out (data events): the one
        trace of a step like validating a trail's logs (`grader.checks.recorded`)."""
        if not allowed(request):
            return json_response({"error": "not allowed"}, 403)
        return json_response({"requests": recorded_calls(
            app.record, request.args.getlist("operation"))})

    app.control["health"] = health
    app.control["inbox"] = inbox
    app.control["requests"] = requests
    app.control["credentials"] = credentials
    app.control["reset"] = reset
    app.control["changes"] = changes
    app.control[ADVANCE_PATH] = clock
    app.control_unlocked.add("changes")
    return allowed


def recorded_calls(record: Record, operations: list[str]) -> list[dict[str, Any]]:
    """The calls of `operations` in `record`, oldest first, each as the record keeps it
    (who, when, what, with which parameters, and how it ended)."""
    if not operations:
        return []
    marks = ",".join("?" for _ in operations)
    return [{"time": event.event_time, "identityType": event.identity_type,
             "principalArn": event.principal_arn, "service": event.service,
             "operation": event.operation, "region": event.region,
             "parameters": event.parameters, "status": event.status,
             "errorCode": event.error_code, "userAgent": event.user_agent}
            for event in record.events(f"operation IN ({marks})", tuple(operations),
                                       without_request=True)]


def _advance_of(body: bytes) -> dt.timedelta:
    """The duration a POST to `clock` asks for: `{"seconds": N}`; `BadDuration` otherwise."""
    try:
        seconds = json.loads(body)["seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise TypeError(seconds)
        by = dt.timedelta(seconds=seconds)
    except (ValueError, KeyError, TypeError, OverflowError):
        raise BadDuration("The request does not say by how many seconds to advance.",
                          'Send {"seconds": N}, N a positive number.') from None
    check(by)
    return by


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
