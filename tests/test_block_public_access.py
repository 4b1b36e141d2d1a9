"""Block Public Access as S3 applies it to bucket policies: with BlockPublicPolicy on, a
policy that grants anything to everyone is refused (AccessDenied), and a grant to everyone
pinned to fixed values (this account, one trail, an IP range) is not public."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from grader.policy.public import is_public
from tests.conftest import Course, client

BUCKET = "reports-bucket"


def policy(**statement: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*",
        **statement}]})


@pytest.mark.parametrize(("document", "public"), [
    (policy(Principal="*"), True),
    (policy(Principal={"AWS": "*"}), True),
    (policy(Principal={"AWS": ["arn:aws:iam::111122223333:root", "*"]}), True),
    (policy(Principal="*", Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}), True),
    (policy(Principal="*", Condition={"StringLike": {"aws:SourceAccount": "*"}}), True),
    (policy(Principal="*", Condition={"StringNotEquals": {"aws:SourceAccount": "1"}}), True),
    (policy(Principal="*", Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}), False),
    (policy(Principal="*", Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}}),
     False),
    (policy(Principal={"Service": "cloudtrail.amazonaws.com"}), False),
    (policy(Principal={"AWS": "arn:aws:iam::111122223333:root"}), False),
    (policy(Principal="*", Effect="Deny"), False),
])
def test_what_counts_as_public(document: str, public: bool) -> None:
    assert is_public(document) is public


def test_block_public_policy_refuses_a_public_policy(fresh: Course) -> None:
    s3 = client(fresh.sandbox_env(), "s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True})
    with pytest.raises(ClientError) as refused:
        s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(Principal="*"))
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(
        Principal="*", Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}}))
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False,
        "RestrictPublicBuckets": True})
    s3.put_bucket_policy(Bucket=BUCKET, Policy=policy(Principal="*"))  # allowed: not blocked


def test_a_bucket_without_settings_says_so(fresh: Course) -> None:
    """GetPublicAccessBlock on a bucket that has none is AWS's NoSuch... error (moto names
    that failing read ListBucket; the front desk does not take it for another operation)."""
    s3 = client(fresh.sandbox_env(), "s3")
    s3.create_bucket(Bucket=BUCKET)
    for _ in range(2):
        with pytest.raises(ClientError) as missing:
            s3.get_public_access_block(Bucket=BUCKET)
        assert missing.value.response["Error"]["Code"] == \
            "NoSuchPublicAccessBlockConfiguration"
        s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
        s3.delete_public_access_block(Bucket=BUCKET)
