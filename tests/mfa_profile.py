"""A learner's terminal from exercise 03 on, as the course's texts set it up: the admin
user's key saved as the profile `sandbox-admin` in the course's own AWS config (with
`aws configure`, as 03 ends), and `eval "$(grade sandbox env)"`, which then picks
that profile (root has no key) or, after 04, the MFA profile. HOME is the test's own,
so that the AWS CLI's cache of MFA sessions (`~/.aws/cli/cache`) is too.

Scripts run detached from any terminal (a new session, standard input closed), as in
a pipe: the AWS CLI then reads an MFA code from its standard input, never from a
terminal a developer's test run may have."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import Course
from tests.test_exercise_04 import after_03

PROFILE = "sandbox-admin"
MFA_PROFILE = "sandbox-mfa"


def run_detached(course: Course, command: list[str], env: dict[str, str],
                 cwd: Path | None = None, input: str | None = None,
                 ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, cwd=cwd, text=True, capture_output=True,
                          input=input, stdin=None if input is not None else subprocess.DEVNULL,
                          timeout=300, check=False, start_new_session=True)


def terminal(course: Course, home: Path, extra: dict[str, str] | None = None
             ) -> dict[str, str]:
    """The environment after `eval "$(grade sandbox env)"` (through the real command)."""
    base = {**course.env, "HOME": str(home), **(extra or {})}
    done = course.grade("sandbox", "env", "--json", env=base)
    assert done.returncode == 0, done.stderr
    env = {**base, **json.loads(done.stdout)}
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        if name not in json.loads(done.stdout):
            env.pop(name, None)
    return env


def after_03_with_profile(course: Course, home: Path, name: str = "dana") -> dict[str, str]:
    """Exercise 03 done, its key saved as `sandbox-admin` with the real AWS CLI; the
    terminal's environment afterwards (AWS_PROFILE=sandbox-admin, set by grade)."""
    home.mkdir(parents=True, exist_ok=True)
    admin = after_03(course, name)
    root_terminal = terminal(course, home)
    for setting in ("aws_access_key_id", "aws_secret_access_key"):
        done = subprocess.run(
            ["aws", "configure", "set", setting, admin[setting.upper()], "--profile", PROFILE],
            env=root_terminal, text=True, capture_output=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
    env = terminal(course, home)
    assert env.get("AWS_PROFILE") == PROFILE, env
    return env
