"""Long records for the re-grade benchmarks: a real simulated account, opened in this
process, then `events` requests signed by root's key one second apart (mostly reads, a tag
now and then), each made and recorded by the account as a request over HTTP would be. Every
event replays and is judged true. Made in this process; call it in another one (the
measuring process is a worker's)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

Rows = list[tuple[int, tuple[Any, ...], str]]

# (action, parameters): what each event asks, in turn (one write in ten).
CALLS = [("ListUsers", ""), ("GetUser", "&UserName=bench"), ("GetAccountSummary", ""),
         ("ListAttachedUserPolicies", "&UserName=bench"), ("GetUser", ""),
         ("TagUser", "&UserName=bench&Tags.member.1.Key=turn&Tags.member.1.Value={n}"),
         ("ListUsers", ""), ("ListAccessKeys", ""), ("GetUser", "&UserName=bench"),
         ("ListGroups", "")]


def heavy_record(events: int) -> tuple[dict[str, Any], Rows]:
    """A new account's identity (as a submission carries it) and its record of about
    `events` events, the last one a minute ago."""
    import time_machine
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from grader.sandbox.account import new_account
    from grader.sandbox.front_desk.app import iam_of
    from grader.sandbox.front_desk.wsgi import environ_for
    from grader.sandbox.history.bootstrap import first_history
    from grader.sandbox.history.rebuild import forget_accounts
    from grader.sandbox.history.record import RECORD_FILE, Record
    from grader.sandbox.server import assemble, install_services
    from grader.sandbox.services.iam.models import root_of

    install_services()
    forget_accounts()
    account = new_account()
    folder = Path(tempfile.mkdtemp(prefix="grade-bench-heavy-"))
    record = Record(folder / RECORD_FILE)
    app = assemble(account, record, None)
    first_history(app)
    root = root_of(iam_of(account.account_id))
    assert root is not None
    key = root.access_keys[0]
    credentials = Credentials(key.access_key_id, key.secret_access_key)
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=events + 60)

    def send(action: str, parameters: str) -> None:
        body = f"Action={action}&Version=2010-05-08{parameters}".encode()
        request = AWSRequest(method="POST", url="http://127.0.0.1/", data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "User-Agent": "aws-cli/1.46.3 md/Botocore#1.44.8 os/linux"})
        with time_machine.travel(moment, tick=False):
            SigV4Auth(credentials, "iam", account.region).add_auth(request)
        headers = {"HTTP_" + k.upper().replace("-", "_"): str(v)
                   for k, v in request.headers.items() if k.lower() != "content-type"}
        headers["CONTENT_TYPE"] = request.headers["Content-Type"]
        headers["HTTP_HOST"] = "127.0.0.1"  # signed: sent, as any client does
        answer = app.handle(environ_for("POST", "/", "", headers, body), body, at=moment)
        assert answer.status_code < 400, answer.get_data()

    send("CreateUser", "&UserName=bench")
    n = 0
    while record.count() < events:
        moment += dt.timedelta(seconds=1)
        action, parameters = CALLS[n % len(CALLS)]
        send(action, parameters.format(n=n))
        n += 1
    rows = record.stored()
    record.close()
    forget_accounts()
    return ({"accountId": account.account_id, "seed": account.seed,
             "openedAt": account.opened_at, "rootEmail": account.root_email,
             "rootPassword": account.root_password, "region": account.region}, rows)
