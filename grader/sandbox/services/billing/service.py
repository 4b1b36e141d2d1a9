"""The account's bill, as the account knows it (`grader.sandbox.services.registry`): settled
as its time passes, with Data Exports' deliveries and Budgets' alerts hanging on it."""

from __future__ import annotations

from grader.sandbox.services.billing import install
from grader.sandbox.services.billing.bill import BILLS
from grader.sandbox.services.registry import PerAccount, Service

SERVICE = Service(
    patches=(),
    added_to_moto=None,
    eager=False,
    attach=install.attach,
    points_at=None,
    resource_arn=None,
    iam_actions={},
    account_state=(PerAccount(BILLS),),
)
