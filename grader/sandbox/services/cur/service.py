"""The legacy Cost and Usage Report API, as the account knows it
(`grader.sandbox.services.registry`)."""

from __future__ import annotations

from grader.sandbox.services.registry import Service

SERVICE = Service(
    patches=(),
    added_to_moto=r"https?://cur\.(.+)\.amazonaws\.com",
    eager=True,
    attach=None,
    points_at=None,
    resource_arn=None,
    iam_actions={},
    account_state=(),
)
