"""AWS Data Exports (CUR 2.0), which moto does not have: `models`, `responses`, `urls`."""

from grader.sandbox.services.bcm_data_exports.models import bcmdataexports_backends

__all__ = ["bcmdataexports_backends"]
