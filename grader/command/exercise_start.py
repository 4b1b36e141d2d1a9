"""`grade start NN`: what happens in the account before an exercise begins.

Some exercises start from activity that is not the learner's: exercise
05's colleagues who used the account for a few hours, one of whom did
something the learner has to find. An exercise that has such a start keeps
it beside its checks, as `start.py` with a function

    def start(account: StartingAccount) -> str

which makes it happen through the AWS API of the simulated account (and
returns what to tell the learner). Nothing is written behind the record's
back: the calls are signed with real credentials (the learner's own, for
setting things up; the colleagues' keys for their work) and go through the
front desk, and the time between them passes on the account's clock
(`advance`, recorded like any other `grade sandbox advance`), so the
activity ends in the account's past and replays like everything else.

The learner's credentials are the ones their AWS CLI would use (their
environment or profile), always sent to the simulated account on this
machine, never anywhere else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
from dataclasses import dataclass, field
from typing import Any

from grader.course.exercises import find
from grader.errors import GradeError

START_FILE = "start.py"


@dataclass
class StartingAccount:
    """The simulated account, as an exercise's `start` sees it."""

    endpoint: str
    region: str
    account_id: str
    _learner: Any  # a botocore Session with the learner's credentials
    _clients: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str, key: dict[str, str] | None = None,
               region: str | None = None) -> Any:
        """A client of the account (in `region`, else the account's): the learner's, or one
        signed with `key` (an access key as CreateAccessKey returns it)."""
        cached = f"{service}@{key['AccessKeyId'] if key else 'learner'}@{region}"
        if cached not in self._clients:
            signed = {} if key is None else {"aws_access_key_id": key["AccessKeyId"],
                                             "aws_secret_access_key": key["SecretAccessKey"],
                                             "aws_session_token": None}
            self._clients[cached] = self._learner.create_client(
                service, region_name=region or self.region, endpoint_url=self.endpoint,
                **signed)
        return self._clients[cached]

    def advance(self, by: dt.timedelta) -> dt.datetime:
        """Let `by` pass on the account's clock; the account's time after it."""
        from grader.sandbox import control

        return control.advance(control.require(), by).now


def start(name: str) -> int:
    """Make exercise `name`'s starting activity happen in the simulated account."""
    exercise = find(name)
    path = exercise.folder / START_FILE
    if not path.exists():
        raise GradeError(f"{exercise.id} starts from the account as it is: there is nothing to "
                         "start.", f"Read the task with `grade show {exercise.id[:2]}`.")
    from grader.netguard import forbid_remote
    from grader.sandbox import control

    running = control.require()
    forbid_remote()
    account = StartingAccount(running.endpoint, running.account.region,
                              running.account.account_id, _learner_session())
    spec = importlib.util.spec_from_file_location(f"start_{exercise.id.replace('-', '_')}",
                                                  path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        said = module.start(account)
    except _client_errors() as error:
        raise _refused(error) from None
    print(said)
    _forget_expired_sessions(running)
    return 0


def _forget_expired_sessions(running: Any) -> None:
    """The start moved the account's clock: the AWS CLI's sessions it expired go."""
    from grader.command import aws_cli_sessions
    from grader.sandbox import control

    forgotten = aws_cli_sessions.said(aws_cli_sessions.forget_expired(
        running.account.account_id, control.account_time(running).now))
    if forgotten:
        print(forgotten)


NO_CREDENTIALS = GradeError(
    "No AWS credentials in this terminal: the start is made with yours, as your IAM admin "
    "user.",
    "Run `eval \"$(grade sandbox env)\"`: it sets your admin user's profile from the "
    "course's AWS config (save one with `aws configure --profile sandbox-admin` if it has "
    "none), then try again.")


def _learner_session() -> Any:
    """The credentials the learner's AWS CLI would use, sharing the AWS CLI's cached MFA
    sessions (a role profile's session is not asked for again); a GradeError when there
    are none."""
    import botocore.session
    from botocore.exceptions import UnknownCredentialError

    from grader.command import aws_cli_sessions

    session = botocore.session.Session()
    with contextlib.suppress(UnknownCredentialError):  # as awscli.customizations.assumerole
        session.get_component("credential_provider").get_provider("assume-role").cache = \
            aws_cli_sessions.file_cache()
    if session.get_credentials() is None:
        raise NO_CREDENTIALS
    return session


def _client_errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (ClientError, BotoCoreError)


def _refused(error: BaseException) -> GradeError:
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "")
        fix = "Use your IAM admin user's credentials, then try again."
        if code in ("AccessDenied", "AccessDeniedException"):
            fix = ("If your admin group requires MFA (exercise 04), work with your MFA "
                   "profile (`export AWS_PROFILE=sandbox-mfa`, whose session the AWS CLI "
                   "asks a code for), then try again.")
        elif code in ("ExpiredToken", "ExpiredTokenException"):
            fix = ("Your MFA session has expired on the account's clock: run "
                   "`eval \"$(grade sandbox env)\"` (it forgets expired sessions), then "
                   "try again: the AWS CLI asks for a new code.")
        elif code in ("InvalidClientTokenId", "UnrecognizedClientException",
                      "SignatureDoesNotMatch", "InvalidAccessKeyId"):
            fix = ("These credentials are not the simulated account's: use your IAM admin "
                   "user's profile there, or `eval \"$(grade sandbox env)\"`.")
        return GradeError(f"The simulated account refused the start: {code}: {message}", fix)
    return GradeError(f"The simulated account could not be reached: {error}",
                      "Check it with `grade sandbox status`.")
