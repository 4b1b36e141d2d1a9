"""What a bucket's policy must allow AWS Data Exports (CUR 2.0) and the legacy CUR.

AWS's documented policy (Data Exports User Guide, "Setting up an Amazon S3
bucket for data exports") lets both `bcm-data-exports.amazonaws.com` and
`billingreports.amazonaws.com` call s3:GetBucketPolicy on the bucket and
s3:PutObject in it, for this account's exports and report definitions
(`aws:SourceAccount`, `aws:SourceArn`). The policy is evaluated with
`grader.policy`, never pattern-matched: any policy that allows the same passes.
"""

from __future__ import annotations

from typing import Any

from grader.policy import Principal, Request
from grader.policy.resource import resource_policy_decision

DATA_EXPORTS = "bcm-data-exports.amazonaws.com"
BILLING_REPORTS = "billingreports.amazonaws.com"


def service_allowed(policy: dict[str, Any] | None, service: str, account_id: str,
                    context: dict[str, str], actions: list[tuple[str, str]]) -> bool:
    """Whether `policy` lets the AWS service principal `service` do every (action,
    resource) of `actions` in `context` (aws:SourceArn, aws:SourceAccount)."""
    if policy is None:
        return False
    principal = Principal(arn="", account_id=account_id, service=service)
    return all(resource_policy_decision(policy, Request(action, resource, context),
                                        principal)[0].allowed
               for action, resource in actions)


def data_exports_may_write(policy: dict[str, Any] | None, account_id: str, export_arn: str,
                           bucket: str, keys: list[str]) -> bool:
    """Whether `policy` lets Data Exports check the bucket's policy and write `keys` for
    the export `export_arn`."""
    actions = [("s3:GetBucketPolicy", f"arn:aws:s3:::{bucket}")]
    actions += [("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}") for key in keys]
    return service_allowed(policy, DATA_EXPORTS, account_id,
                           {"aws:SourceArn": export_arn, "aws:SourceAccount": account_id},
                           actions)
