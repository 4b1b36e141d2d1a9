"""The simulated account's WSGI application: moto, plus who did what.

Every request goes through `SandboxApp.handle`, one at a time, in named steps:

1. `_at_the_door`: find who signed it (`authentication`, `callers`,
   `signatures`) and refuse unknown or inactive keys, stale or forged
   signatures, and Regions where the account's keys do not exist;
2. `_operation_of`: find which operation it is (`operations`) and refuse, fast
   and with a 4xx, what the simulated account does not model;
3. refuse input AWS refuses (`validation`) and what the caller's policies do not
   allow (`_authorize`: `authorization`);
4. `_run`: freeze time, for moto, at the request's moment (the account's time,
   `clock`) and seed moto's random ids from its place in the record, then let
   moto (patched by the services, `registry`) answer it (`moto_dispatch`);
5. `_remember`: append it to the record (`record`) before the answer leaves.

Replaying the record through steps 4 and 5 with the recorded times and
places rebuilds the same account: same ids, same secrets (`replay`).
`advance_clock` moves the account's time forward, and records that too.
Requests under `/_sandbox/` go to the account's control endpoints instead
(`control_endpoints`, and what the services and the course add to `control`).
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from typing import Any

import time_machine
from moto.moto_api._internal import mock_random
from werkzeug.wrappers import Request, Response

from grader.readonly import is_read_only
from grader.sandbox.account import Account
from grader.sandbox.clock import (
    ADVANCE,
    ADVANCE_PATH,
    AccountClock,
    request_made_at,
    wall_clock,
)
from grader.sandbox.front_desk import (
    authentication,
    authorization,
    aws_errors,
    callers,
    operations,
    validation,
)
from grader.sandbox.front_desk.grader_key import creates_credentials, grader_key_may_call
from grader.sandbox.front_desk.moto_dispatch import dispatch, moto_apps, moto_has
from grader.sandbox.front_desk.signatures import MISMATCH, signature_matches
from grader.sandbox.front_desk.wsgi import raw_request, read_body
from grader.sandbox.history.record import CLOCK_EVENT, Event, Record
from grader.sandbox.server import GRADER_TOKEN
from grader.sandbox.services.cloudtrail.events import hide_secrets, resources_of
from grader.sandbox.services.iam.models import graders_own_report

CONTROL_PREFIX = "/_sandbox/"
StartResponse = Callable[..., Any]


def iam_of(account_id: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account_id]["aws"]


class SandboxApp:
    """moto behind a front desk that knows callers and keeps the record."""

    def __init__(self, account: Account, record: Record) -> None:
        self.account = account
        self.record = record
        self.moto = moto_apps()
        self.lock = threading.RLock()
        self.next_seq = record.count() + 1
        self.replaying_seq: int | None = None  # the event being replayed, if any
        self.endpoint: str | None = None  # http://127.0.0.1:PORT, once the server listens
        self.once_listening: list[Callable[[], None]] = []  # run in the background then
        self.on_start_over: list[Callable[[], None]] = []  # `grade sandbox reset`, in-process
        # What AWS does on its own as time passes (CloudTrail's deliveries): `pass_time`.
        self.on_time_passing: list[Callable[[dt.datetime], None]] = []
        # What AWS does with each event as it is recorded (EventBridge): also on replay.
        self.on_recorded: list[Callable[[Event], None]] = []
        self.started_at = dt.datetime.now(dt.UTC)
        self.clock = AccountClock()  # the account's time; replaying the record sets it
        self.control: dict[str, Callable[[Request, bytes], Response]] = {}
        self.control_unlocked: set[str] = set()  # handlers that wait: they must not hold `lock`
        self.changed = threading.Condition()
        # Which life of the account this is: a new process, or `grade sandbox reset` in
        # this one, makes a new one, so that `grade watch` knows its account was rebuilt.
        self.generation = secrets.token_hex(8)
        # While the record is judged again (`replay.judged_replay`): the events each
        # request would have recorded, instead of recording them.
        self.judging: list[Event] | None = None

    # -- WSGI entry -------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        try:
            authentication.check_addressed_here(environ)
            body = read_body(environ, authentication.body_limit(environ))
        except authentication.Refused as refused:
            return refused.response(environ, start_response)
        if path.startswith(CONTROL_PREFIX):
            name = path[len(CONTROL_PREFIX):]
            handler = self.control.get(name)
            if handler is None:
                response = Response("not found\n", 404)
            elif name in self.control_unlocked:
                response = handler(Request(environ), body)
            else:
                with self.lock:
                    response = handler(Request(environ), body)
        elif path.startswith("/moto-api"):
            response = Response("The simulated account does not offer moto's own API.\n", 403)
        else:
            with self.lock:
                response = self.handle(environ, body)
        return response(environ, start_response)

    # -- one request --------------------------------------------------------

    def handle(self, environ: dict[str, Any], body: bytes, at: dt.datetime | None = None,
               replay_seq: int | None = None, judge: bool = False) -> Response:
        """Answer one AWS request; record it unless it is being replayed.

        `at` is the account's time of a request made by the account itself (its
        starting history, `bootstrap`) or replayed; else it is the account's time now.
        A replayed request passed the door when it was first made: its signature,
        date and key are not judged again (the key may be gone since), unless `judge`
        (an instructor's server judging a learner's record again: the event it would
        have recorded goes to `judging`)."""
        door = replay_seq is None or judge
        moment = at or self.clock.now()
        self.pass_time(moment)
        # The signature's freshness is judged by this machine's clock, never by the
        # account's: the AWS CLI and boto3 sign with the machine's clock, which
        # `grade sandbox advance` does not move; judged by the account's time, every
        # request after an advance would be refused as expired. (A request the account
        # makes itself at `at`, before any advance, was signed at that moment.)
        signed_by = wall_clock() if at is None else at - self.clock.offset
        try:
            credentials, caller = self._at_the_door(environ, body, signed_by, door)
            operation = self._operation_of(environ, body, credentials.service, caller)
        except authentication.Refused as refused:
            return refused.response
        invalid = validation.refuse_invalid(credentials.service, operation.name,
                                            operation.parameters, credentials.region)
        if invalid is not None:
            if door and caller.recorded:
                self._remember(environ, body, moment, credentials, caller, operation, invalid)
            return invalid
        denied = self._authorize(caller, operation, credentials, environ, moment)
        if denied is not None:
            if door:
                self._remember(environ, body, moment, credentials, caller, operation, denied)
            return denied
        seq = replay_seq if replay_seq is not None else self.next_seq
        response = self._run(environ, body, moment, signed_by, credentials, caller, operation,
                             seq)
        if caller.recorded and door:
            self._remember(environ, body, moment, credentials, caller, operation, response)
        return response

    def _at_the_door(self, environ: dict[str, Any], body: bytes, signed_by: dt.datetime,
                     door: bool) -> tuple[authentication.Credentials, callers.Caller]:
        """Who signed the request, for which service and Region (`authentication.Refused`
        when the account does not let it in). With `door`, its date, signature and
        session token are judged too."""
        credentials = authentication.credentials_of(environ)
        if door:
            authentication.check_time(environ, credentials, signed_by)
        service = credentials.service
        wrong_region = validation.refuse_region(service, credentials.region)
        if wrong_region is not None:  # its keys do not exist there: not this account's event
            raise authentication.Refused(wrong_region)
        caller = callers.resolve(credentials.access_key_id, iam_of(self.account.account_id),
                                 self.account.grader_key_id, self.account.grader_secret)
        if caller.kind == "Invalid":
            raise authentication.Refused(aws_errors.invalid_key(service))
        if door:
            if not signature_matches(environ, body, str(caller.secret)):
                raise authentication.Refused(aws_errors.error_response(
                    service, 403, "SignatureDoesNotMatch", MISMATCH))
            if caller.session_token is not None and \
                    environ.get("HTTP_X_AMZ_SECURITY_TOKEN") != caller.session_token:
                raise authentication.Refused(aws_errors.invalid_key(service))
        return credentials, caller

    def _operation_of(self, environ: dict[str, Any], body: bytes, service: str,
                      caller: callers.Caller) -> operations.Operation:
        """Exactly which operation the request is (`authentication.Refused` for what the
        account does not model, and for what the grader's key may not call)."""
        if not moto_has(service):
            raise authentication.Refused(aws_errors.unsupported(service, ""))
        operation = operations.identify(service, environ, body)
        if not operation.implemented_by_model:
            raise authentication.Refused(aws_errors.unsupported(service, operation.name))
        if caller.kind == "Grader" and not grader_key_may_call(service, operation.name):
            raise authentication.Refused(aws_errors.error_response(
                service, 403, "AccessDenied",
                f"The grader's key only reads; it may not call {operation.name}."))
        return operation

    def _run(self, environ: dict[str, Any], body: bytes, moment: dt.datetime,
             signed_by: dt.datetime, credentials: authentication.Credentials,
             caller: callers.Caller, operation: operations.Operation, seq: int) -> Response:
        """Let moto answer the request at `moment`, its random ids seeded from the place
        `seq` the request has (or would have) in the record, the caller's policies asked
        by the services that judge them themselves."""
        self.seed_random(seq if caller.recorded else None)
        iam = iam_of(self.account.account_id)
        with time_machine.travel(moment, tick=False), request_made_at(signed_by), \
                authorization.asking(iam, caller, credentials.region,
                                     environ.get("REMOTE_ADDR") or "127.0.0.1", moment), \
                (graders_own_report(iam) if caller.kind == "Grader" else nullcontext()):
            return dispatch(self.moto, environ, body, credentials.service, operation.name)

    def _authorize(self, caller: callers.Caller, operation: operations.Operation,
                   credentials: authentication.Credentials, environ: dict[str, Any],
                   moment: dt.datetime) -> Response | None:
        """AccessDenied when the caller's policies do not allow the request (ExpiredToken
        for a session past its expiration; AWS's refusals of what sessions may not call);
        None when they do, or when the caller is not one whose policies are judged."""
        if caller.kind not in authorization.AUTHORIZED and not caller.temporary:
            return None
        return authorization.refusal(
            iam_of(self.account.account_id), caller, credentials.service, operation.name,
            operation.parameters, credentials.region, environ.get("REMOTE_ADDR") or "127.0.0.1",
            moment)

    def _remember(self, environ: dict[str, Any], body: bytes, moment: dt.datetime,
                  credentials: authentication.Credentials, caller: callers.Caller,
                  operation: operations.Operation, response: Response) -> None:
        headers = {k: v for k, v in response.headers.items()}
        code, message = aws_errors.parse_error(response.status_code, headers, response.get_data())
        read_only = is_read_only(operation.name)
        parameters = hide_secrets(operation.parameters)
        self.append(Event(
            event_id=str(uuid.uuid4()),
            event_time=moment.isoformat(),
            event_type="AwsApiCall",
            identity_type=caller.kind,
            principal_name=caller.name,
            principal_arn=caller.arn,
            principal_id=caller.principal_id,
            access_key_id=caller.access_key_id,
            service=credentials.service,
            operation=operation.name,
            region=credentials.region,
            read_only=read_only,
            parameters=parameters,
            response=None,
            status=response.status_code,
            error_code=code,
            error_message=message,
            source_ip=environ.get("REMOTE_ADDR") or "127.0.0.1",
            user_agent=environ.get("HTTP_USER_AGENT", ""),
            request_id=response.headers.get("x-amzn-RequestId") or str(uuid.uuid4()),
            resources=resources_of(operation.parameters),
            replay=not read_only or creates_credentials(credentials.service, operation.name),
            **raw_request(environ, body),
        ))

    def advance_clock(self, by: dt.timedelta, request: Request, body: bytes) -> dt.datetime:
        """Move the account's clock forward by `by` and record it (a `CLOCK_EVENT`, made
        at the account's time before the move); returns the account's new time.
        `clock.BadDuration`, and nothing recorded, for a duration the clock refuses."""
        moment = self.clock.now()
        self.pass_time(moment)
        after = self.clock.advance(by)
        environ = {k: v for k, v in request.environ.items()
                   if k != "HTTP_" + GRADER_TOKEN.upper().replace("-", "_")}
        environ["PATH_INFO"] = CONTROL_PREFIX + ADVANCE_PATH
        self.append(Event(
            event_id=str(uuid.uuid4()),
            event_time=moment.isoformat(),
            event_type=CLOCK_EVENT,
            identity_type="Grader",
            principal_name=None,
            principal_arn=None,
            principal_id=None,
            access_key_id=None,
            service="sandbox",
            operation=ADVANCE,
            region=self.account.region,
            read_only=False,
            parameters={"seconds": by.total_seconds()},
            response={"accountTime": after.isoformat(),
                      "offsetSeconds": self.clock.offset.total_seconds()},
            status=200,
            error_code=None,
            error_message=None,
            source_ip=environ.get("REMOTE_ADDR") or "127.0.0.1",
            user_agent=environ.get("HTTP_USER_AGENT", ""),
            request_id=str(uuid.uuid4()),
            resources=[],
            replay=True,
            **raw_request(environ, body),
        ))
        self.pass_time(after)
        return after

    def pass_time(self, moment: dt.datetime) -> None:
        """Let the account's time reach `moment`: what AWS does on its own by then
        (CloudTrail delivers its log files every 5 minutes) happens now, before the
        request made at `moment` is answered.

        Called for every request (recorded or not), every advance of the clock, and,
        when the record is replayed, for every event in it: with the account's time
        only moving forward, what falls due is the same whichever of them comes first,
        so a replayed account gets the same deliveries as the first one."""
        for hook in self.on_time_passing:
            hook(moment)

    def recorded(self, event: Event) -> None:
        """What AWS does with an event once it has happened (EventBridge's rules see it):
        for each event appended, and again for each replayed."""
        for hook in self.on_recorded:
            hook(event)

    def seed_random(self, seq: int | None) -> None:
        """Seed moto's ids and secrets from the place in the record of the event being
        made (`seq`; None: an unrecorded read), so that replaying it makes the same."""
        mock_random.seed(self.account.seed * 1_000_003 + seq if seq is not None else 0)

    def append(self, event: Event) -> None:
        if self.judging is not None:
            self.judging.append(event)
            return
        self.record.append(event)
        self.next_seq = event.seq + 1
        self.recorded(event)
        with self.changed:
            self.changed.notify_all()

    def wait_for_change(self, after: int, timeout: float,
                        generation: str | None = None) -> tuple[int, str]:
        """The number of events in the record and the account's generation, once the
        record holds more than `after` events or the account is not `generation` any more
        (a reset), or on timeout."""
        with self.changed:
            self.changed.wait_for(lambda: self.next_seq - 1 > after or
                                  (generation is not None and generation != self.generation),
                                  timeout)
            return self.next_seq - 1, self.generation
