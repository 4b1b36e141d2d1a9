"""IAM user and role access to billing information: an account setting only root changes.

In a new AWS account, IAM users and roles cannot see billing information or
use the billing and cost APIs, whatever their policies say (even
AdministratorAccess): the account's root user first has to activate "IAM
user and role access to Billing information", in the console's Account
page (AWS Billing User Guide, "Activating access to the Billing and Cost
Management console"). Here the setting is kept on the account's IAM
backend, changed by root's console (`console/billing_access.py`, recorded
as CloudTrail records it: `UpdateIAMAccessPreference` from
`billing.amazonaws.com`), and enforced by the front desk
(`authorization.refusal`): while it is off, an IAM user's or a role's
request to a billing or cost service is refused with AccessDenied.
"""

from __future__ import annotations

from typing import Any

# The billing and cost services the setting gates (botocore's signing names).
BILLING_SERVICES = frozenset({
    "ce", "budgets", "cur", "bcm-data-exports", "billing", "billingconductor",
    "cost-optimization-hub", "freetier", "invoicing", "payments",
})
OFF_MESSAGE = ("IAM user and role access to billing information is not activated for this "
               "account: only the root user can activate it, in the console (`grade console "
               "billing-access enable`).")


def iam_access_enabled(iam: Any) -> bool:
    """Whether IAM users and roles may reach billing information (off in a new account)."""
    return bool(getattr(iam, "billing_access_for_iam", False))


def set_iam_access(iam: Any, enabled: bool) -> None:
    iam.billing_access_for_iam = enabled


def gated(service: str) -> bool:
    return service in BILLING_SERVICES
