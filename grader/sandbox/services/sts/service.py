"""STS, as the account knows it (`grader.sandbox.services.registry`)."""

from __future__ import annotations

from grader.sandbox.services.registry import Service
from grader.sandbox.services.sts import install

SERVICE = Service(
    patches=install.PATCHES,
    added_to_moto=None,
    eager=True,
    attach=None,
    points_at=None,
    resource_arn=None,  # AssumeRole is decided by the role's trust policy (`models`)
    iam_actions={},
    account_state=(),  # its sessions are kept on moto's STS backend (`models.kept_on`)
)
