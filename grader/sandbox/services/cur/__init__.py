"""The legacy Cost and Usage Report API (`cur`), which moto does not have."""

from grader.sandbox.services.cur.models import cur_backends

__all__ = ["cur_backends"]
