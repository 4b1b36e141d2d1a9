"""Trails as AWS creates them: a bucket whose policy lets CloudTrail write, one name once.

moto creates any trail whose bucket exists, and silently replaces a trail
created twice. AWS, on CreateTrail and on an UpdateTrail that changes the
bucket or prefix, checks the bucket's policy for what delivery needs, for
the principal `cloudtrail.amazonaws.com` (CloudTrail User Guide, "Amazon S3
bucket policy for CloudTrail"):

- `s3:GetBucketAcl` on the bucket;
- `s3:PutObject` on `[prefix/]AWSLogs/<account>/*` with the condition
  `s3:x-amz-acl` = `bucket-owner-full-control`;

each request carrying `aws:SourceArn` (the trail's ARN) and
`aws:SourceAccount`, which the policy's conditions may require. The policy
is evaluated (`grader.policy`), not pattern-matched: a Deny, a wrong prefix,
another account or another trail in a condition all refuse the trail with
AWS's `InsufficientS3BucketPolicyException`. A trail name already used in
the Region (or by a multi-Region trail, which exists in every Region) is
`TrailAlreadyExistsException`. A replayed request is not judged again.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from moto.core.exceptions import JsonRESTError

from grader.policy import Principal, Request
from grader.policy.resource import resource_policy_decision
from grader.sandbox.cloudtrail.log_files import log_file_key
from grader.sandbox.record import REPLAYING

CLOUDTRAIL = "cloudtrail.amazonaws.com"
OWNER_FULL_CONTROL = "bucket-owner-full-control"


class InsufficientS3BucketPolicyException(JsonRESTError):
    code = 400

    def __init__(self, bucket: str) -> None:
        super().__init__("InsufficientS3BucketPolicyException",
                         f"Incorrect S3 bucket policy is detected for bucket: {bucket}")


class TrailAlreadyExistsException(JsonRESTError):
    code = 400

    def __init__(self, name: str, account_id: str) -> None:
        super().__init__("TrailAlreadyExistsException",
                         f"Trail {name} already exists for customer: {account_id}")


def trail_arn(account_id: str, region: str, name: str) -> str:
    return f"arn:aws:cloudtrail:{region}:{account_id}:trail/{name}"


def log_key(prefix: str | None, account_id: str, region: str) -> str:
    """Where CloudTrail writes a log file (a sample key of the folder it needs)."""
    sample = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    return log_file_key(prefix, account_id, region, sample, "sample")


def bucket_policy(account_id: str, bucket: str) -> dict[str, Any] | None:
    """The bucket's policy document (None: it has none)."""
    from moto.s3.models import s3_backends

    found: Any = s3_backends[account_id]["aws"].get_bucket(bucket).policy
    if not found:
        return None
    loaded = json.loads(found.decode() if isinstance(found, bytes) else found)
    return loaded if isinstance(loaded, dict) else None


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


def check_bucket(account_id: str, region: str, name: str, bucket: str,
                 prefix: str | None) -> None:
    """InsufficientS3BucketPolicyException unless CloudTrail may deliver there."""
    if REPLAYING.get():
        return
    if not cloudtrail_may_deliver(bucket_policy(account_id, bucket), account_id, region,
                                  name, bucket, prefix):
        raise InsufficientS3BucketPolicyException(bucket)


def check_new_name(backend: Any, name: str) -> None:
    """TrailAlreadyExistsException when the Region (or a multi-Region trail) has it."""
    if REPLAYING.get():
        return
    from moto.cloudtrail.models import cloudtrail_backends

    if name in backend.trails:
        raise TrailAlreadyExistsException(name, backend.account_id)
    for regional in cloudtrail_backends[backend.account_id].values():
        existing = regional.trails.get(name)
        if existing is not None and existing.is_multi_region:
            raise TrailAlreadyExistsException(name, backend.account_id)
