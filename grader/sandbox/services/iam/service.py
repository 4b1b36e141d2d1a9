"""IAM, as the account knows it (`grader.sandbox.services.registry`)."""

from __future__ import annotations

from grader.sandbox.services.iam import install, resources
from grader.sandbox.services.registry import Service

SERVICE = Service(
    patches=install.PATCHES,
    added_to_moto=None,
    eager=True,
    attach=None,
    points_at=None,
    resource_arn=resources.resource_arn,
    iam_actions={},
    account_state=(),  # all of it in moto's backends
)
