"""What the simulated account changes in moto's core (not one service's): for speed only.

- moto's EC2 models, when imported, ask three new boto3 sessions for the regions of each
  partition, and each session reads botocore's endpoints file again (~0.3-0.7 s of every
  account's start here); imported here, they share one session.
- moto lists a response class's methods (`inspect.getmembers`) on every request to find
  the one named by the action; a class's methods do not change while the account runs,
  so the list is made once per class (about 1 ms less per request).

`install` runs before anything else imports moto (`server.install_services`); its patches,
with the front desk's check of the operation moto runs (`operations.PATCHES`), are moto's
core's (`PATCHES`), applied with every service's (`grader.sandbox.moto_patches`)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import Any

from grader.sandbox.moto_patches import replaces


@functools.cache
def install() -> None:
    """Import moto (once per process, its boto3 sessions shared)."""
    with _one_boto3_session():
        import moto.core.responses
        import moto.ec2.models  # noqa: F401 - (its regions, read once)


PATCHES = (
    replaces("moto.core.responses", "method_names_from_class", functools.cache,
             shape=("clazz",)),
)


@contextlib.contextmanager
def _one_boto3_session() -> Iterator[None]:
    """While moto is imported, `boto3.Session()` gives one session, made once."""
    import boto3

    original = boto3.Session
    shared = original()

    def session(*args: Any, **kwargs: Any) -> Any:
        return shared if not args and not kwargs else original(*args, **kwargs)

    boto3.Session = session
    try:
        yield
    finally:
        boto3.Session = original
