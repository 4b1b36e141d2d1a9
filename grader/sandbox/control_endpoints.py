"""The control endpoints the account serves under `/_sandbox/`, beside AWS's API.

`health` answers anyone on this machine (whether the account runs, and its time);
the others answer `grade` only (the grader's secret in `X-Grade-Token`:
`grade_only`): `credentials` (root's keys, for `grade sandbox env`), `changes` (a
long poll, for `grade watch`), `reset` (`grade sandbox reset`), `clock` (the
account's time; POST moves it forward: `grade sandbox advance`), `inbox` (the
e-mails SNS sent: `grade sandbox inbox`) and `requests` (the record's calls of some
operations, for the checks: `grader.checks.recorded`). `grade` calls them through
`grader.sandbox.control.calls`.

Each endpoint is made by one function here, from the account's application;
`install` puts them all in place.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from grader.sandbox.clock import ADVANCE_PATH, BadDuration, check
from grader.sandbox.front_desk.app import iam_of
from grader.sandbox.front_desk.wsgi import json_response
from grader.sandbox.server import GRADER_TOKEN
from grader.sandbox.start_over.mark import START_OVER_PATH

if TYPE_CHECKING:
    from grader.sandbox.account import Account
    from grader.sandbox.front_desk.app import SandboxApp
    from grader.sandbox.history.record import Record

Handler = Callable[[Any, bytes], Response]
NOT_ALLOWED = {"error": "not allowed"}


def install(app: SandboxApp, folder: Path | None) -> Callable[[Any], bool]:
    """Put the control endpoints in place; returns whether a request comes from `grade`.
    `folder`: where the account lives (None: rebuilt elsewhere, with no `reset`)."""
    allowed = grade_only(app.account)
    app.control["health"] = health(app)
    app.control["credentials"] = for_grade(allowed, credentials(app))
    app.control["changes"] = for_grade(allowed, changes(app))
    app.control_unlocked.add("changes")  # it waits: it must not hold the account's lock
    app.control["reset"] = reset(app, folder, allowed)
    app.control[ADVANCE_PATH] = clock(app, allowed)
    app.control["inbox"] = for_grade(allowed, inbox(app))
    app.control["requests"] = for_grade(allowed, requests(app))
    app.control[START_OVER_PATH] = started_over
    return allowed


def grade_only(account: Account) -> Callable[[Any], bool]:
    """Whether a request comes from `grade` (it carries the grader's secret)."""

    def allowed(request: Any) -> bool:
        return bool(request.headers.get(GRADER_TOKEN) == account.grader_secret)

    return allowed


def for_grade(allowed: Callable[[Any], bool], handler: Handler) -> Handler:
    """`handler`, for `grade` only (403 for anyone else)."""

    def guarded(request: Any, body: bytes) -> Response:
        if not allowed(request):
            return json_response(NOT_ALLOWED, 403)
        return handler(request, body)

    guarded.__doc__ = handler.__doc__
    return guarded


def health(app: SandboxApp) -> Handler:
    def health(_request: Any, _body: bytes) -> Response:
        """Whether the account runs, whose it is and its time: for anyone on this machine."""
        return json_response({
            "status": "running",
            "accountId": app.account.account_id,
            "startedAt": app.started_at.isoformat(),
            "pid": os.getpid(),
            "events": app.next_seq - 1,
            "accountTime": app.clock.now().isoformat(),
        })

    return health


def credentials(app: SandboxApp) -> Handler:
    from grader.sandbox.services.iam.models import root_of

    def credentials(_request: Any, _body: bytes) -> Response:
        """Root's access keys with their secrets, and the ids of what the learner's AWS CLI
        profiles may name (users' active keys, roles, users' MFA devices): for `grade
        sandbox env` only."""
        iam = iam_of(app.account.account_id)
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

    return credentials


def changes(app: SandboxApp) -> Handler:
    def changes(request: Any, _body: bytes) -> Response:
        """`?after=N&wait=S[&generation=G]`: answers once the record holds more than N events,
        or once the account is no longer generation G (started over), or after S s, so that
        `grade watch` re-grades as soon as the learner changes something (an advance of the
        account's clock is a change: it is in the record)."""
        try:
            after = int(request.args.get("after", "0"))
            wait = min(max(float(request.args.get("wait", "0")), 0.0), 60.0)
        except ValueError:
            return json_response({"error": "after and wait must be numbers"}, 400)
        events, generation = app.wait_for_change(after, wait, request.args.get("generation"))
        return json_response({"events": events, "generation": generation})

    return changes


def reset(app: SandboxApp, folder: Path | None, allowed: Callable[[Any], bool]) -> Handler:
    from grader.sandbox.start_over.fresh_start import start_over

    def reset(request: Any, _body: bytes) -> Response:
        """Start the account over in this process (`grade sandbox reset`)."""
        if not allowed(request) or request.method != "POST" or folder is None:
            return json_response(NOT_ALLOWED, 403)
        archive = start_over(app, folder)
        return json_response({"events": app.next_seq - 1, "archive": archive.name})

    return reset


def clock(app: SandboxApp, allowed: Callable[[Any], bool]) -> Callable[..., Response]:
    def clock(request: Any, body: bytes, _at: Any = None, replaying: bool = False) -> Response:
        """GET: the account's time. POST `{"seconds": N}`: move it forward by N seconds
        (`grade sandbox advance`), recorded; replaying the record applies it again."""
        if replaying:
            app.clock.replay(advance_of(body))
            return json_response({})
        if not allowed(request):
            return json_response(NOT_ALLOWED, 403)
        if request.method == "POST":
            try:
                app.advance_clock(advance_of(body), request, body)
            except BadDuration as refused:
                return json_response({"error": refused.reason, "fix": refused.fix}, 400)
        elif request.method != "GET":
            return json_response({"error": "GET reads the account's time, POST advances it"},
                                 405)
        return json_response({"accountTime": app.clock.now().isoformat(),
                              "offsetSeconds": app.clock.offset.total_seconds()})

    return clock


def advance_of(body: bytes) -> dt.timedelta:
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


def inbox(app: SandboxApp) -> Handler:
    from grader.sandbox.services.sns.models import inbox_of

    def inbox(_request: Any, _body: bytes) -> Response:
        """The e-mails SNS sent from the account (`grade sandbox inbox`)."""
        return json_response({"mails": [mail.shown()
                                        for mail in inbox_of(app.account.account_id)]})

    return inbox


def requests(app: SandboxApp) -> Handler:
    def requests(request: Any, _body: bytes) -> Response:
        """`?operation=GetObject&operation=ListPublicKeys`: the record's calls of those
        operations, oldest first, without the requests themselves. S3's object reads are
        among them, which CloudTrail's event history leaves out (data events): the one
        trace of a step like validating a trail's logs (`grader.checks.recorded`)."""
        return json_response({"requests": recorded_calls(
            app.record, request.args.getlist("operation"))})

    return requests


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


def started_over(_request: Any, _body: bytes, _at: Any = None,
                 replaying: bool = False) -> Response:
    """The mark of a start over (`start_over.mark`): made by `grade`, never asked for over
    HTTP; replaying the record (or judging it again) has nothing to do for it."""
    if replaying:
        return json_response({})
    return json_response(NOT_ALLOWED, 403)
