"""Test fixtures: a real `grade` command against a real simulated account.

Every test process refuses network connections off this machine, and every
command it runs gets an environment with no AWS credentials, profiles or
config of the developer's: nothing here can reach real AWS.
"""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.netguard import forbid_remote

# The helpers that hold the exercises' driver's assertions (tests/test_hands_on_exercises.py):
# rewritten as a test module's are, so that a failing one shows its values.
pytest.register_assert_rewrite("tests.exercise_verdicts", "tests.exercise_extras",
                               "tests.exercise_runs", "tests.exercise_starts")

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
EXERCISES = ROOT / "exercises"


def clean_env(home: Path) -> dict[str, str]:
    """The environment of a learner with nothing configured, and this GRADE_HOME."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "GRADE_", "MOTO_"))}
    env.update({
        "GRADE_HOME": str(home),
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "AWS_CONFIG_FILE": str(home / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
        "NO_COLOR": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


class Course:
    """A learner's machine: one GRADE_HOME, the `grade` command, the AWS CLI."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = clean_env(home)

    def grade(self, *args: str, input: str | None = None,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(BIN / "grade"), *args], env=env or self.env, text=True,
                              capture_output=True, input=input, timeout=120, check=False)

    def grade_json(self, exercise: str) -> tuple[int, dict]:
        done = self.grade(exercise, "--json")
        assert done.returncode in (0, 1), done.stderr
        return done.returncode, json.loads(done.stdout)

    def sandbox_env(self) -> dict[str, str]:
        """The learner's environment after `eval "$(grade sandbox env)"`.

        Asked of the account directly, as `grade sandbox env` does, without starting a
        `grade` process each time (tests/test_persistence.py tests the command itself)."""
        from grader.sandbox import control

        running = control.find(self.home / "sandbox")
        assert running is not None, "the simulated account is not running"
        return {**self.env, **control.environment(running)}

    def run(self, command: list[str], cwd: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, env=env or self.sandbox_env(), cwd=cwd, text=True,
                              capture_output=True, timeout=300, check=False)

    def reset(self) -> None:
        """`grade sandbox reset --yes`, done as that command does it, in this process: a
        `grade` process for each of the suite's hundreds of resets cost a CPU-minute and a
        half (tests/test_archives.py and tests/test_persistence.py run the command)."""
        from grader.command.archive_commands import start_over, untouched
        from grader.sandbox import control

        folder = self.home / "sandbox"
        if control.find(folder) is None:  # to be started: as the command does it
            done = self.grade("sandbox", "reset", "--yes")
            assert done.returncode == 0, done.stderr
        elif not untouched(folder):
            start_over(folder)

    def account(self) -> dict:
        return json.loads((self.home / "sandbox" / "account.json").read_text())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long tests (`@pytest.mark.slow`) first, then the groups one worker runs in turn
    (`xdist_group`: the instructor server's tests), so that no worker is left running
    one of them alone at the end of a parallel run."""
    items.sort(key=lambda item: (item.get_closest_marker("slow") is None,
                                 item.get_closest_marker("xdist_group") is None))


@pytest.fixture(scope="session", autouse=True)
def _no_remote_connections() -> None:
    forbid_remote()


@pytest.fixture(scope="session", autouse=True)
def _children_hear_ctrl_c() -> None:
    """A suite started as a background job of a script (`(./scripts/test &)`) has SIGINT
    ignored, and so would every process it starts: `grade watch` and the course site would
    not hear the Ctrl-C that tests send them. A handler here is reset to the default in
    each process this one starts, as a terminal's would be."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def course(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Course]:
    """A running simulated account, shared by the tests of one process."""
    course = Course(tmp_path_factory.mktemp("grade-home"))
    started = course.grade("sandbox", "start")
    assert started.returncode == 0, started.stderr
    yield course
    course.grade("sandbox", "stop")


@pytest.fixture
def fresh(course: Course) -> Course:
    """The shared account, back in its starting state."""
    course.reset()
    return course


@pytest.fixture
def home(tmp_path: Path) -> Course:
    """A learner's machine of its own, with no simulated account running."""
    return Course(tmp_path / "grade-home")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    from tests.site_server import CHROMIUM, CHROMIUM_ARGS

    assert Path(CHROMIUM).exists(), f"Chromium is not installed at {CHROMIUM}"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def boto3_session(env: dict[str, str]):  # type: ignore[no-untyped-def]
    import boto3

    return boto3.Session(aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                         aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
                         region_name=env["AWS_DEFAULT_REGION"])


_CLIENTS = threading.Lock()


@functools.cache
def _shared_session():  # type: ignore[no-untyped-def]
    """One boto3 session for every test client: each new session reads botocore's
    service models again (a tenth of a second or more each time)."""
    import boto3

    return boto3.Session(region_name="us-east-1")


def client(env: dict[str, str], service: str):  # type: ignore[no-untyped-def]
    with _CLIENTS:  # creating clients from one session is not thread-safe
        return _shared_session().client(
            service, endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name=env["AWS_DEFAULT_REGION"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=env.get("AWS_SESSION_TOKEN"))
