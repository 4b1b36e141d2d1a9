"""S3 as AWS applies bucket policies (`models`)."""

from __future__ import annotations

from grader.sandbox.s3 import models


def install() -> None:
    models.install()
