"""Helpers for the instructor server's tests: a real `grade-server serve` (uvicorn) in a
subprocess on 127.0.0.1, raw HTTP (http.client), learners' records and submissions made
here (hash-chained as `grader.sandbox.history.record` chains them), and seeding by SQL."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from grader.progress.submission import GENESIS, RecordSlice, StoredEvent, Submission, sign
from grader.sandbox.history.record import CLOCK_EVENT, COLUMNS, chain_link
from tests.conftest import BIN

PASSWORD = "a long enough password"
ACCOUNT = "123456789012"
_INDEX = {name: i for i, name in enumerate(COLUMNS)}


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, every: float = 0.02) -> Any:
    """Poll `condition` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {condition}")
        time.sleep(every)


# -- records and submissions ----------------------------------------------------------

def event_values(seq: int, moment: dt.datetime, event_type: str = "AwsApiCall",
                 parameters: dict[str, Any] | None = None, salt: str = "") -> list[Any]:
    """An event's stored columns (as `grader.sandbox.history.record` stores them)."""
    values: dict[str, Any] = {name: None for name in COLUMNS}
    values.update(
        event_id=str(uuid.UUID(int=seq + (hash(salt) & 0xFFFF) * 2**64)),
        event_time=moment.isoformat(), event_type=event_type, identity_type="IAMUser",
        principal_name="alice", principal_arn=f"arn:aws:iam::{ACCOUNT}:user/alice",
        principal_id="AIDAEXAMPLE", access_key_id="AKIAEXAMPLE", service="iam",
        operation="CreateUser" if event_type != CLOCK_EVENT else "AdvanceClock",
        region="us-east-1", read_only=0,
        parameters=json.dumps(parameters or {"UserName": f"user-{seq}{salt}"}, sort_keys=True),
        response=json.dumps({"ok": True}), status=200, source_ip="127.0.0.1",
        user_agent="aws-cli/1.46.3", request_id=f"req-{seq}", resources="[]", replay=1,
        method="POST", path="/", query="", headers="{}",
        body=f"Action=CreateUser&UserName=user-{seq}{salt}".encode())
    return [values[name] for name in COLUMNS]


@dataclass
class Record:
    """A learner's simulated account's record, built here event by event."""

    # An account of its own: one account submitted by two learners is a copy (refused).
    account_id: str = field(default_factory=lambda: str(secrets.randbelow(9 * 10**11) + 10**11))
    events: list[StoredEvent] = field(default_factory=list)
    salt: str = ""

    @property
    def head(self) -> tuple[int, str]:
        return (self.events[-1].seq, self.events[-1].chain) if self.events else (0, GENESIS)

    def add(self, count: int = 1, start: dt.datetime | None = None, step: float = 1.0,
            event_type: str = "AwsApiCall", parameters: dict[str, Any] | None = None) -> None:
        moment = start or (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        if self.events and start is None:
            last = dt.datetime.fromisoformat(self.events[-1].columns[_INDEX["event_time"]])
            moment = last + dt.timedelta(seconds=step)
        for _ in range(count):
            seq, previous = self.head
            values = event_values(seq + 1, moment, event_type, parameters, self.salt)
            self.events.append(StoredEvent(seq + 1, tuple(values),
                                           chain_link(previous, values)))
            moment += dt.timedelta(seconds=step)

    def slice(self, after: int = 0) -> RecordSlice:
        link = GENESIS if after == 0 else self.events[after - 1].chain
        return RecordSlice(after, link, tuple(e for e in self.events if e.seq > after))

    def account(self) -> dict[str, Any]:
        return {"accountId": self.account_id, "seed": 7, "openedAt": "2026-11-01T00:00:00+00:00",
                "rootEmail": "root@example.com", "rootPassword": "pw", "region": "us-east-1"}


def verdict(exercise: str = "03-stop-using-root", passed: bool = True,
            checks: dict[str, bool] | None = None) -> dict[str, Any]:
    checks = checks if checks is not None else {"admin-user-exists": passed,
                                                 "root-not-used": passed}
    return {"exercise": exercise, "passed": passed, "checks": [
        {"id": cid, "title": f"The check {cid}", "passed": ok,
         "message": "fine" if ok else f"{cid} does not hold", "hint": "do it"}
        for cid, ok in checks.items()]}


def submission(record: Record | None, after: int = 0, exercise: str = "03-stop-using-root",
               passed: bool = True, mode: str = "sandbox", answers: str | None = None,
               sub_id: str | None = None, checks: dict[str, bool] | None = None) -> Submission:
    return Submission(
        id=sub_id or str(uuid.uuid4()), exercise=exercise, graded_at=dt.datetime.now(dt.UTC),
        mode=mode, verdict=verdict(exercise, passed, checks), answers=answers,
        account=record.account() if record and mode != "live" else None,
        record=record.slice(after) if record and mode != "live" else None)


# -- the server ----------------------------------------------------------------------

@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_env(home: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADE_", "AWS_"))}
    env.update(GRADE_SERVER_HOME=str(home), GRADE_SERVER_DATABASE=url,
               PYTHONDONTWRITEBYTECODE="1")
    return env


def grade_server(home: Path, url: str, *args: str, input: str | None = None,
                 ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "grade-server"), *args], env=server_env(home, url),
                          input=input, text=True, capture_output=True, timeout=120,
                          check=False)


class Server:
    """`grade-server serve` on a free port of 127.0.0.1, against `url`."""

    def __init__(self, home: Path, url: str, *extra: str) -> None:
        self.home = home
        self.url = url
        self.port = _free_port()
        self.log = home / "server.log"
        home.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(BIN / "grade-server"), "serve", "--port", str(self.port), *extra],
                env=server_env(home, url), stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"
        wait_for(self._up, timeout=180)  # a deadline: a loaded CI machine can be that slow

    def _up(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"grade-server stopped:\n{self.log.read_text()[-3000:]}")
        try:
            return self.request("GET", "/healthz").status == 200
        except OSError:
            return False

    def pid(self) -> int:
        """The serving (child) process's pid."""
        return int(self.request("GET", "/healthz").json()["pid"])

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, timeout: float = 30,
                source: str | None = None) -> Reply:
        """One request on a new connection (from `source`, another loopback address such
        as 127.0.0.7, to be another client for the rate limits)."""
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=timeout,
            source_address=(source, 0) if source else None)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            answer = connection.getresponse()
            return Reply(answer.status, {k.lower(): v for k, v in answer.getheaders()},
                         answer.read())
        finally:
            connection.close()

    def json(self, method: str, path: str, document: Any,
             headers: dict[str, str] | None = None, source: str | None = None) -> Reply:
        return self.request(method, path, json.dumps(document).encode(),
                            {"Content-Type": "application/json", **(headers or {})},
                            source=source)

    def join(self, code: str, name: str) -> dict[str, Any]:
        reply = self.json("POST", "/api/join", {"code": code, "name": name})
        assert reply.status == 201, reply.text
        return dict(reply.json())

    def submit(self, token: str, sub: Submission | bytes, signature: str | None = None,
               ) -> Reply:
        body = sub if isinstance(sub, bytes) else sub.encode()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/gzip",
                   "X-Grade-Signature": signature or sign(token, body)}
        return self.request("POST", "/api/submissions", body, headers)

    def submit_patiently(self, token: str, sub: Submission, tries: int) -> Reply:
        """`submit`, waiting as told and trying again while the server answers 429 (as
        `grade` does), at most `tries` times."""
        for _ in range(tries):
            reply = self.submit(token, sub)
            if reply.status != 429:
                break
            time.sleep(float(reply.headers["retry-after"]))
        return reply

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


class Browser:
    """An instructor's (or learner's) cookies and CSRF token, over raw HTTP."""

    def __init__(self, server: Server, source: str | None = None) -> None:
        self.server = server
        self.source = source  # another loopback address: another client
        self.cookie = ""

    def request(self, method: str, path: str, form: dict[str, str] | None = None,
                ) -> Reply:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        reply = self.server.request(method, path, body, headers, source=self.source)
        cookie = reply.headers.get("set-cookie", "")
        if cookie.startswith("grade_session="):
            self.cookie = cookie.split(";", 1)[0]
        return reply

    def csrf(self, path: str = "/login") -> str:
        page = self.request("GET", path)
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, page.text[:500]
        return found.group(1)

    def login(self, email: str, password: str = PASSWORD) -> Reply:
        token = self.csrf("/login")
        return self.request("POST", "/login", {"csrf": token, "email": email,
                                               "password": password})


def gzip_bomb(size: int = 65 * 1024 * 1024) -> bytes:
    """A small gzip body that inflates to `size` bytes (more than a submission may)."""
    return gzip.compress(b"{" + b" " * size, compresslevel=1, mtime=0)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# -- deployments (a database, its first instructor and cohort, a running server) -------

@pytest.fixture(scope="module", name="server_database", params=[
    # Each database's tests are a group of their own (with the modules' "server" mark: one
    # worker runs the SQLite ones, another the PostgreSQL ones; scripts/test: loadgroup).
    pytest.param("sqlite", marks=pytest.mark.xdist_group("sqlite")),
    pytest.param("postgresql", marks=pytest.mark.xdist_group("postgresql"))])
def server_database_fixture(request: pytest.FixtureRequest,
                            tmp_path_factory: pytest.TempPathFactory) -> str:
    """A new empty database: SQLite, then PostgreSQL (tests/postgres.py's cluster)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('server-db')}/server.sqlite"
    cluster = request.getfixturevalue("postgres_cluster")
    return str(cluster.new_database())


@dataclass
class Deployment:
    """A database made ready by `grade-server init`, with one cohort, and its server."""

    home: Path
    url: str
    email: str
    cohort_id: int
    code: str
    server: Server | None = None

    def engine(self) -> Any:
        from grader.server.database import connect

        if not hasattr(self, "_engine"):
            self._engine = connect(self.url)
        return self._engine

    def seed_learner(self, name: str, cohort_id: int | None = None) -> dict[str, Any]:
        """A learner who joined (by SQL, not HTTP): {learner, token, id}."""
        import sqlalchemy as sa

        from grader.server import enrolment
        from grader.server.database import writing
        from grader.server.schema import cohorts, learners

        with writing(self.engine()) as connection:
            code = connection.execute(sa.select(cohorts.c.code).where(
                cohorts.c.id == (cohort_id or self.cohort_id))).scalar_one()
            joined = enrolment.join(connection, code, name)
            row_id = connection.execute(sa.select(learners.c.id).where(
                learners.c.public_id == joined.learner)).scalar_one()
        return {"learner": joined.learner, "token": joined.token, "id": int(row_id)}

    def count(self, table: str) -> int:
        import sqlalchemy as sa

        with self.engine().connect() as connection:
            return int(connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one())

    def rows(self, sql: str, **params: Any) -> list[Any]:
        import sqlalchemy as sa

        with self.engine().connect() as connection:
            return list(connection.execute(sa.text(sql), params).all())


def deploy(home: Path, url: str, email: str = "teacher@example.com") -> Deployment:
    """A database made ready as `grade-server init` and `cohort create` make it, in this
    process (tests/test_server_cli.py runs the commands themselves)."""
    from grader.server import auth, enrolment, migrate
    from grader.server.database import connect, writing

    engine = connect(url)
    migrate.upgrade(engine)
    with writing(engine) as connection:
        instructor = auth.create_instructor(connection, email, PASSWORD)
        cohort_id, code = enrolment.create_cohort(connection, instructor, "Cohort A")
    deployment = Deployment(home, url, email, cohort_id, code)
    deployment._engine = engine
    return deployment
