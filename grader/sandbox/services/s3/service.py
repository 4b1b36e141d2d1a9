"""S3, as the account knows it (`grader.sandbox.services.registry`)."""

from __future__ import annotations

from typing import Any

from moto.s3.models import s3_backends

from grader.sandbox.services.registry import Service
from grader.sandbox.services.s3 import models

# S3's API operations and the IAM actions they need, where the names differ.
IAM_ACTIONS = {
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


def resource_arn(operation: str, params: dict[str, Any], account_id: str,
                 caller_name: str) -> str:
    """The bucket, or the object, a request names ("*": ListBuckets)."""
    if not params.get("Bucket"):
        return "*"
    bucket = f"arn:aws:s3:::{params['Bucket']}"
    return f"{bucket}/{params['Key']}" if params.get("Key") else bucket


class BucketNames:
    """S3's index of bucket names (global: moto keeps it beside the backends), as state of
    each account: the names of the account's buckets."""

    def forget(self) -> None:
        s3_backends.bucket_accounts.clear()

    def park(self, account_id: str) -> Any:
        index = s3_backends.bucket_accounts
        return {name: owner for name, owner in index.items() if owner[1] == account_id}

    def unpark(self, account_id: str, parked: Any) -> None:
        s3_backends.bucket_accounts.update(parked)


SERVICE = Service(
    patches=models.PATCHES,
    added_to_moto=None,
    eager=True,
    attach=None,
    points_at=None,
    resource_arn=resource_arn,
    iam_actions=IAM_ACTIONS,
    account_state=(BucketNames(),),
)
