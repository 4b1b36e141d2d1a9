"""Put `models`' checks in front of moto's CreateTrail and UpdateTrail, and `status`'s
honest GetTrailStatus and home-Region rule in place of moto's (`install`); answer
LookupEvents and ListPublicKeys, and deliver logs and digests as the account's time
passes (`attach`, once the account's app exists)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from moto.cloudtrail.models import CloudTrailBackend

from grader.sandbox.cloudtrail import models, status

if TYPE_CHECKING:
    from grader.sandbox.app import SandboxApp


def _create_trail(original: Callable[..., Any]) -> Callable[..., Any]:
    def create_trail(self: CloudTrailBackend, name: str, bucket_name: str,
                     s3_key_prefix: str, *args: Any, **kwargs: Any) -> Any:
        models.check_new_name(self, name)
        bucket_exists(self, bucket_name)
        models.check_bucket(self.account_id, self.region_name, name, bucket_name,
                            s3_key_prefix)
        return original(self, name, bucket_name, s3_key_prefix, *args, **kwargs)

    return create_trail


def _update_trail(original: Callable[..., Any]) -> Callable[..., Any]:
    def update_trail(self: CloudTrailBackend, name: str, s3_bucket_name: str,
                     s3_key_prefix: str, *args: Any, **kwargs: Any) -> Any:
        trail = self.get_trail(name_or_arn=name)
        if s3_bucket_name is not None or s3_key_prefix is not None:
            bucket = s3_bucket_name if s3_bucket_name is not None else trail.bucket_name
            prefix = s3_key_prefix if s3_key_prefix is not None else trail.s3_key_prefix
            bucket_exists(self, bucket)
            models.check_bucket(self.account_id, trail.region_name, trail.trail_name,
                                bucket, prefix)
        return original(self, name, s3_bucket_name, s3_key_prefix, *args, **kwargs)

    return update_trail


def bucket_exists(backend: CloudTrailBackend, bucket: str) -> None:
    """moto's own check (S3BucketDoesNotExistException), before the policy's."""
    from moto.cloudtrail.exceptions import S3BucketDoesNotExistException
    from moto.s3.models import s3_backends

    try:
        s3_backends[backend.account_id]["aws"].get_bucket(bucket)
    except Exception:
        raise S3BucketDoesNotExistException(f"S3 bucket {bucket} does not exist!") from None


def install() -> None:
    CloudTrailBackend.create_trail = _create_trail(  # type: ignore[method-assign]
        CloudTrailBackend.create_trail)
    CloudTrailBackend.update_trail = _update_trail(  # type: ignore[method-assign]
        CloudTrailBackend.update_trail)
    status.install()


def attach(app: SandboxApp) -> None:
    """Serve `app`'s account: its LookupEvents, ListPublicKeys and deliveries."""
    from grader.sandbox.cloudtrail import responses
    from grader.sandbox.cloudtrail.delivery import Deliveries

    responses.attach(app)
    deliveries = Deliveries(app)
    app.on_time_passing.append(deliveries)
    app.on_start_over.append(deliveries.forget)
