"""Steps of the exercise, done right, from which each wrong solution here is
built with exactly one mistake. Every script runs as the root user:

    eval "$(grade sandbox env)" && python broken/NAME.py

and says in its docstring which checks must fail (`fails: ...`): the one
it targets first, then those that depend on it.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import boto3

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
PASSWORD = "Correct-Horse-Battery-Staple-42"


@functools.cache
def root() -> Any:
    """Root's session (one: each new session reads botocore's models again)."""
    return boto3.Session()


@functools.cache
def iam() -> Any:
    return root().client("iam")


def root_key_id() -> str:
    return str(root().get_credentials().access_key)


def user(name: str = "alice", password: bool = True) -> None:
    iam().create_user(UserName=name)
    if password:
        iam().create_login_profile(UserName=name, Password=PASSWORD)


def group(name: str = "Admins", policy_arn: str | None = ADMIN,
          inline: dict[str, Any] | None = None) -> None:
    iam().create_group(GroupName=name)
    if policy_arn:
        iam().attach_group_policy(GroupName=name, PolicyArn=policy_arn)
    if inline:
        iam().put_group_policy(GroupName=name, PolicyName="permissions",
                               PolicyDocument=json.dumps(inline))


def join(user_name: str = "alice", group_name: str = "Admins") -> None:
    iam().add_user_to_group(GroupName=group_name, UserName=user_name)


def act_as(user_name: str = "alice") -> Any:
    """Use the IAM user (one call with its own key); returns its session."""
    key = iam().create_access_key(UserName=user_name)["AccessKey"]
    session = boto3.Session(aws_access_key_id=key["AccessKeyId"],
                            aws_secret_access_key=key["SecretAccessKey"])
    session.client("sts").get_caller_identity()
    return session


def delete_root_keys() -> None:
    key_id = root_key_id()
    iam().get_access_key_last_used(AccessKeyId=key_id)
    iam().delete_access_key(AccessKeyId=key_id)


def policy(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}
