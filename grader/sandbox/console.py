"""The console-only root tasks: signing in with a password, managing root's keys.

Some things in AWS can only be done in the AWS Management Console: signing
in as the root user with its password is one, and the console is where the
lesson has root delete its own access keys. The simulated account offers
them at `/_sandbox/console/...` (used by `grade console ...`) and records
them the way CloudTrail records console events: a `ConsoleLogin` event
(type AwsConsoleSignIn) for each sign-in, an IAM event for each key change.
Each happens at the account's time (`clock`), as the API's requests do.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import time_machine
from moto.core.utils import utcnow
from werkzeug.wrappers import Request, Response

from grader.sandbox.app import json_response, raw_request
from grader.sandbox.iam.models import create_root_key, delete_root_key, root_of
from grader.sandbox.record import Event

if TYPE_CHECKING:
    from grader.sandbox.app import SandboxApp

CONSOLE_AGENT = "AWS Internal"
KEY_ACTIONS = {
    "list": ("ListAccessKeys", True),
    "create": ("CreateAccessKey", False),
    "activate": ("UpdateAccessKey", False),
    "deactivate": ("UpdateAccessKey", False),
    "delete": ("DeleteAccessKey", False),
}


class Console:
    """Console sign-in and root key management for one SandboxApp."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app
        app.control["console/signin"] = self.signin
        app.control["console/root-access-keys"] = self.root_access_keys
        app.control["console/"] = self.page

    @property
    def iam(self) -> Any:
        from grader.sandbox.app import _iam

        return _iam(self.app.account.account_id)

    def page(self, _request: Request, _body: bytes) -> Response:
        """The console's small web page (it calls the two endpoints below)."""
        html = (Path(__file__).parent / "console_page" / "index.html").read_bytes()
        return Response(html, 200, content_type="text/html; charset=utf-8")

    # -- sign-in --------------------------------------------------------------

    def signin(self, request: Request, body: bytes, at: dt.datetime | None = None,
               replaying: bool = False) -> Response:
        payload = _payload(body)
        who = self._user_name(str(payload.get("user", "")))
        password = str(payload.get("password", ""))
        moment = at or self.app.clock.now()  # the account's time
        with time_machine.travel(moment, tick=False):
            ok, identity = self._check_password(who, password)
            if ok:
                self._mark_password_used(who)
        if not replaying and identity is not None:
            self._record(request, body, moment, identity, "signin", "ConsoleLogin",
                         read_only=False, ok=ok, replay=ok,
                         response={"ConsoleLogin": "Success" if ok else "Failure"},
                         event_type="AwsConsoleSignIn",
                         error_message=None if ok else "Failed authentication")
        if not ok:
            return json_response({"error": "Your authentication information is incorrect."}, 401)
        return json_response({"signedIn": identity["arn"] if identity else None})

    def _user_name(self, typed: str) -> str:
        """`root` for the root user, typed as `root` or as the account's e-mail address
        (as on AWS's sign-in page, case does not matter); else the IAM user's name."""
        typed = typed.strip()
        if typed.lower() in {"root", self.app.account.root_email.lower()}:
            return "root"
        return typed

    def _check_password(self, who: str, password: str) -> tuple[bool, dict[str, Any] | None]:
        account = self.app.account
        if who == "root":
            root = root_of(self.iam)
            identity = {"kind": "Root", "name": None, "arn": account.root_arn,
                        "principal_id": account.account_id}
            return password == account.root_password and root is not None, identity
        user = self.iam.users.get(who)
        if user is None:
            return False, None
        identity = {"kind": "IAMUser", "name": user.name, "arn": user.arn,
                    "principal_id": user.id}
        return bool(user.password) and user.password == password, identity

    def _mark_password_used(self, who: str) -> None:
        if who == "root":
            root = root_of(self.iam)
            if root is not None:
                root.password_last_used = utcnow()
        else:
            self.iam.users[who].password_last_used = utcnow()

    # -- root's access keys ---------------------------------------------------

    def root_access_keys(self, request: Request, body: bytes, at: dt.datetime | None = None,
                         replaying: bool = False) -> Response:
        payload = _payload(body)
        action = str(payload.get("action", ""))
        if action not in KEY_ACTIONS:
            return json_response({"error": f"Unknown action {action!r}; "
                                  f"choose one of {', '.join(KEY_ACTIONS)}."}, 400)
        ok, identity = self._check_password("root", str(payload.get("password", "")))
        if not ok or identity is None:
            return json_response({"error": "Sign in as the root user first: "
                                  "the root password is not right."}, 401)
        operation, read_only = KEY_ACTIONS[action]
        key_id = str(payload.get("accessKeyId", ""))
        moment = at or self.app.clock.now()  # the account's time
        root = root_of(self.iam)
        assert root is not None
        with time_machine.travel(moment, tick=False):
            result, error = self._apply(action, key_id)
        if not replaying:
            self._record(request, body, moment, identity, "root-access-keys", operation,
                         read_only=read_only, ok=error is None, replay=not read_only,
                         parameters={"accessKeyId": key_id} if key_id else {},
                         error_message=error)
        if error is not None:
            return json_response({"error": error}, 400)
        return json_response(result)

    def _apply(self, action: str, key_id: str) -> tuple[dict[str, Any], str | None]:
        root = root_of(self.iam)
        assert root is not None
        if action == "list":
            return {"accessKeys": [_describe(k) for k in root.access_keys]}, None
        if action == "create":
            try:
                key = create_root_key(self.iam, root)
            except Exception as error:
                return {}, str(getattr(error, "message", error))
            return {"accessKey": {**_describe(key), "secretAccessKey": key.secret_access_key}}, None
        existing = root.key(key_id)
        if existing is None:
            return {}, f"The root user has no access key {key_id!r}."
        if action == "delete":
            delete_root_key(self.iam, root, existing)
        else:
            existing.status = "Active" if action == "activate" else "Inactive"
        return {"accessKeys": [_describe(k) for k in root.access_keys]}, None

    # -- the record ------------------------------------------------------------

    def _record(self, request: Request, body: bytes, moment: dt.datetime,
                identity: dict[str, Any], path: str, operation: str, *, read_only: bool,
                ok: bool, replay: bool, response: dict[str, Any] | None = None,
                event_type: str = "AwsApiCall", parameters: dict[str, Any] | None = None,
                error_message: str | None = None) -> None:
        environ = dict(request.environ)
        environ["PATH_INFO"] = f"/_sandbox/console/{path}"
        self.app.append(Event(
            event_id=str(uuid.uuid4()),
            event_time=moment.isoformat(),
            event_type=event_type,
            identity_type=identity["kind"],
            principal_name=identity["name"],
            principal_arn=identity["arn"],
            principal_id=identity["principal_id"],
            access_key_id=None,
            service="signin" if event_type == "AwsConsoleSignIn" else "iam",
            operation=operation,
            region=self.app.account.region,
            read_only=read_only,
            parameters=parameters or {},
            response=response,
            status=200 if ok else 400,
            error_code=None if ok or event_type == "AwsConsoleSignIn" else "ConsoleError",
            error_message=error_message,
            source_ip=environ.get("REMOTE_ADDR") or "127.0.0.1",
            user_agent=CONSOLE_AGENT,
            request_id=str(uuid.uuid4()),
            resources=[{"type": "AWS::IAM::AccessKey", "name": parameters["accessKeyId"]}]
            if parameters and parameters.get("accessKeyId") else [],
            replay=replay,
            **raw_request(environ, body),
        ))


def _describe(key: Any) -> dict[str, Any]:
    used = key.last_used
    return {
        "accessKeyId": key.access_key_id,
        "status": key.status,
        "created": key.create_date.isoformat(),
        "lastUsed": used.timestamp.isoformat() if used else None,
    }


def _payload(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
