"""Trails as AWS creates them: a bucket whose policy lets CloudTrail write, one name once.

moto creates any trail whose bucket exists, and silently replaces a trail
created twice. AWS, on CreateTrail and on an UpdateTrail that changes the
bucket or prefix, checks the bucket's policy for what delivery needs
(`grader.cloudtrail.bucket_policy`). The policy is evaluated
(`grader.policy`), not pattern-matched: a Deny, a wrong prefix,
another account or another trail in a condition all refuse the trail with
AWS's `InsufficientS3BucketPolicyException`. A trail name already used in
the Region (or by a multi-Region trail, which exists in every Region) is
`TrailAlreadyExistsException`. A replayed request is not judged again.
"""

from __future__ import annotations

from typing import Any

from moto.core.exceptions import JsonRESTError

from grader.cloudtrail.bucket_policy import cloudtrail_may_deliver
from grader.sandbox.history.record import REPLAYING
from grader.sandbox.services.s3.models import bucket_policy


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
