"""The account a grading reads: the simulated one, or a real one (live mode).

Either way a check gets boto3 clients that only read (`guard`). In the
simulated account the grader signs with its own key, so what the learner
did to their keys never stops grading; in live mode it uses the learner's
profile or environment and says which account it reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.checks.guard import install_guard
from grader.errors import GradeError


@dataclass
class Target:
    """Where the checks read from, and how they reach it."""

    mode: str  # "sandbox" | "live"
    session: Any  # a boto3 Session
    region: str
    endpoint: str | None = None
    _clients: dict[str, Any] = field(default_factory=dict)
    _account_id: str | None = None

    def client(self, service: str) -> Any:
        """A read-only client for `service`, made once per grading."""
        if service not in self._clients:
            from botocore.config import Config

            config = Config(retries={"max_attempts": 2, "mode": "standard"},
                            connect_timeout=5, read_timeout=20)
            kwargs: dict[str, Any] = {"region_name": self.region, "config": config}
            if self.endpoint:
                kwargs["endpoint_url"] = self.endpoint
            self._clients[service] = install_guard(self.session.client(service, **kwargs))
        return self._clients[service]

    @property
    def account_id(self) -> str:
        if self._account_id is None:
            self._account_id = str(self.client("sts").get_caller_identity()["Account"])
        return self._account_id


def sandbox_target(endpoint: str, region: str, access_key_id: str, secret: str) -> Target:
    import boto3

    session = boto3.Session(
        aws_access_key_id=access_key_id, aws_secret_access_key=secret, region_name=region
    )
    return Target("sandbox", session, region, endpoint)


def live_target(profile: str | None) -> Target:
    """A target for a real account: the named profile, or the environment's credentials."""
    import boto3
    import botocore.exceptions

    try:
        session = boto3.Session(profile_name=profile) if profile else boto3.Session()
    except botocore.exceptions.ProfileNotFound:
        raise GradeError(
            f"There is no AWS profile named {profile!r}.",
            "List yours with `aws configure list-profiles`, or create one with "
            "`aws configure --profile NAME`.",
        ) from None
    if session.get_credentials() is None:
        raise GradeError(
            "No AWS credentials found for live grading.",
            "Pass --profile NAME, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
        )
    region = session.region_name or "us-east-1"
    return Target("live", session, region)
