"""A learner's simulated account, rebuilt from their record inside another process.

An instructor's server re-grades what learners send (`grader.server.regrade`):
it rebuilds each learner's account from the record they sent, in its own
process, one account after another, without a server or a socket per
account. moto keeps accounts apart by account id, so rebuilding one is:
forget every account this process held (`forget_accounts`), store the sent
events in a fresh record (their chain links checked as they are stored),
open the account from its identity (same seed: same root key, same ids), and
judge every event again as it is replayed (`replay.judged_replay`: what did
not happen as recorded is reported, and taken out of the rebuilt record, so that
the checks do not believe it either).

The checks then read the rebuilt account exactly as they read a learner's:
through botocore clients signed with this process's grader key (`grader_key`),
whose requests go to the account's application in this process
(`route_in_process`) rather than over HTTP. The account's clock stands still
at the moment of the learner's grading (`StoppedClock`), so a re-grade made an
hour or a month later sees the account as the learner's grading did.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from grader.sandbox.account import Account
from grader.sandbox.clock import AccountClock

# Where the rebuilt account's clients send their requests: never contacted, the
# requests are answered in this process (`route_in_process`).
IN_PROCESS_ENDPOINT = "http://127.0.0.1:9"
StoredEvents = Iterable[tuple[int, tuple[Any, ...], str]]


class StoppedClock(AccountClock):
    """An account's clock stopped at a moment of this machine's clock (plus its offset)."""

    def __init__(self, machine_now: dt.datetime) -> None:
        super().__init__()
        self.machine_now = machine_now

    def now(self) -> dt.datetime:
        return self.machine_now + self.offset


@dataclass
class Rebuilt:
    """A rebuilt account: its application, and what in its record did not hold."""

    app: Any  # SandboxApp
    problems: list[str]


def identity(sent: dict[str, Any]) -> Account:
    """The learner's account identity as a submission carries it, with this process's
    grader key (the learner's grader key is never sent)."""
    key_id, secret = grader_key()
    return Account(
        account_id=str(sent["accountId"]), root_email=str(sent["rootEmail"]),
        root_password=str(sent["rootPassword"]), seed=int(sent["seed"]),
        opened_at=str(sent["openedAt"]), region=str(sent["region"]),
        grader_key_id=key_id, grader_secret=secret,
    )


@functools.cache
def grader_key() -> tuple[str, str]:
    """This process's grader key (id, secret): the same for every account it rebuilds,
    so that the checks' clients are made once (`grader.server.regrade.reader`)."""
    alphabet = string.ascii_letters + string.digits
    upper = string.ascii_uppercase + "234567"
    return ("AKIAGRADER" + "".join(secrets.choice(upper) for _ in range(10)),
            "".join(secrets.choice(alphabet) for _ in range(40)))


def rebuild(account: Account, events: StoredEvents, folder: Path,
            graded_at: dt.datetime) -> Rebuilt:
    """The account rebuilt in this process from `events` (seq, stored columns, link),
    its record kept in `folder`; ValueError when the events do not chain."""
    from grader.sandbox.record import RECORD_FILE, Record
    from grader.sandbox.replay import judged_replay
    from grader.sandbox.server import assemble, install_services

    install_services()
    forget_accounts()
    record = Record(folder / RECORD_FILE)
    record.append_stored(events)
    app = assemble(account, record, None, _SHARED.get("moto"))
    _SHARED["moto"] = app.moto
    app.clock = StoppedClock(graded_at)
    app.endpoint = IN_PROCESS_ENDPOINT
    judged = judged_replay(app)
    record.drop(judged.untrue)  # what did not happen is not in the account's record
    return Rebuilt(app, judged.problems)


def forget_accounts() -> None:
    """Forget every account this process holds (moto's state and ours)."""
    from moto.core.base_backend import BackendDict, backend_lock
    from moto.core.model_instances import reset_model_data
    from moto.s3.models import s3_backends

    from grader.sandbox.billing.bill import BILLS
    from grader.sandbox.sns.models import SENT_BY_OTHERS

    with backend_lock:  # dropped, not reset: moto's reset would make each backend again
        for backends in BackendDict._instances:  # type: ignore[misc]
            backends.clear()
        BackendDict._instances.clear()  # type: ignore[misc]
        s3_backends.bucket_accounts.clear()  # S3's bucket names are global: moto's index
    reset_model_data()
    BILLS.clear()
    SENT_BY_OTHERS.clear()


_SHARED: dict[str, Any] = {}  # moto's applications, made once per process: "moto"


def route_in_process(session: Any, app: Any) -> None:
    """Have every client made from the botocore `session` send its requests to `app`
    (a WSGI application in this process) instead of over the network."""
    from botocore.awsrequest import AWSResponse
    from moto.core.botocore_stubber import MockRawResponse

    from grader.sandbox.app import environ_for

    def send(request: Any, **_: Any) -> Any:
        url = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif not isinstance(body, bytes | bytearray):
            body = body.read()
        given = {k: v.decode("utf-8") if isinstance(v, bytes) else str(v)
                 for k, v in request.headers.items()}
        headers = {"HTTP_" + k.upper().replace("-", "_"): v
                   for k, v in given.items() if k.lower() != "content-type"}
        if "Content-Type" in given:
            headers["CONTENT_TYPE"] = given["Content-Type"]
        headers.setdefault("HTTP_HOST", url.netloc)
        # As a WSGI server gives it: the path decoded, and as sent (the signature's).
        environ = environ_for(request.method, unquote(url.path or "/"), url.query, headers,
                              bytes(body))
        environ["RAW_URI"] = (url.path or "/") + (f"?{url.query}" if url.query else "")
        answer: dict[str, Any] = {}

        def start_response(status: str, response_headers: list[tuple[str, str]],
                           *_: Any) -> Any:
            answer["status"] = int(status.split()[0])
            answer["headers"] = dict(response_headers)
            return io.BytesIO().write

        chunks = app(environ, start_response)
        payload = b"".join(chunks)
        return AWSResponse(request.url, answer["status"], answer["headers"],
                           MockRawResponse(payload))

    session.register("before-send", send)


def control_in_process(app: Any, secret: str, path: str) -> Any:
    """GET `/_sandbox/<path>` of `app` (a WSGI application in this process), as the grader
    with `secret` does over HTTP (`grader.checks.target.Target.control`): the JSON answer;
    ValueError when it refuses."""
    import json

    from grader.sandbox.app import environ_for
    from grader.sandbox.server import GRADER_TOKEN

    url = urlsplit(f"/_sandbox/{path}")
    headers = {"HTTP_HOST": urlsplit(IN_PROCESS_ENDPOINT).netloc,
               "HTTP_" + GRADER_TOKEN.upper().replace("-", "_"): secret}
    answer: dict[str, Any] = {}

    def start_response(status: str, _headers: list[tuple[str, str]], *_: Any) -> Any:
        answer["status"] = int(status.split()[0])
        return io.BytesIO().write

    payload = b"".join(app(environ_for("GET", unquote(url.path), url.query, headers, b""),
                           start_response))
    if answer.get("status") != 200:
        raise ValueError(f"/_sandbox/{path} answered {answer.get('status')}: {payload[:200]!r}")
    return json.loads(payload)
