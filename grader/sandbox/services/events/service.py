"""EventBridge, as the account knows it (`grader.sandbox.services.registry`): every
recorded event is sent to it (`install.attach`)."""

from __future__ import annotations

from grader.sandbox.services.events import install
from grader.sandbox.services.registry import Service

SERVICE = Service(
    patches=(),
    added_to_moto=None,
    eager=False,
    attach=install.attach,
    points_at=None,
    resource_arn=None,
    iam_actions={},
    account_state=(),
)
