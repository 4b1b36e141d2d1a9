"""The README's course command, in a fresh clone, for a learner with nothing set up.

A clean temporary HOME (no ~/.aws, no ~/.grade), the committed files only (a
`git clone` of this repository), and uv's download cache allowed (the one this
suite's own install filled), so that this is the install a new learner gets,
minus the downloads. Then the learner's loop for 00 and 03 through the real AWS
CLI installed there.

(The README's other command, `./scripts/test`, is what CI runs on a fresh
clone of its own machine: running it here again, inside the suite it runs,
would prove nothing more and cost minutes of the suite's time.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import BIN, ROOT

pytestmark = pytest.mark.slow


class Machine:
    def __init__(self, tmp: Path) -> None:
        self.clone = tmp / "secure-your-aws-account"
        self.home = tmp / "home"
        self.home.mkdir()
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(self.clone)], check=True)
        cache = subprocess.run([str(BIN / "uv"), "cache", "dir"], text=True,
                               capture_output=True, check=False).stdout.strip()
        kept = {k: v for k, v in os.environ.items()
                if not k.startswith(("AWS_", "GRADE_", "MOTO_", "VIRTUAL_ENV", "PYTHON"))}
        self.env = kept | {"HOME": str(self.home), "PORT": str(_free_port()),
                           "PATH": _without_venv(kept.get("PATH", ""))}
        if cache:
            self.env["UV_CACHE_DIR"] = cache

    def shell(self, script: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        """`script` in bash, in the clone, as the learner types it."""
        return subprocess.run(["bash", "-c", script], cwd=self.clone, env=self.env, text=True,
                              capture_output=True, timeout=timeout, check=False)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _without_venv(path: str) -> str:
    return os.pathsep.join(p for p in path.split(os.pathsep) if "/.venv/" not in p + "/")


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[Machine]:
    machine = Machine(tmp_path)
    yield machine
    machine.shell(".venv/bin/grade sandbox stop", timeout=60)


def _wait_for(url: str, course: subprocess.Popen[str], timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if course.poll() is not None:
            out, err = course.communicate()
            raise AssertionError(f"./scripts/course stopped ({course.returncode}):\n{out}\n{err}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the course site never answered at {url}")


LEARNER_LOOP = """
set -e
source .venv/bin/activate
grade
eval "$(grade sandbox env)"
aws sts get-caller-identity
grade 00
grade show 03 > /dev/null
bash exercises/03-stop-using-root/solution/solution.sh
grade 03
"""


def test_the_readme_commands_work_on_a_fresh_machine(machine: Machine) -> None:
    readme = (machine.clone / "README.md").read_text(encoding="utf-8")
    assert "./scripts/course" in readme and "./scripts/test" in readme
    course = subprocess.Popen(["./scripts/course"], cwd=machine.clone, env=machine.env,
                              text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        site = f"http://127.0.0.1:{machine.env['PORT']}/"
        _wait_for(site, course)
        loop = machine.shell(LEARNER_LOOP)
        assert loop.returncode == 0, loop.stdout[-3000:] + loop.stderr[-3000:]
        assert "The check passes" in loop.stdout and "All 6 checks pass" in loop.stdout
        assert json.loads(loop.stdout[loop.stdout.index("{"):loop.stdout.index("}") + 1])[
            "Arn"].endswith(":root")
        again = machine.shell("./scripts/course", timeout=600)
        assert again.returncode == 0, again.stderr
        assert f"The course site is already running at {site}" in again.stdout
        assert "Traceback" not in again.stderr
    finally:
        course.send_signal(signal.SIGINT)
        _, err = course.communicate(timeout=60)
    # No build tool's deprecation warning (pip's notes about this machine's own
    # configuration are not ours to fix).
    assert "BuildBackendWarning" not in err and "deprecat" not in err.lower(), err
    assert "Traceback" not in err
    with pytest.raises(OSError):
        urllib.request.urlopen(site, timeout=5)  # Ctrl-C stopped the site
