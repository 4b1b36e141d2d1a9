"""Authorizing IAM users' requests, as AWS does: a user may do only what its
policies allow (and its permissions boundary permits).

The root user is never limited; the grader is not an IAM identity. A user's
request is evaluated with `grader.policy` for the IAM action it needs, on the
resource it names (the user, group, policy or bucket in its parameters), with
the request context AWS would give a long-term access key: no
`aws:MultiFactorAuthPresent`, `aws:username`, `aws:SourceIp`, the Region.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from moto.iam.models import IAMBackend

from grader.policy import Decision, Request, evaluate
from grader.sandbox.iam.models import policies_of_user

# Calls AWS allows to any authenticated principal, whatever its policies say.
ALWAYS_ALLOWED = frozenset({("sts", "GetCallerIdentity")})

# S3's API operations and the IAM actions they need, where the names differ.
S3_ACTIONS = {
    "ListBuckets": "ListAllMyBuckets",
    "ListObjects": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "HeadBucket": "ListBucket",
    "HeadObject": "GetObject",
    "DeleteObjects": "DeleteObject",
    "GetBucketAcl": "GetBucketAcl",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "CopyObject": "PutObject",
    "GetObjectAttributes": "GetObject",
    "ListMultipartUploads": "ListBucketMultipartUploads",
    "GetBucketVersioning": "GetBucketVersioning",
    "PutBucketVersioning": "PutBucketVersioning",
}


def action_name(service: str, operation: str) -> str:
    if service == "s3":
        return f"s3:{S3_ACTIONS.get(operation, operation)}"
    return f"{service}:{operation}"


def resource_arn(service: str, operation: str, params: dict[str, Any], account_id: str,
                 caller_name: str) -> str:
    """The resource a request acts on, as IAM policies name it ("*" when none)."""
    if service == "iam":
        if params.get("PolicyArn"):
            return str(params["PolicyArn"])
        if params.get("GroupName") and "User" not in operation:
            return f"arn:aws:iam::{account_id}:group/{params['GroupName']}"
        if params.get("RoleName"):
            return f"arn:aws:iam::{account_id}:role/{params['RoleName']}"
        if params.get("UserName") or operation in _OWN_USER_OPERATIONS:
            return f"arn:aws:iam::{account_id}:user/{params.get('UserName') or caller_name}"
        if operation in {"CreateVirtualMFADevice"} and params.get("VirtualMFADeviceName"):
            return f"arn:aws:iam::{account_id}:mfa/{params['VirtualMFADeviceName']}"
        return "*"
    if service == "s3" and params.get("Bucket"):
        bucket = f"arn:aws:s3:::{params['Bucket']}"
        return f"{bucket}/{params['Key']}" if params.get("Key") else bucket
    if service == "cloudtrail" and params.get("Name") and not str(params["Name"]).startswith(
            "arn:"):
        return f"arn:aws:cloudtrail:*:{account_id}:trail/{params['Name']}"
    return "*"


# Operations that, without a user name, act on the calling user.
_OWN_USER_OPERATIONS = frozenset({
    "GetUser", "ChangePassword", "ListAccessKeys", "CreateAccessKey", "UpdateAccessKey",
    "DeleteAccessKey", "ListMFADevices", "ListSigningCertificates", "ListSSHPublicKeys",
})


def authorize(iam: IAMBackend, user_name: str, user_arn: str, user_id: str, service: str,
              operation: str, params: dict[str, Any], region: str, source_ip: str,
              now: dt.datetime) -> tuple[Decision, str, str] | None:
    """None when the user may do it; else (decision, action, resource) for the refusal."""
    if (service, operation) in ALWAYS_ALLOWED or not operation:
        return None
    action = action_name(service, operation)
    resource = resource_arn(service, operation, params, iam.account_id, user_name)
    documents, boundary = policies_of_user(iam, user_name)
    context: dict[str, str | list[str]] = {
        "aws:username": user_name,
        "aws:userid": user_id,
        "aws:PrincipalArn": user_arn,
        "aws:PrincipalType": "User",
        "aws:SourceIp": source_ip,
        "aws:RequestedRegion": region,
        "aws:SecureTransport": "false",
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
    }
    decision = evaluate(documents, Request(action, resource, context), boundary)
    return None if decision.allowed else (decision, action, resource)


def refusal_message(user_arn: str, action: str, resource: str, decision: Decision) -> str:
    why = ("with an explicit deny in an identity-based policy"
           if decision.decision == "explicitDeny"
           else f"because no identity-based policy allows the {action} action")
    return f"User: {user_arn} is not authorized to perform: {action} on resource: {resource} {why}"
