"""Settle the account's bill as its time passes, and what hangs on it: Data Exports'
deliveries and budgets' alerts (`attach`, once the account's app exists)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.sandbox.front_desk.app import SandboxApp


def attach(app: SandboxApp) -> None:
    from grader.sandbox.services.bcm_data_exports import delivery
    from grader.sandbox.services.billing import bill
    from grader.sandbox.services.budgets import install as budgets

    settled = bill.attach(app)
    delivery.attach(app, settled)
    budgets.attach(app, settled)
