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

from moto.s3.models import FakeBucket

from grader.policy import Request
from grader.policy.resource import resource_policy_decision
from grader.sandbox.authorization import ASKING
from grader.sandbox.record import REPLAYING

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


def install() -> None:
    FakeBucket.get_permission = _permission  # type: ignore[method-assign]
