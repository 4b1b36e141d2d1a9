"""EC2 (the Regions an account sees), as the account knows it
(`grader.sandbox.services.registry`)."""

from __future__ import annotations

from grader.sandbox.services.ec2 import install
from grader.sandbox.services.registry import Service

SERVICE = Service(
    patches=install.PATCHES,
    added_to_moto=None,
    eager=False,
    attach=None,
    points_at=None,
    resource_arn=None,
    iam_actions={},
    account_state=(),
)
