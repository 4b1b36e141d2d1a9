"""The account's billed resources, read from moto's backends as they are now.

Only backends that exist are read (reading never creates one: a backend made
outside a request would draw moto's random ids out of the record's order).
"""

from __future__ import annotations

from typing import Any

from grader.billing.products import KMS, S3, SECRETS, SQS
from grader.sandbox.services.billing.usage import Resource, as_utc


def _regional(backends: Any, account_id: str) -> list[tuple[str, Any]]:
    if account_id not in backends:
        return []
    account = backends[account_id]
    return [(region, dict.__getitem__(account, region)) for region in sorted(account.keys())]


def billed_resources(account_id: str) -> list[Resource]:
    """Every resource of the account the bill charges for, in a stable order."""
    from moto.kms.models import kms_backends
    from moto.s3.models import s3_backends
    from moto.secretsmanager.models import secretsmanager_backends
    from moto.sqs.models import sqs_backends

    found: list[Resource] = []
    for _, s3 in _regional(s3_backends, account_id):
        for name in sorted(s3.buckets):
            bucket = s3.buckets[name]
            size = sum(version.size for _, versions in bucket.keys.iterlists()
                       for version in versions if hasattr(version, "size"))
            found.append(Resource(S3, name, bucket.region_name, as_utc(bucket.creation_date),
                                  size))
    for region, kms in _regional(kms_backends, account_id):
        for key in sorted(kms.keys.values(), key=lambda k: k.id):
            if key.key_manager == "CUSTOMER" and key.key_state != "PendingDeletion":
                found.append(Resource(KMS, key.arn, region, as_utc(key.creation_date)))
    for region, secrets in _regional(secretsmanager_backends, account_id):
        for secret in sorted(secrets.secrets.values(), key=lambda s: s.arn):
            if getattr(secret, "deleted_date", None) is None:
                found.append(Resource(SECRETS, secret.arn, region,
                                      as_utc(secret.created_date)))
    for region, sqs in _regional(sqs_backends, account_id):
        for name in sorted(sqs.queues):
            queue = sqs.queues[name]
            found.append(Resource(SQS, queue.queue_arn, region,
                                  as_utc(queue.created_timestamp)))
    return found
