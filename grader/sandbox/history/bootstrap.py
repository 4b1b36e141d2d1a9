"""The account a learner starts from: opened a month ago, never secured.

The root user has a password and an access key that has been used, and no
one has created an IAM user yet: the neglected account the "Stop using the
root user" lesson starts from. `open_account` creates the root user and its
key (the same every time, from the account's seed); `first_history` makes
the root user's first calls, once, into the record.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import time_machine
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.moto_api._internal import mock_random
from werkzeug.wrappers import Request

from grader.sandbox.front_desk.app import SandboxApp, iam_of
from grader.sandbox.front_desk.wsgi import environ_for
from grader.sandbox.services import registry
from grader.sandbox.services.iam.models import RootUser, create_root, create_root_key, root_of


def create_backends(account_id: str, region: str) -> None:
    """Create the backends of the services declared eager (`registry.eager`), so that no
    request creates them later (a backend's constructor draws random ids; drawing them
    inside a request would change that request's ids between the first run and a replay)."""
    from moto.backends import get_backend

    for service in registry.eager():
        backends: Any = get_backend(service)  # type: ignore[call-overload]
        regions = backends[account_id]
        name = region if region in regions.regions else "aws"  # global services: "aws"
        regions[name]


def open_account(app: SandboxApp) -> RootUser:
    """The root user and its first access key, the same on every start."""
    account = app.account
    mock_random.seed(account.seed)
    create_backends(account.account_id, account.region)
    # moto builds each service's app from some account's backend, just to read its
    # URLs ("the exact account is irrelevant"): let it be this account's, already made,
    # rather than a second IAM backend with all of AWS's managed policies (0.2 s).
    from moto.moto_server import werkzeug_app

    setattr(werkzeug_app, "DEFAULT_ACCOUNT_ID", account.account_id)  # noqa: B010
    for service in registry.eager():  # moto's per-service apps draw random ids when made
        if service not in app.moto.app_instances:
            app.moto.app_instances[service] = app.moto.create_app(service)  # type: ignore[arg-type]
    iam = iam_of(account.account_id)
    existing = root_of(iam)
    if existing is not None:
        return existing
    with time_machine.travel(account.opened, tick=False):
        root = create_root(iam, account.root_email, account.opened)
    with time_machine.travel(account.opened + dt.timedelta(hours=1), tick=False):
        create_root_key(iam, root)
    return root


def first_history(app: SandboxApp, now: dt.datetime | None = None) -> None:
    """The root user's first sign-in and its key's first uses, into the record."""
    account = app.account
    now = now or dt.datetime.now(dt.UTC)
    root = root_of(iam_of(account.account_id))
    assert root is not None
    key = root.access_keys[0]
    signin = json.dumps({"user": "root", "password": account.root_password}).encode()
    environ = environ_for("POST", "/_sandbox/console/signin", "",
                          {"CONTENT_TYPE": "application/json"}, signin)
    app.control["console/signin"](Request(environ), signin,
                                  account.opened + dt.timedelta(minutes=5))  # type: ignore[call-arg]
    calls = [
        (account.opened + dt.timedelta(hours=1, minutes=2), "iam", "ListAccountAliases",
         "2010-05-08"),
        (now - dt.timedelta(days=3), "iam", "ListUsers", "2010-05-08"),
        (now - dt.timedelta(days=2, hours=5), "iam", "GetAccountSummary", "2010-05-08"),
    ]
    for moment, service, action, version in calls:
        body = f"Action={action}&Version={version}".encode()
        request = AWSRequest(
            method="POST", url="http://127.0.0.1/", data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                     "User-Agent": "aws-cli/1.46.3 md/Botocore#1.44.8 os/linux"},
        )
        with time_machine.travel(moment, tick=False):
            SigV4Auth(Credentials(key.access_key_id, key.secret_access_key),
                      service, account.region).add_auth(request)
        headers = {"HTTP_" + k.upper().replace("-", "_"): str(v)
                   for k, v in request.headers.items() if k.lower() != "content-type"}
        headers["CONTENT_TYPE"] = request.headers["Content-Type"]
        headers["HTTP_HOST"] = "127.0.0.1"  # signed: it must be sent, as any client does
        answer = app.handle(environ_for("POST", "/", "", headers, body), body, at=moment)
        if answer.status_code != 200:  # the starting state would silently be wrong
            raise RuntimeError(f"the account's starting history could not be made: {action} "
                               f"was answered {answer.status_code}: {answer.get_data()[:300]!r}")
