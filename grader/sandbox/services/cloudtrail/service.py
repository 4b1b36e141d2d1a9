"""CloudTrail, as the account knows it (`grader.sandbox.services.registry`)."""

from __future__ import annotations

from typing import Any

from grader.sandbox.services.cloudtrail import install, responses
from grader.sandbox.services.registry import Service


def resource_arn(operation: str, params: dict[str, Any], account_id: str,
                 caller_name: str) -> str:
    """The trail a request names by its name (an ARN is not judged: "*")."""
    name = params.get("Name")
    if name and not str(name).startswith("arn:"):
        return f"arn:aws:cloudtrail:*:{account_id}:trail/{name}"
    return "*"


SERVICE = Service(
    patches=install.PATCHES,
    added_to_moto=None,
    eager=True,
    attach=install.attach,
    points_at=responses.attach,  # LookupEvents reads the record of the account served
    resource_arn=resource_arn,
    iam_actions={},
    account_state=(),  # deliveries are the app's (`attach`); trails are moto's
)
