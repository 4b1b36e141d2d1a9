"""The simulated account's WSGI application: moto, plus who did what.

Every request goes through `SandboxApp.handle`, one at a time:

1. find who signed it (`callers`) and refuse unknown or inactive keys;
2. find which operation it is (`operations`) and refuse, fast and with a
   4xx, what the simulated account does not model;
3. freeze time, for moto, at the request's moment (the account's time,
   `clock`) and seed moto's random ids from its place in the record, then
   let moto (patched by the services, `registry`) answer it;
4. append it to the record (`record`) before the answer leaves.

Replaying the record through steps 3 and 4 with the recorded times and
places rebuilds the same account: same ids, same secrets (`replay`).
`advance_clock` moves the account's time forward, and records that too.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import io
import json
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import time_machine
from moto.moto_api._internal import mock_random
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.wrappers import Request, Response

from grader.readonly import is_read_only
from grader.sandbox import (
    authentication,
    authorization,
    aws_errors,
    callers,
    operations,
    validation,
)
from grader.sandbox.account import Account
from grader.sandbox.clock import (
    ADVANCE,
    ADVANCE_PATH,
    AccountClock,
    request_made_at,
    wall_clock,
)
from grader.sandbox.cloudtrail.events import hide_secrets, resources_of
from grader.sandbox.grader_key import creates_credentials, grader_key_may_call
from grader.sandbox.record import CLOCK_EVENT, Event, Record
from grader.sandbox.server import GRADER_TOKEN
from grader.sandbox.signatures import MISMATCH, signature_matches

CONTROL_PREFIX = "/_sandbox/"
StartResponse = Callable[..., Any]


def _create_backend_app(service: Any) -> Any:
    app = create_backend_app(service)
    app.config["PROPAGATE_EXCEPTIONS"] = True  # let `handle` turn them into 4xx
    return app


def _iam(account_id: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account_id]["aws"]


class SandboxApp:
    """moto behind a front desk that knows callers and keeps the record."""

    def __init__(self, account: Account, record: Record) -> None:
        self.account = account
        self.record = record
        self.moto = DomainDispatcherApplication(_create_backend_app)
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
            body = _read_body(environ, authentication.body_limit(environ))
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
            credentials = authentication.credentials_of(environ)
            if door:
                authentication.check_time(environ, credentials, signed_by)
        except authentication.Refused as refused:
            return refused.response
        service = credentials.service
        wrong_region = validation.refuse_region(service, credentials.region)
        if wrong_region is not None:  # its keys do not exist there: not this account's event
            return wrong_region
        caller = callers.resolve(credentials.access_key_id, _iam(self.account.account_id),
                                 self.account.grader_key_id, self.account.grader_secret)
        if caller.kind == "Invalid":
            return aws_errors.invalid_key(service)
        if door:
            if not signature_matches(environ, body, str(caller.secret)):
                return aws_errors.error_response(service, 403, "SignatureDoesNotMatch",
                                                 MISMATCH)
            if caller.session_token is not None and \
                    environ.get("HTTP_X_AMZ_SECURITY_TOKEN") != caller.session_token:
                return aws_errors.invalid_key(service)
        if not _moto_has(service):
            return aws_errors.unsupported(service, "")
        try:
            operation = operations.identify(service, environ, body)
        except authentication.Refused as refused:
            return refused.response
        if not operation.implemented_by_model:
            return aws_errors.unsupported(service, operation.name)
        if caller.kind == "Grader" and not grader_key_may_call(service, operation.name):
            return aws_errors.error_response(
                service, 403, "AccessDenied",
                f"The grader's key only reads; it may not call {operation.name}.")
        region = credentials.region
        invalid = validation.refuse_invalid(service, operation.name, operation.parameters,
                                            region)
        if invalid is not None:
            if door and caller.recorded:
                self._remember(environ, body, moment, credentials, caller, operation, invalid)
            return invalid
        if caller.kind in authorization.AUTHORIZED or caller.temporary:
            denied = self._authorize(caller, operation, credentials, environ, moment)
            if denied is not None:
                if door:
                    self._remember(environ, body, moment, credentials, caller, operation,
                                   denied)
                return denied
        seq = replay_seq if replay_seq is not None else self.next_seq
        self.seed_random(seq if caller.recorded else None)
        with time_machine.travel(moment, tick=False), request_made_at(signed_by), \
                authorization.asking(_iam(self.account.account_id), caller, region,
                                     environ.get("REMOTE_ADDR") or "127.0.0.1", moment):
            response = self._dispatch(environ, body, service, operation.name)
        if caller.recorded and door:
            self._remember(environ, body, moment, credentials, caller, operation, response)
        return response

    def _authorize(self, caller: callers.Caller, operation: operations.Operation,
                   credentials: authentication.Credentials, environ: dict[str, Any],
                   moment: dt.datetime) -> Response | None:
        """AccessDenied when the caller's policies do not allow the request (ExpiredToken
        for a session past its expiration; AWS's refusals of what sessions may not call)."""
        return authorization.refusal(
            _iam(self.account.account_id), caller, credentials.service, operation.name,
            operation.parameters, credentials.region, environ.get("REMOTE_ADDR") or "127.0.0.1",
            moment)

    def _dispatch(self, environ: dict[str, Any], body: bytes, service: str,
                  operation: str) -> Response:
        inner = dict(environ)
        inner["wsgi.input"] = io.BytesIO(body)
        inner["CONTENT_LENGTH"] = str(len(body))
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> Any:
            captured["status"] = int(status.split()[0])
            captured["headers"] = headers
            return lambda data: None

        token = operations.EXPECTED.set(operation)
        try:
            chunks = self._service_app(service)(inner, start_response)
            payload = b"".join(chunks)
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        except NotImplementedError:
            return aws_errors.unsupported(service, operation)
        except operations.OperationMismatch as mismatch:
            return aws_errors.error_response(
                service, 400, "InvalidAction",
                f"The request is ambiguous: {mismatch}. Nothing was done.")
        except Exception as error:
            return aws_errors.error_response(
                service, 400, "SimulatorError",
                f"The simulated account failed on {operation or 'this request'}: {error!r}",
            )
        finally:
            operations.EXPECTED.reset(token)
        return Response(payload, captured["status"], captured["headers"])

    def _service_app(self, service: str) -> Any:
        """moto's application for the service the request was signed for: the service
        that runs it is the one whose name the signature carries, whatever else the
        request says (moto's own routing would also look at the body and the path)."""
        with self.moto.lock:
            app = self.moto.app_instances.get(service)
            if app is None:
                app = self.moto.create_app(service)  # type: ignore[arg-type]
                self.moto.app_instances[service] = app
        return app

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


@functools.cache
def _moto_has(service: str) -> bool:
    """Whether moto models `service` (moto lists its folders: once per service) and can
    serve it here: what its models import is installed. The course installs moto with its
    extras for the services the course uses only (pyproject.toml), so moto's CloudFormation,
    API Gateway, AppSync... are refused as not supported, not failed on."""
    from moto.backends import list_of_moto_modules

    from grader.sandbox.added_services import ADDED

    if service in ADDED:
        return True
    if service not in set(list_of_moto_modules()):
        return False
    if service not in _IMPORTABLE:  # once per service moto has: never a request's own name
        try:
            importlib.import_module(f"moto.{service}.urls")
            _IMPORTABLE[service] = True
        except ModuleNotFoundError:
            _IMPORTABLE[service] = False
    return _IMPORTABLE[service]


_IMPORTABLE: dict[str, bool] = {}


def _read_body(environ: dict[str, Any], limit: int) -> bytes:
    """The request's body, at most `limit` bytes (`Refused` beyond, or for a bad length)."""
    stream = environ["wsgi.input"]
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
        body = bytes(stream.read(limit + 1))
        if len(body) > limit:
            raise authentication.too_large(environ, limit)
        return body
    text = (environ.get("CONTENT_LENGTH") or "0").strip()
    if not text.isdigit():
        raise authentication.Refused(aws_errors.error_response(
            authentication.service_guess(environ), 400, "InvalidRequest",
            f"Content-Length {text[:40]!r} is not a number of bytes."))
    length = int(text)
    if length > limit:
        raise authentication.too_large(environ, limit)
    return bytes(stream.read(length)) if length > 0 else b""


_KEPT_ENVIRON = ("REQUEST_METHOD", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE")


def raw_request(environ: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The parts of a request needed to send it again."""
    headers = {k: str(v) for k, v in environ.items() if k.startswith("HTTP_")}
    if environ.get("CONTENT_TYPE"):
        headers["CONTENT_TYPE"] = environ["CONTENT_TYPE"]
    return {
        "method": environ.get("REQUEST_METHOD", "GET"),
        "path": environ.get("PATH_INFO", "/"),
        "query": environ.get("QUERY_STRING", ""),
        "headers": headers,
        "body": body,
    }


def environ_for(method: str, path: str, query: str, headers: dict[str, str],
                body: bytes) -> dict[str, Any]:
    """A WSGI environ for a recorded request (the inverse of `raw_request`)."""
    environ: dict[str, Any] = dict(headers)
    environ.update({
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    })
    return environ


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, default=str), status, content_type="application/json")
