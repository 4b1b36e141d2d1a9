"""What a trail's bucket policy must allow CloudTrail (CloudTrail User Guide, "Amazon S3
bucket policy for CloudTrail"), evaluated with `grader.policy`:

- `s3:GetBucketAcl` on the bucket;
- `s3:PutObject` on `[prefix/]AWSLogs/<account>/*` with the condition
  `s3:x-amz-acl` = `bucket-owner-full-control`;

each request made by the service principal `cloudtrail.amazonaws.com` and
carrying `aws:SourceArn` (the trail's ARN) and `aws:SourceAccount`, which the
policy's conditions may require.
"""

from __future__ import annotations

from typing import Any

from grader.policy import Principal, Request
from grader.policy.resource import resource_policy_decision

CLOUDTRAIL = "cloudtrail.amazonaws.com"
OWNER_FULL_CONTROL = "bucket-owner-full-control"


def trail_arn(account_id: str, region: str, name: str) -> str:
    return f"arn:aws:cloudtrail:{region}:{account_id}:trail/{name}"


def key_folder(prefix: str | None) -> str:
    """The part of a key before `AWSLogs/`: the trail's prefix and a slash, if it has one
    (as the AWS CLI's `validate-logs` builds the keys it looks for)."""
    return f"{prefix}/" if prefix else ""


def log_key(prefix: str | None, account_id: str, region: str) -> str:
    """A key where CloudTrail writes a log file (one, to evaluate the policy with)."""
    return (f"{key_folder(prefix)}AWSLogs/{account_id}/CloudTrail/{region}/2026/01/01/"
            f"{account_id}_CloudTrail_{region}_20260101T0000Z_sample.json.gz")


def cloudtrail_may_deliver(policy: dict[str, Any] | None, account_id: str, region: str,
                           name: str, bucket: str, prefix: str | None) -> bool:
    """Whether this bucket policy lets CloudTrail deliver this trail's logs."""
    return cloudtrail_may_write(policy, account_id, region, name, bucket,
                                log_key(prefix, account_id, region))


def cloudtrail_may_write(policy: dict[str, Any] | None, account_id: str, region: str,
                         name: str, bucket: str, key: str) -> bool:
    """Whether this bucket policy lets CloudTrail, for the trail `name` of home Region
    `region`, read the bucket's ACL and write the object `key`."""
    if policy is None:
        return False
    service = Principal(arn="", account_id=account_id, service=CLOUDTRAIL)
    source = {"aws:SourceArn": trail_arn(account_id, region, name),
              "aws:SourceAccount": account_id}
    read_acl = Request("s3:GetBucketAcl", f"arn:aws:s3:::{bucket}", source)
    write = Request("s3:PutObject", f"arn:aws:s3:::{bucket}/{key}",
                    source | {"s3:x-amz-acl": OWNER_FULL_CONTROL})
    return all(resource_policy_decision(policy, request, service)[0].allowed
               for request in (read_acl, write))
