"""The account's trails, as exercise 05's checks judge them, read once per grading.

For each trail (DescribeTrails): whether it logs (GetTrailStatus), which events
its selectors keep (GetEventSelectors: judged by CloudTrail's rules,
`grader.cloudtrail.selectors`, on a read and a write management event), and its
bucket's policy and Block Public Access settings. The bucket policy is evaluated
(`grader.policy`): CloudTrail must be allowed to deliver there (as AWS checks it
when the trail is made), and no one else, in this account or out of it, may
write or delete the logs through it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from grader.checks.buckets import (
    BLOCKS,
    bucket_policy,
    named_principals,
    public_access_block,
)
from grader.checks.calls import call
from grader.checks.target import Target
from grader.policy import Request
from grader.policy.resource import resource_policy_decision


@dataclass
class Trail:
    """One trail and what the checks need to know of it."""

    description: dict[str, Any]  # as DescribeTrails lists it
    logging: bool
    selectors: dict[str, Any]  # GetEventSelectors' answer
    bucket_policy: dict[str, Any] | None
    bucket_blocks: dict[str, bool] | None  # the bucket's Block Public Access settings
    bucket_exists: bool
    status: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.description["Name"])

    @property
    def arn(self) -> str:
        return str(self.description["TrailARN"])

    @property
    def bucket(self) -> str:
        return str(self.description.get("S3BucketName", ""))

    @property
    def home(self) -> str:
        return str(self.description.get("HomeRegion", ""))

    @property
    def multi_region(self) -> bool:
        return bool(self.description.get("IsMultiRegionTrail"))

    @property
    def validation(self) -> bool:
        return bool(self.description.get("LogFileValidationEnabled"))

    def keeps(self, read_only: bool) -> bool:
        """Whether its selectors keep a management event that reads (or writes)."""
        from grader.cloudtrail.selectors import wants

        probe = _probe_event(read_only)
        as_configured = SimpleNamespace(
            event_selectors=self.selectors.get("EventSelectors") or [],
            advanced_event_selectors=self.selectors.get("AdvancedEventSelectors") or [])
        return wants(as_configured, probe)


@dataclass
class Trails:
    account_id: str
    all: list[Trail]

    def blocks_public_access(self, trail: Trail) -> bool:
        """All four of Block Public Access's settings on, for the bucket. (The account's
        own settings live in S3 Control, at a host named after the account, which the
        simulated account on an address does not have: the bucket's are judged; AWS turns
        them on for every new bucket since April 2023.)"""
        blocks = trail.bucket_blocks
        return blocks is not None and all(blocks.get(name) for name in BLOCKS)

    def cloudtrail_may_deliver(self, trail: Trail) -> bool:
        from grader.cloudtrail.bucket_policy import cloudtrail_may_deliver

        return cloudtrail_may_deliver(trail.bucket_policy, self.account_id, trail.home,
                                      trail.name, trail.bucket,
                                      trail.description.get("S3KeyPrefix"))

    def others_who_may_change_logs(self, trail: Trail) -> list[str]:
        """Who, other than CloudTrail, the bucket policy lets write or delete the logs: anyone
        (`*`), another account, a user or role it names, another service. (The account
        itself, named as a whole, only hands the decision to its own IAM policies.)"""
        if trail.bucket_policy is None:
            return []
        key = f"arn:aws:s3:::{trail.bucket}/AWSLogs/{self.account_id}/CloudTrail/x.json.gz"
        found = []
        for named, principal in named_principals(trail.bucket_policy, self.account_id,
                                                 {"cloudtrail.amazonaws.com"}).items():
            for action in ("s3:PutObject", "s3:DeleteObject"):
                request = Request(action, key, {"s3:x-amz-acl": "bucket-owner-full-control"})
                if resource_policy_decision(trail.bucket_policy, request, principal)[0].allowed:
                    found.append(f"{action} for {named}")
        return found


def _probe_event(read_only: bool) -> Any:
    """A management event of IAM that reads (ListUsers) or writes (CreateUser)."""
    return SimpleNamespace(event_type="AwsApiCall", service="iam",
                           operation="ListUsers" if read_only else "CreateUser",
                           region="us-east-1", read_only=read_only, parameters={})


def collect(target: Target) -> Trails:
    cloudtrail = target.client("cloudtrail")
    s3 = target.client("s3")
    account_id = target.account_id
    found = []
    for description in call(cloudtrail, "describe_trails")["trailList"]:
        home = target.client("cloudtrail", description.get("HomeRegion"))
        status = call(home, "get_trail_status", Name=description["TrailARN"])
        selectors = call(home, "get_event_selectors", TrailName=description["TrailARN"])
        bucket = str(description.get("S3BucketName", ""))
        exists, policy = bucket_policy(s3, bucket)
        found.append(Trail(description, bool(status.get("IsLogging")), selectors, policy,
                           public_access_block(s3, bucket) if exists else None, exists, status))
    return Trails(account_id, found)
