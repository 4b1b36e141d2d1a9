"""Register the legacy CUR API with moto (`grader.sandbox.added_services`)."""

from __future__ import annotations


def install() -> None:
    from grader.sandbox import added_services, cur

    added_services.register("cur", cur, r"https?://cur\.(.+)\.amazonaws\.com")
