"""`grade sandbox env`: the shell lines that point this terminal at the simulated account.

    eval "$(grade sandbox env)"

Always: `AWS_ENDPOINT_URL`, `AWS_DEFAULT_REGION`, and the course's own AWS
configuration files (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`:
`grader.command.aws_config`), so that the learner's real `~/.aws` is neither used nor
written to. Then, whose credentials:

- while root has an access key (exercises 00 to 03): root's key, and no
  profile or session token that would win over it;
- once root has none (exercise 03 done): the learner's IAM admin user,
  through a profile of the course's configuration (`aws_config.working_profile`:
  the one already in `AWS_PROFILE`, else exercise 04's MFA profile, else the
  profile with the admin's key; a profile whose key, role or MFA device is not in
  the account now, left from work since undone, is passed over), and no key
  variables that would win over it.
  Without such a profile yet, one line on standard error says how to save one,
  never to use root.

It also forgets the AWS CLI's cached sessions of this account that its clock
says have expired (`grader.command.aws_cli_sessions`): running it again is the way out of
"ExpiredToken".

`--json` prints the same variables as one JSON object (those it would unset
are left out).
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Callable

from grader.command import aws_cli_sessions, aws_config
from grader.sandbox import control

# Variables that would make the AWS CLI or boto3 use other credentials than the ones
# chosen here.
PROFILE_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")
TOKEN_VARIABLES = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
KEY_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
SAVE_A_PROFILE = (
    "# The root user has no access key left (exercise 03), and the course's AWS config has "
    "no profile of your IAM admin user yet. Save your admin user's key as one, then run "
    "this again:  aws configure --profile sandbox-admin")


def variables(running: control.Running) -> tuple[dict[str, str], list[str], str]:
    """(what to export, what to unset, a note for standard error or "")."""
    answer = control.credentials(running)  # one read: root's keys and what profiles name
    env = control.environment(running, answer)
    env.update(aws_config.variables())
    note = ""
    if "AWS_ACCESS_KEY_ID" in env:
        unset = [*PROFILE_VARIABLES, *TOKEN_VARIABLES]
    else:
        profile = aws_config.working_profile(os.environ.get("AWS_PROFILE"),
                                             _in_the_account(control.names(answer)))
        unset = [*KEY_VARIABLES, *TOKEN_VARIABLES, "AWS_DEFAULT_PROFILE"]
        if profile is None:
            unset.append("AWS_PROFILE")
            note = SAVE_A_PROFILE
        else:
            env["AWS_PROFILE"] = profile
    forgotten = _forget_expired_sessions(running)
    if forgotten:
        note = "\n".join(filter(None, [note, f"# {forgotten}"]))
    return env, unset, note


def _in_the_account(names: control.Names) -> Callable[[aws_config.Profile], bool]:
    """Whether what a profile names is in the account now: a profile made for work since
    undone (`grade restart 04` takes the MFA role and device away) is passed over."""
    def holds(profile: aws_config.Profile) -> bool:
        return ((profile.key_id is None or profile.key_id in names.user_keys)
                and (profile.role_arn is None or profile.role_arn in names.roles)
                and (profile.mfa_serial is None or profile.mfa_serial in names.mfa_devices))

    return holds


def _forget_expired_sessions(running: control.Running) -> str:
    reading = control.account_time(running)
    return aws_cli_sessions.said(aws_cli_sessions.forget_expired(running.account.account_id,
                                                         reading.now))


def main(as_json: bool = False) -> int:
    env, unset, note = variables(control.require())
    if note:
        print(note, file=sys.stderr)
    if as_json:
        print(json.dumps(env))
        return 0
    print(f"unset {' '.join(unset)}")
    for name, value in env.items():
        print(f"export {name}={shlex.quote(value)}")
    return 0
