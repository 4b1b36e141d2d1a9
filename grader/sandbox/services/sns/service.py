"""SNS, as the account knows it (`grader.sandbox.services.registry`)."""

from __future__ import annotations

from grader.sandbox.services.registry import PerAccount, Service
from grader.sandbox.services.sns import models

SERVICE = Service(
    patches=models.PATCHES,
    added_to_moto=None,
    eager=False,
    attach=None,
    points_at=None,
    resource_arn=None,
    iam_actions={},
    account_state=(PerAccount(models.SENT_BY_OTHERS),),  # the mail other services sent
)
