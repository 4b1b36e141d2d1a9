"""The account a grading reads: the simulated one, or a real one (live mode).

Either way a check gets boto3 clients that only read (`guard`). In the
simulated account the grader signs with its own key, so what the learner
did to their keys never stops grading; in live mode it uses the learner's
profile or environment and says which account it reads.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from grader.checks.guard import install_guard
from grader.errors import GradeError

# In the user agent of every call the grader makes: in a real account (live mode) they are
# made with the learner's credentials, and CloudTrail records them; a check that looks for
# the learner's own calls (ListPublicKeys, say) must not count the grader's.
GRADER_AGENT = "secure-your-aws-grader"


def by_grader(user_agent: str | None) -> bool:
    """Whether a call with `user_agent` was made by a grading."""
    return GRADER_AGENT in (user_agent or "")


@dataclass
class Target:
    """Where the checks read from, and how they reach it."""

    mode: str  # "sandbox" | "live"
    session: Any  # a botocore Session (boto3 is not needed, and slower to import)
    region: str
    endpoint: str | None = None
    _clients: dict[str, Any] = field(default_factory=dict)
    known_account: str | None = None  # the account id, once known
    # Reads what only the simulated account keeps, beyond AWS's API (its record's S3 object
    # reads, its inbox): `control("inbox")` is the JSON of GET /_sandbox/inbox. None in live
    # mode: a real account has no such thing.
    control: Callable[[str], Any] | None = None

    def client(self, service: str, region: str | None = None) -> Any:
        """A read-only client for `service` (in `region`, else the target's), made once per
        grading."""
        cached = f"{service}@{region or self.region}"
        if cached not in self._clients:
            from botocore.config import Config

            options: dict[str, Any] = {}
            if self.mode == "sandbox":
                # The simulated account is on this machine: its requests, signed with the
                # grader's key, never go through a proxy. botocore reads HTTP(S)_PROXY from
                # the environment only when `proxies` is None (endpoint.py, create_endpoint);
                # an empty dict means "no proxy". Live mode keeps the learner's proxy: it may
                # be their only way out to AWS.
                options["proxies"] = {}
            config = Config(retries={"max_attempts": 2, "mode": "standard"},
                            connect_timeout=5, read_timeout=20, user_agent_extra=GRADER_AGENT,
                            **options)
            kwargs: dict[str, Any] = {"region_name": region or self.region, "config": config}
            if self.endpoint:
                kwargs["endpoint_url"] = self.endpoint
            self._clients[cached] = install_guard(self.session.create_client(service, **kwargs))
        return self._clients[cached]

    @property
    def account_id(self) -> str:
        if self.known_account is None:
            from grader.checks.calls import call

            self.known_account = str(call(self.client("sts"), "get_caller_identity")["Account"])
        return self.known_account


def sandbox_target(endpoint: str, region: str, access_key_id: str, secret: str) -> Target:
    """The simulated account, read with the grader's key; the learner's AWS
    configuration (profiles, config files) plays no part."""
    import botocore.session

    ignored = (None, None, None, None)  # (config key, env var, default, conversion)
    session = botocore.session.Session(session_vars={
        "profile": ignored,
        "config_file": (None, None, os.devnull, None),
        "credentials_file": (None, None, os.devnull, None),
    })
    session.set_credentials(access_key_id, secret)
    return Target("sandbox", session, region, endpoint,
                  control=functools.partial(_control, endpoint, secret))


# The header that carries the grader's secret to the account's own endpoints (as
# `grader.sandbox.server.GRADER_TOKEN`: the checks do not import the account's code).
GRADER_TOKEN = "X-Grade-Token"


def _control(endpoint: str, secret: str, path: str) -> Any:
    """GET `/_sandbox/<path>` of the simulated account, as the grader; GradeError when it
    does not answer (a check never takes that as "nothing there")."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{endpoint}/_sandbox/{path}",
                                     headers={GRADER_TOKEN: secret})
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # on this machine
    try:
        with direct.open(request, timeout=20) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as error:
        raise GradeError(f"The simulated account did not give its {path.split('?')[0]} "
                         f"({error.code}).", "Restart it: `grade sandbox stop`, then "
                         "`grade sandbox start`.") from None
    except (OSError, ValueError) as error:
        raise GradeError(f"Could not reach the simulated account: {error}.",
                         "Is it running? Try `grade sandbox status`.") from None


def live_target(profile: str | None) -> Target:
    """A target for a real account: the named profile, or the environment's credentials."""
    import botocore.exceptions
    import botocore.session

    session = botocore.session.Session(profile=profile)
    try:
        credentials = session.get_credentials()
        region = session.get_config_variable("region") or "us-east-1"
    except botocore.exceptions.ProfileNotFound:
        raise GradeError(
            f"There is no AWS profile named {profile!r}.",
            "List yours with `aws configure list-profiles`, or create one with "
            "`aws configure --profile NAME`.",
        ) from None
    if credentials is None:
        raise GradeError(
            "No AWS credentials found for live grading.",
            "Pass --profile NAME, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
        )
    return Target("live", session, str(region))
