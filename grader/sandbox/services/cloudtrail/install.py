"""Put `models`' checks in front of moto's CreateTrail and UpdateTrail, `status`'s honest
GetTrailStatus and home-Region rule in place of moto's, and `responses`' LookupEvents and
ListPublicKeys on its API (`PATCHES`); answer those for an account and deliver its logs and
digests as its time passes (`attach`, once the account's app exists)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from moto.cloudtrail.models import CloudTrailBackend

from grader.sandbox.moto_patches import replaces
from grader.sandbox.services.cloudtrail import models, responses, status

if TYPE_CHECKING:
    from grader.sandbox.front_desk.app import SandboxApp


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


_BACKEND = "moto.cloudtrail.models:CloudTrailBackend"
_CREATE_TRAIL = ("self", "name", "bucket_name", "s3_key_prefix", "sns_topic_name", "is_global",
                 "is_multi_region", "log_validation", "is_org_trail", "cw_log_group_arn",
                 "cw_role_arn", "kms_key_id", "tags_list")
_UPDATE_TRAIL = ("self", "name", "s3_bucket_name", "s3_key_prefix", "sns_topic_name",
                 "include_global_service_events", "is_multi_region_trail",
                 "enable_log_file_validation", "is_organization_trail", "cw_log_group_arn",
                 "cw_role_arn", "kms_key_id")
PATCHES = (
    replaces(_BACKEND, "create_trail", _create_trail, shape=_CREATE_TRAIL),
    replaces(_BACKEND, "update_trail", _update_trail, shape=_UPDATE_TRAIL),
    *status.PATCHES,
    *responses.PATCHES,
)


def attach(app: SandboxApp) -> None:
    """Deliver `app`'s logs and digests as its time passes (its LookupEvents and
    ListPublicKeys: `responses.attach`, the service's `points_at`)."""
    from grader.sandbox.services.cloudtrail.delivery import Deliveries

    deliveries = Deliveries(app)
    app.on_time_passing.append(deliveries)
    app.on_start_over.append(deliveries.forget)
