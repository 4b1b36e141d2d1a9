"""Two different ideas about AWS operations; do not mix them up.

`is_read_only(operation)`: whether the simulated account records a call as
read-only (CloudTrail's `readOnly` flag and the record's `read_only`
column), judged by the operation's name as CloudTrail roughly does. It is a
description of a call, not a permission: many "Get" calls create things
(sts:GetSessionToken makes credentials), so it must never decide what the
grader may send.

`GRADER_CALLS`: the only (service, operation) pairs the grader's own
clients may send (`grader.checks.guard`), in the simulated account and in a
learner's real account alike. It lists exactly the calls the checks make
(`grader/checks/`, `grader/quiz/`, `exercises/*/test_*.py`), nothing more;
a check that needs another call adds it here, and `tests/test_live_guard.py`
fails until it does.
"""

from __future__ import annotations

READ_PREFIXES = ("Get", "List", "Describe", "Lookup", "Head", "Search", "BatchGet", "Simulate")


def is_read_only(operation: str) -> bool:
    """True for operations CloudTrail would record as read-only (the record's flag).

    Not for deciding what may be called: see `GRADER_CALLS`."""
    return operation.startswith(READ_PREFIXES)


# (botocore service name, API operation name): every call the checks make.
GRADER_CALLS: frozenset[tuple[str, str]] = frozenset({
    # Who is graded: grading.py (live mode) and Target.account_id.
    ("sts", "GetCallerIdentity"),
    # Who did what: checks/activity.py.
    ("cloudtrail", "LookupEvents"),
    # A trail's delivered logs and digests: checks/trail_logs.py.
    ("cloudtrail", "ListPublicKeys"),
    ("cloudtrail", "GetTrailStatus"),
    ("s3", "ListObjectsV2"),
    ("s3", "GetObject"),
    # Trails, their buckets, and the alert on root's sign-in: checks/trails.py, alerts.py.
    ("cloudtrail", "DescribeTrails"),
    ("cloudtrail", "GetEventSelectors"),
    ("s3", "GetBucketPolicy"),
    ("s3", "GetPublicAccessBlock"),
    ("events", "ListRules"),
    ("events", "ListTargetsByRule"),
    ("sns", "GetTopicAttributes"),
    ("sns", "ListSubscriptionsByTopic"),
    # Exports, legacy reports, budgets, and the first report: checks/billing.py.
    ("bcm-data-exports", "ListExports"),
    ("bcm-data-exports", "GetExport"),
    ("bcm-data-exports", "ListExecutions"),
    ("cur", "DescribeReportDefinitions"),
    ("budgets", "DescribeBudgets"),
    ("budgets", "DescribeNotificationsForBudget"),
    ("budgets", "DescribeSubscribersForNotification"),
    # Users, groups and their policies: checks/iam_state.py.
    ("iam", "ListUsers"),
    ("iam", "GetUser"),
    ("iam", "GetLoginProfile"),
    ("iam", "ListGroupsForUser"),
    ("iam", "ListAttachedUserPolicies"),
    ("iam", "ListUserPolicies"),
    ("iam", "GetUserPolicy"),
    ("iam", "ListGroups"),
    ("iam", "ListAttachedGroupPolicies"),
    ("iam", "ListGroupPolicies"),
    ("iam", "GetGroupPolicy"),
    ("iam", "GetPolicy"),
    ("iam", "GetPolicyVersion"),
    # The root user's keys: checks/iam_state.py, and quiz facts (quiz/grading.py).
    ("iam", "GetAccountSummary"),
    # Generating the credential report changes no resource, it only makes the report.
    ("iam", "GenerateCredentialReport"),
    ("iam", "GetCredentialReport"),
    # MFA devices: checks/mfa_state.py.
    ("iam", "ListMFADevices"),
    ("iam", "ListVirtualMFADevices"),
})


def grader_may_call(service: str, operation: str) -> bool:
    """True when the grader's guard lets `service:operation` through."""
    return (service, operation) in GRADER_CALLS

