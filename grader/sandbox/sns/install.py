"""Keep the e-mails SNS sends in the account's inbox (`models`)."""

from __future__ import annotations

from grader.sandbox.sns import models


def install() -> None:
    models.install()
