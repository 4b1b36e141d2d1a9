"""Whose keys `grade` hands out: root's, for the learner's AWS CLI and boto3
(`environment`, `grade sandbox env`), what the learner's profiles may name
(`names`), and the grader's own (`grader_environment`, for the checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from grader.sandbox.control.calls import get

if TYPE_CHECKING:
    from grader.sandbox.control.process import Running


def credentials(running: Running) -> dict[str, Any]:
    """The account's `/_sandbox/credentials` answer: root's keys, and what profiles name."""
    answer: dict[str, Any] = get(running.endpoint, "/_sandbox/credentials",
                                  running.account.grader_secret)
    return answer


def environment(running: Running, answer: dict[str, Any] | None = None) -> dict[str, str]:
    """The variables that point the AWS CLI and boto3 at the account, as root (`answer`:
    the `credentials` already read, if they were)."""
    answer = answer if answer is not None else credentials(running)
    keys = answer.get("rootAccessKeys", [])
    active = [k for k in keys if k["status"] == "Active"] or keys
    env = {"AWS_ENDPOINT_URL": running.endpoint, "AWS_DEFAULT_REGION": running.account.region}
    if active:
        env["AWS_ACCESS_KEY_ID"] = active[0]["accessKeyId"]
        env["AWS_SECRET_ACCESS_KEY"] = active[0]["secretAccessKey"]
    return env


@dataclass(frozen=True)
class Names:
    """What a learner's AWS CLI profile may name, as the account has it now."""

    user_keys: frozenset[str]  # the ids of IAM users' active access keys
    roles: frozenset[str]  # role ARNs
    mfa_devices: frozenset[str]  # the serial numbers of IAM users' MFA devices


def names(answer: dict[str, Any]) -> Names:
    """What profiles may name, from the account's `credentials` answer."""
    return Names(frozenset(answer.get("userAccessKeys", [])), frozenset(answer.get("roles", [])),
                 frozenset(answer.get("mfaDevices", [])))


def grader_environment(running: Running) -> dict[str, str]:
    """The grader's own credentials: not the learner's, not an IAM key."""
    return {
        "endpoint": running.endpoint,
        "region": running.account.region,
        "access_key_id": running.account.grader_key_id,
        "secret_access_key": running.account.grader_secret,
    }
