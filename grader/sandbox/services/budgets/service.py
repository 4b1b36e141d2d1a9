"""AWS Budgets, as the account knows it (`grader.sandbox.services.registry`). Its alerts
hang on the bill (`grader.sandbox.services.billing`)."""

from __future__ import annotations

from grader.sandbox.services.budgets import install
from grader.sandbox.services.registry import Service

SERVICE = Service(
    patches=install.PATCHES,
    added_to_moto=None,
    eager=False,
    attach=None,
    points_at=None,
    resource_arn=None,
    iam_actions={},
    account_state=(),  # the alerts sent are the app's (`install.Alerts`)
)
