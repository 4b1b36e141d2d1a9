"""`grade` talks to the simulated account directly, never through a proxy: its
requests carry the grader's secret token and the learner's passwords. A real
account (live mode) is still reached through the learner's proxy."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
from collections.abc import Iterator

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from grader.checks.target import live_target, sandbox_target
from tests.conftest import Course

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                   "all_proxy")


class RecordingProxy:
    """Listens on 127.0.0.1, keeps what each connection sends, answers 502."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.seen: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            with connection:
                connection.settimeout(5)
                with contextlib.suppress(OSError):
                    self.seen.append(connection.recv(65536) or b"(connected)")
                    connection.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"
                                       b"Connection: close\r\n\r\n")

    def close(self) -> None:
        self.listener.close()
        self.thread.join(5)


@pytest.fixture
def proxy() -> Iterator[RecordingProxy]:
    recording = RecordingProxy()
    yield recording
    recording.close()


def with_proxy(env: dict[str, str], url: str) -> dict[str, str]:
    env = {k: v for k, v in env.items() if k.lower() != "no_proxy"}
    return {**env, **dict.fromkeys(PROXY_VARIABLES, url)}


def test_grade_never_sends_the_simulated_accounts_requests_through_a_proxy(
        home: Course, proxy: RecordingProxy) -> None:
    env = with_proxy(home.env, proxy.url)
    started = home.grade("sandbox", "start", env=env)
    try:
        assert started.returncode == 0, started.stderr
        status = home.grade("sandbox", "status", env=env)
        assert status.returncode == 0, status.stdout
        variables = home.grade("sandbox", "env", "--json", env=env)
        assert variables.returncode == 0, variables.stderr
        assert json.loads(variables.stdout)["AWS_ACCESS_KEY_ID"]
        graded = home.grade("00", "--json", env=env)
        assert graded.returncode == 1, graded.stderr  # graded: 00 is not done yet
        assert json.loads(graded.stdout)["mode"] == "sandbox"
        signin = home.grade("console", "signin", "root", "--password",
                            home.account()["root_password"], env=env)
        assert signin.returncode == 0, signin.stderr
        again = home.grade("sandbox", "start", env=env)
        assert again.returncode == 0 and "already running" in again.stdout, again.stderr
        # ...and to an address off this machine, nothing is even attempted.
        remote = with_proxy(home.env, "http://192.0.2.1:3128")
        assert home.grade("sandbox", "status", env=remote).returncode == 0
    finally:
        stopped = home.grade("sandbox", "stop", env=env)
    assert stopped.returncode == 0 and "Stopped" in stopped.stdout, stopped.stderr
    assert proxy.seen == []


def test_the_graders_clients_ignore_the_proxy_only_in_the_simulated_account(
        course: Course, proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    env = course.sandbox_env()
    account = course.account()
    for name in list(os.environ):
        if name.startswith("AWS_") or name.lower() == "no_proxy":
            monkeypatch.delenv(name)
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, proxy.url)
    simulated = sandbox_target(env["AWS_ENDPOINT_URL"], "us-east-1", account["grader_key_id"],
                               account["grader_secret"])
    assert simulated.account_id == account["account_id"]
    assert proxy.seen == []

    # A real account is reached as the learner reaches it: through their proxy.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", account["grader_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", account["grader_secret"])
    monkeypatch.setenv("AWS_ENDPOINT_URL", env["AWS_ENDPOINT_URL"])
    monkeypatch.setenv("AWS_CONFIG_FILE", str(course.home / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(course.home / "no-aws-credentials"))
    live = live_target(None)
    with pytest.raises((BotoCoreError, ClientError)):
        live.client("sts").get_caller_identity()
    assert proxy.seen, "live mode did not go through the learner's proxy"
    assert proxy.seen[0].startswith(f"POST {env['AWS_ENDPOINT_URL']}/".encode()), proxy.seen
