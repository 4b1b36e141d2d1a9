"""The simulated account's console: signing in, and the tasks only the console does.

Some things in AWS are done only in the AWS Management Console: signing in
with a password (and an MFA code, once the user has MFA), managing the root
user's access keys, and assigning the root user an MFA device. The
simulated account offers them at `/_sandbox/console/...`, to its web page
(`page/index.html`) and to `grade console ...` (`grader.command.console`):

    signin             {user, password, mfaCode?}: opens a console session (a cookie)
    signout            closes it
    root-access-keys   {action, accessKeyId?}: root's keys (root's session only)
    root-mfa           {action, ...}: root's MFA devices (root's session only)
    billing-access     {action}: IAM access to billing information (root's session only)
    passkey/...        root's passkeys (`passkeys`)

Each is recorded the way CloudTrail records the console's events: a
`ConsoleLogin` (type AwsConsoleSignIn, with `additionalEventData.MFAUsed`)
for each finished sign-in (its request without the password as typed:
`typed_password`), an IAM event for each change, made by root from
the console (user agent "AWS Internal"). Each happens at the account's time
(`clock`), as the API's requests do. Replayed from the record, a change is
made again without judging its session (the session was judged when it was
made, and has ended since).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING, Any

import time_machine
from werkzeug.wrappers import Request, Response

from grader.sandbox.clock import request_made_at, wall_clock
from grader.sandbox.front_desk.wsgi import json_response, raw_request
from grader.sandbox.history.record import Event
from grader.sandbox.services.console import billing_access, root_keys, root_mfa, signin
from grader.sandbox.services.console.signin import SESSION_COOKIE, Identity, Sessions
from grader.sandbox.services.console.typed_password import kept_body, password_in

if TYPE_CHECKING:
    from grader.sandbox.front_desk.app import SandboxApp

CONSOLE_AGENT = "AWS Internal"
ROOT_ONLY = "Sign in as the root user first: this page is the root user's."


class Change:
    """What one console action did, for the record: `error` None when it succeeded."""

    def __init__(self, operation: str, answer: dict[str, Any] | None = None, *,
                 error: str | None = None, read_only: bool = False,
                 parameters: dict[str, Any] | None = None,
                 resources: list[dict[str, str]] | None = None,
                 response: dict[str, Any] | None = None, service: str = "iam") -> None:
        self.operation = operation
        self.service = service  # CloudTrail's event source: <service>.amazonaws.com
        self.answer = answer or {}
        self.error = error
        self.read_only = read_only
        self.parameters = parameters or {}
        self.resources = resources or []
        self.response = response


class Console:
    """The console's endpoints for one SandboxApp."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        self.sessions = Sessions()
        app.on_start_over.append(self.sessions.close_every_one)
        app.control["console/signin"] = self.signin
        app.control["console/signout"] = self.signout
        app.control["console/root-access-keys"] = self.for_root(root_keys.act, "root-access-keys")
        app.control["console/root-mfa"] = self.for_root(root_mfa.act, "root-mfa")
        app.control["console/billing-access"] = self.for_root(billing_access.act,
                                                              "billing-access")
        app.control["console/"] = self.page
        from grader.sandbox.services.console import passkeys

        passkeys.install(self)

    @property
    def iam(self) -> Any:
        from grader.sandbox.front_desk.app import iam_of

        return iam_of(self.app.account.account_id)

    def page(self, _request: Request, _body: bytes) -> Response:
        """The console's small web page (it calls the endpoints above)."""
        html = (Path(__file__).parent / "page" / "index.html").read_bytes()
        return Response(html, 200, content_type="text/html; charset=utf-8")

    # -- sign-in --------------------------------------------------------------

    def signin(self, request: Request, body: bytes, at: dt.datetime | None = None,
               replaying: bool = False) -> Response:
        payload = payload_of(body)
        who = signin.typed_user(self.app.account, str(payload.get("user", "")))
        code = payload.get("mfaCode")
        moment = at or self.app.clock.now()  # the account's time
        with self.at(moment, at):
            outcome = signin.check(self.iam, self.app.account, who,
                                   password_in(payload, self.from_record(replaying)),
                                   str(code) if code else None)
            if outcome.ok and outcome.identity is not None:
                signin.mark_password_used(self.iam, outcome.identity, moment)
        if outcome.password_ok and outcome.mfa_needed and not code:
            return self.mfa_needed(request, outcome.identity, replaying)
        return self.finish_signin(request, body, moment, outcome.identity, outcome.ok,
                                  outcome.mfa_used, replaying)

    def mfa_needed(self, request: Request, identity: Identity | None,
                   replaying: bool) -> Response:
        """The password was right: now the second factor (not recorded yet, as AWS
        records the sign-in once it is finished; only the passkey challenge handed out
        for it is, `passkeys`)."""
        from grader.sandbox.services.console import passkeys

        answer: dict[str, Any] = {"error": signin.MFA_NEEDED, "mfaRequired": True,
                                  "totp": bool(identity and signin.mfa_serials(self.iam,
                                                                               identity))}
        if identity is not None and identity.is_root and not replaying:
            answer |= passkeys.challenge_for_signin(self, request)
        return json_response(answer, 401)

    def from_record(self, replaying: bool) -> bool:
        """Whether the request being answered is read back from the record (replayed,
        or judged again by an instructor's server) rather than sent now."""
        return replaying or self.app.judging is not None

    def finish_signin(self, request: Request, body: bytes, moment: dt.datetime,
                      identity: Identity | None, ok: bool, mfa_serial: str | None,
                      replaying: bool, *, path: str = "signin") -> Response:
        """Record the sign-in (AWS's ConsoleLogin) and, if it succeeded, open a session.
        `path`: the endpoint that replays it (`signin`, or `passkey/signin`)."""
        if not replaying and identity is not None:
            extra: dict[str, Any] = {"MFAUsed": "Yes" if mfa_serial else "No"}
            if mfa_serial:
                extra["MFAIdentifier"] = mfa_serial
            kept = kept_body(body, ok, bool(mfa_serial))  # nothing typed, if refused
            self.record(request, kept, moment, identity, path, Change(
                "ConsoleLogin", error=None if ok else "Failed authentication",
                parameters={"additionalEventData": extra},
                response={"ConsoleLogin": "Success" if ok else "Failure"}),
                event_type="AwsConsoleSignIn", replay=ok)
        if not ok or identity is None:
            return json_response({"error": signin.WRONG}, 401)
        if replaying:
            return json_response({"signedIn": identity.arn})
        token = self.sessions.open(identity, moment)
        answer = json_response({"signedIn": identity.arn, "mfaUsed": bool(mfa_serial),
                                "session": token})
        answer.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Strict",
                          path="/_sandbox/console/",
                          max_age=int(signin.SESSION_LENGTH.total_seconds()))
        return answer

    def signout(self, request: Request, _body: bytes, at: dt.datetime | None = None,
                replaying: bool = False) -> Response:
        self.sessions.close(session_token(request))
        answer = json_response({"signedOut": True})
        answer.delete_cookie(SESSION_COOKIE, path="/_sandbox/console/")
        return answer

    def signed_in(self, request: Request) -> Identity | None:
        """Who the request's console session belongs to (None: no open session)."""
        return self.sessions.of(session_token(request), self.app.clock.now())

    # -- what only root does ----------------------------------------------------

    def for_root(self, act: Callable[[Console, dict[str, Any]], Change],
                 path: str) -> Callable[..., Response]:
        """An endpoint that root's console session may call: `act` makes the change,
        which is recorded; replayed, it is made again."""

        def endpoint(request: Request, body: bytes, at: dt.datetime | None = None,
                     replaying: bool = False) -> Response:
            identity = None if replaying else self.signed_in(request)
            if not replaying and (identity is None or not identity.is_root):
                return json_response({"error": ROOT_ONLY}, 401)
            moment = at or self.app.clock.now()
            with self.at(moment, at):
                change = act(self, payload_of(body))
            if not replaying and identity is not None:
                self.record(request, body, moment, identity, path, change,
                            replay=not change.read_only)
            if change.error is not None:
                return json_response({"error": change.error}, 400)
            return json_response(change.answer)

        return endpoint

    @contextmanager
    def at(self, moment: dt.datetime, at: dt.datetime | None) -> Iterator[None]:
        """Run a console action at the account's `moment`, with moto's random seeded by
        its place in the record (so that a replay makes the same seeds and keys) and
        the machine's time it was made at (for MFA codes)."""
        machine = wall_clock() if at is None else at - self.app.clock.offset
        self.app.pass_time(moment)
        self.app.seed_random(self.app.replaying_seq or self.app.next_seq)
        with time_machine.travel(moment, tick=False), request_made_at(machine):
            yield

    # -- the record ------------------------------------------------------------

    def record(self, request: Request, body: bytes, moment: dt.datetime, identity: Identity,
               path: str, change: Change, *, replay: bool,
               event_type: str = "AwsApiCall") -> None:
        environ = dict(request.environ)
        environ["PATH_INFO"] = f"/_sandbox/console/{path}"
        environ["QUERY_STRING"] = ""  # the console's endpoints read their body only
        for header in ("HTTP_COOKIE", "HTTP_X_CONSOLE_SESSION"):
            environ.pop(header, None)  # a session's token is not kept in the record
        ok = change.error is None
        self.app.append(Event(
            event_id=str(uuid.uuid4()),
            event_time=moment.isoformat(),
            event_type=event_type,
            identity_type=identity.kind,
            principal_name=identity.name,
            principal_arn=identity.arn,
            principal_id=identity.principal_id,
            access_key_id=None,
            service="signin" if event_type == "AwsConsoleSignIn" else change.service,
            operation=change.operation,
            region=self.app.account.region,
            read_only=change.read_only,
            parameters=change.parameters,
            response=change.response,
            status=200 if ok else 400,
            error_code=None if ok or event_type == "AwsConsoleSignIn" else "ConsoleError",
            error_message=change.error,
            source_ip=environ.get("REMOTE_ADDR") or "127.0.0.1",
            user_agent=CONSOLE_AGENT,
            request_id=str(uuid.uuid4()),
            resources=change.resources,
            replay=replay and ok,
            **raw_request(environ, body),
        ))


def session_token(request: Request) -> str | None:
    """The console session's token: the cookie the web page sends, or the
    `X-Console-Session` header `grade console` sends."""
    header = request.headers.get("X-Console-Session")
    if header:
        return header
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(request.headers.get("Cookie", ""))
    except Exception:
        return None
    morsel = cookie.get(SESSION_COOKIE)
    return morsel.value if morsel is not None else None


def payload_of(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
