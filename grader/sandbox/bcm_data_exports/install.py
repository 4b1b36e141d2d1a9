"""Register Data Exports with moto (`grader.sandbox.added_services`)."""

from __future__ import annotations


def install() -> None:
    from grader.sandbox import added_services, bcm_data_exports

    added_services.register("bcm-data-exports", bcm_data_exports,
                            r"https?://bcm-data-exports\.(.+)\.api\.aws")
