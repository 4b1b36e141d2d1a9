"""A bucket as the checks read it: its policy (GetBucketPolicy), who the policy names,
and its Block Public Access settings."""

from __future__ import annotations

import json
from typing import Any

from grader.policy import Principal

BLOCKS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def bucket_policy(s3: Any, bucket: str) -> tuple[bool, dict[str, Any] | None]:
    """(whether the bucket exists, its policy: None when it has none)."""
    from botocore.exceptions import ClientError

    try:
        text = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in ("NoSuchBucketPolicy", "NoSuchBucket"):
            return code != "NoSuchBucket", None
        raise
    loaded = json.loads(text)
    return True, loaded if isinstance(loaded, dict) else None


def named_principals(policy: dict[str, Any], account_id: str,
                     trusted: set[str]) -> dict[str, Principal]:
    """A principal for everyone a policy's Allow statements name, by the name the policy
    gives it (the `trusted` services and the account as a whole aside), and one standing
    for anyone at all ("*")."""
    from grader.policy.document import parse_document, statements, values

    found: dict[str, Principal] = {"*": Principal(arn="*", account_id="")}
    for statement in statements(parse_document(policy)):
        if statement.get("Effect") != "Allow":
            continue
        element = statement.get("Principal")
        if not isinstance(element, dict):
            continue
        for service in values(element.get("Service")):
            if service not in trusted:
                found[service] = Principal(arn="", account_id=account_id, service=service)
        for value in values(element.get("AWS")):
            owner = value.split(":")[4] if value.startswith("arn:") else value
            if value in (account_id, f"arn:aws:iam::{account_id}:root") or value == "*":
                continue
            arn = value if ":user/" in value or ":role/" in value \
                else f"arn:aws:iam::{owner}:user/someone"
            role = value if ":role/" in value else None
            found[value] = Principal(arn=arn, account_id=owner, role_arn=role)
    return found


def public_access_block(s3: Any, bucket: str) -> dict[str, bool] | None:
    """The bucket's four Block Public Access settings (None: it has none)."""
    from botocore.exceptions import ClientError

    try:
        found = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    except ClientError as error:
        if "NoSuch" in error.response.get("Error", {}).get("Code", ""):
            return None
        raise
    return {name: bool(found.get(name)) for name in BLOCKS}
