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

from tests.admin_user import after_03
from tests.conftest import Course

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


def forget_course_config(course: Course) -> None:
    """The shared test account is reset between tests, its course AWS config is not
    (`grade sandbox reset` leaves GRADE_HOME/aws alone): start each test without one."""
    import shutil

    shutil.rmtree(course.home / "aws", ignore_errors=True)


def after_03_with_profile(course: Course, home: Path, name: str = "dana") -> dict[str, str]:
    """Exercise 03 done, its key saved as `sandbox-admin` with the real AWS CLI; the
    terminal's environment afterwards (AWS_PROFILE=sandbox-admin, set by grade)."""
    forget_course_config(course)
    home.mkdir(parents=True, exist_ok=True)
    return save_profile(course, home, after_03(course, name))


def save_profile(course: Course, home: Path, admin: dict[str, str]) -> dict[str, str]:
    """`aws configure set` of the admin's key as `sandbox-admin`, then the terminal."""
    root_terminal = terminal(course, home)
    for setting in ("aws_access_key_id", "aws_secret_access_key"):
        done = subprocess.run(
            ["aws", "configure", "set", setting, admin[setting.upper()], "--profile", PROFILE],
            env=root_terminal, text=True, capture_output=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
    env = terminal(course, home)
    assert env.get("AWS_PROFILE") == PROFILE, env
    return env


def after_04_with_profile(course: Course, home: Path, name: str = "dana") -> dict[str, str]:
    """Exercise 04 done as its texts teach it (boto3 here, for speed): the admin's device
    in `grade authenticator` under the user's name, enabled with the codes of the two
    steps *before* now (so that the next two are still unused), a role that only MFA may
    assume, the require-MFA policy on the admin group, and the MFA profile; the terminal
    afterwards (AWS_PROFILE=sandbox-mfa, set by grade)."""
    import time

    import pyotp

    from tests.conftest import EXERCISES, client

    forget_course_config(course)
    home.mkdir(parents=True, exist_ok=True)
    admin = after_03(course, name)
    env = save_profile(course, home, admin)
    iam = client(admin, "iam")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    seed = device["Base32StringSeed"]
    seed = seed.decode() if isinstance(seed, bytes) else str(seed)
    added = course.grade("authenticator", "add", name, "--secret", seed, "--replace",
                         env=env)
    assert added.returncode == 0, added.stderr
    now = int(time.time()) // 30
    totp = pyotp.TOTP(seed)
    iam.enable_mfa_device(UserName=name, SerialNumber=device["SerialNumber"],
                          AuthenticationCode1=totp.generate_otp(now - 2),
                          AuthenticationCode2=totp.generate_otp(now - 1))
    solution = EXERCISES / "04-mfa" / "solution"
    account = client(admin, "sts").get_caller_identity()["Account"]
    role = iam.create_role(RoleName="admin-with-mfa", AssumeRolePolicyDocument=(
        solution / "admin-role-trust.json").read_text().replace("ACCOUNT", account))["Role"]
    iam.attach_role_policy(RoleName="admin-with-mfa",
                           PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    policy = iam.create_policy(PolicyName="RequireMFA", PolicyDocument=(
        solution / "require-mfa-policy.json").read_text())["Policy"]["Arn"]
    iam.attach_group_policy(GroupName="Admins", PolicyArn=policy)
    for setting, value in (("role_arn", role["Arn"]), ("source_profile", PROFILE),
                           ("mfa_serial", device["SerialNumber"])):
        done = subprocess.run(["aws", "configure", "set", setting, value,
                               "--profile", MFA_PROFILE],
                              env=env, text=True, capture_output=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
    env = terminal(course, home)
    assert env.get("AWS_PROFILE") == MFA_PROFILE, env
    return env
