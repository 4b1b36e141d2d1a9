"""Bucket policies as S3 applies them to a request: evaluated for its caller, conditions
and all.

moto decides whether a bucket policy allows or denies an object request
without looking at the statement's `Principal` or `Condition`: a statement
denying one user, or denying requests without TLS (AWS's own advice),
denies everyone. Here the policy is evaluated (`grader.policy`) for the
principal making the request and the request's context
(`authorization.ASKING`): an explicit Deny that applies refuses it, an
Allow that applies permits it, anything else leaves the decision to the
caller's own policies. The grader's reads and replayed requests are not
judged. (HEAD of an object is the action s3:GetObject, as in AWS.)
"""

from __future__ import annotations

import json
from typing import Any

from moto.s3.exceptions import S3ClientError
from moto.s3.models import FakeBucket

from grader.policy import Request
from grader.policy.resource import resource_policy_decision
from grader.sandbox.front_desk.authorization import ASKING
from grader.sandbox.history.record import REPLAYING
from grader.sandbox.moto_patches import replaced_by, replaces

_ACTIONS = {"s3:HeadObject": "s3:GetObject"}


def _permission(self: FakeBucket, action: str, resource: str) -> Any:
    from moto.iam.access_control import PermissionResult

    asking = ASKING.get()
    if self.policy is None or asking is None or REPLAYING.get():
        return PermissionResult.NEUTRAL
    request = Request(_ACTIONS.get(action, action), resource, asking.context)
    decision, _ = resource_policy_decision(self.policy.decode(), request, asking.principal)
    if decision.decision == "explicitDeny":
        return PermissionResult.DENIED
    return PermissionResult.PERMITTED if decision.allowed else PermissionResult.NEUTRAL


def bucket_policy(account_id: str, bucket: str) -> dict[str, Any] | None:
    """The bucket's policy document (None: it has none); moto's MissingBucket if there is
    no such bucket. What the services that write into a bucket check (CloudTrail, CUR)."""
    from moto.s3.models import s3_backends

    found: Any = s3_backends[account_id]["aws"].get_bucket(bucket).policy
    if not found:
        return None
    loaded = json.loads(found.decode() if isinstance(found, bytes) else found)
    return loaded if isinstance(loaded, dict) else None


class PublicPolicyBlocked(S3ClientError):
    """S3's AccessDenied for a public bucket policy while BlockPublicPolicy is on."""

    def __init__(self, bucket: str) -> None:
        super().__init__("AccessDenied", f"Access Denied: the bucket {bucket} blocks public "
                         "bucket policies (its BlockPublicPolicy setting is on)")


def _refuse_public_policies(original: Any) -> Any:
    """S3 refuses a public bucket policy (`grader.policy.public`) while the bucket's
    BlockPublicPolicy setting is on, as AWS does."""

    def put_bucket_policy(self: Any, bucket_name: str, policy: bytes) -> None:
        bucket = self.get_bucket(bucket_name)
        blocks = getattr(bucket, "public_access_block", None)
        if blocks is not None and blocks.block_public_policy and _public(policy):
            raise PublicPolicyBlocked(bucket_name)
        original(self, bucket_name, policy)

    return put_bucket_policy


def _public(policy: bytes | str) -> bool:
    from grader.policy.public import is_public

    try:
        return is_public(policy.decode() if isinstance(policy, bytes) else policy)
    except ValueError:  # not JSON: moto says so itself
        return False


PATCHES = (
    replaced_by("moto.s3.models:FakeBucket", "get_permission", _permission,
                shape=("self", "action", "resource")),
    replaces("moto.s3.models:S3Backend", "put_bucket_policy", _refuse_public_policies,
             shape=("self", "bucket_name", "policy")),
)


def service_may(account_id: str, bucket: str, service: str, context: dict[str, str],
                actions: list[tuple[str, str]]) -> bool:
    """Whether the bucket exists and its policy lets the AWS service principal `service`
    (as "bcm-data-exports.amazonaws.com") do each (action, resource) of `actions`, in
    `context` (aws:SourceArn, aws:SourceAccount): what a service that writes into a
    customer's bucket checks before it writes."""
    from grader.billing.bucket_policy import service_allowed

    try:
        policy = bucket_policy(account_id, bucket)
    except Exception:  # no such bucket
        return False
    return service_allowed(policy, service, account_id, context, actions)


def write_as_service(account: Any, bucket: str, key: str, data: bytes, moment: Any,
                     metadata: dict[str, str] | None = None, acl: str | None = None) -> None:
    """Put an object as an AWS service delivering to the account's bucket does (CloudTrail,
    Data Exports): at `moment` (its Last-Modified), with moto's random (a version id, in a
    versioned bucket) drawn from the account's seed and the object's place, so that a
    replayed account holds the same objects."""
    import datetime as dt
    import hashlib

    from moto.moto_api._internal import mock_random
    from moto.s3.models import get_canned_acl, s3_backends

    backend = s3_backends[account.account_id]["aws"]
    place = hashlib.sha256(f"{account.seed}|{bucket}|{key}|{moment}".encode()).digest()
    mock_random.seed(int.from_bytes(place[:8], "big"))
    stored = backend.put_object(bucket, key, data, disable_notification=True)
    stored.last_modified = moment.astimezone(dt.UTC).replace(tzinfo=None)  # moto's: naive
    if metadata:
        stored.set_metadata({f"x-amz-meta-{name}": value for name, value in metadata.items()})
    if acl:
        stored.set_acl(get_canned_acl(acl))
