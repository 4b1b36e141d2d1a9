"""Data Exports, as the account knows it (`grader.sandbox.services.registry`). Its
deliveries hang on the bill (`grader.sandbox.services.billing`)."""

from __future__ import annotations

from grader.sandbox.services.registry import Service

SERVICE = Service(
    patches=(),
    added_to_moto=r"https?://bcm-data-exports\.(.+)\.api\.aws",
    eager=True,
    attach=None,
    points_at=None,
    resource_arn=None,
    iam_actions={},
    account_state=(),
)
