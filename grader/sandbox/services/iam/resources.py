"""The resource an IAM request acts on, as IAM policies name it (for authorization).

As IAM's service authorization reference has it: attaching a policy to a user acts on
the user (the policy is a condition key), adding a user to a group acts on the group;
only the policy operations themselves act on the policy.
"""

from __future__ import annotations

from typing import Any

# Operations that, without a user name, act on the calling user.
OWN_USER_OPERATIONS = frozenset({
    "GetUser", "ChangePassword", "ListAccessKeys", "CreateAccessKey", "UpdateAccessKey",
    "DeleteAccessKey", "ListMFADevices", "ListSigningCertificates", "ListSSHPublicKeys",
    "DeactivateMFADevice", "GetMFADevice",
})


def resource_arn(operation: str, params: dict[str, Any], account_id: str,
                 caller_name: str) -> str:
    """The ARN of the user, group, role, policy or MFA device the request acts on ("*")."""
    if params.get("RoleName"):
        return f"arn:aws:iam::{account_id}:role/{params['RoleName']}"
    if params.get("GroupName") and operation != "ListGroupsForUser":
        return f"arn:aws:iam::{account_id}:group/{params['GroupName']}"
    if params.get("UserName") or operation in OWN_USER_OPERATIONS:
        return f"arn:aws:iam::{account_id}:user/{params.get('UserName') or caller_name}"
    if params.get("PolicyArn"):
        return str(params["PolicyArn"])
    if operation == "CreateVirtualMFADevice" and params.get("VirtualMFADeviceName"):
        path = str(params.get("Path") or "/")
        return f"arn:aws:iam::{account_id}:mfa{path}{params['VirtualMFADeviceName']}"
    if operation == "DeleteVirtualMFADevice" and params.get("SerialNumber"):
        return str(params["SerialNumber"])
    return "*"
