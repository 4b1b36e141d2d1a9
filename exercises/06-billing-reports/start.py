"""Exercise 06's start: the team's orders service, running in the account.

With the learner's credentials (their IAM admin user's), `grade start 06`
creates what the team's orders service runs on: a KMS key, two secrets in
Secrets Manager, an SQS queue and an S3 archive bucket with a few objects,
and lets three days pass on the account's clock while it runs. The account's
bill charges them every hour they exist, each as busy as the account's seed
makes it (`grader.sandbox.services.billing.usage`), so two learners get different
bills, and different answers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from grader.errors import GradeError

QUEUE = "orders"
RUNNING_FOR = dt.timedelta(days=3)
SECRETS = ("orders/database", "orders/payment-provider")


def archive_bucket(account_id: str) -> str:
    return f"orders-archive-{account_id}"


def start(account: Any) -> str:
    sqs = account.client("sqs")
    if QUEUE in " ".join(sqs.list_queues().get("QueueUrls", [])):
        raise GradeError("Exercise 06 has started already: the orders service is running.",
                         "Go on with `grade show 06`; `grade restart 06` starts over.")
    kms = account.client("kms")
    key = kms.create_key(Description="orders service: encrypts orders at rest",
                         Tags=[{"TagKey": "team", "TagValue": "orders"}])["KeyMetadata"]
    kms.create_alias(AliasName="alias/orders", TargetKeyId=key["KeyId"])
    secrets = account.client("secretsmanager")
    for name in SECRETS:
        secrets.create_secret(Name=name, SecretString="{}", KmsKeyId=key["Arn"])
    sqs.create_queue(QueueName=QUEUE)
    s3 = account.client("s3")
    bucket = archive_bucket(account.account_id)
    s3.create_bucket(Bucket=bucket)
    for day in range(1, 6):
        s3.put_object(Bucket=bucket, Key=f"orders/2026-11-0{day}.jsonl.gz",
                      Body=b"\x1f\x8b" + bytes(20_000 + 1_500 * day))
    now = account.advance(RUNNING_FOR)
    return ("The orders service runs in the account: a KMS key (alias/orders), secrets "
            f"{', '.join(SECRETS)}, the queue {QUEUE} and the bucket {bucket}.\nIt has run "
            f"for three days; in the account it is now {now:%Y-%m-%d %H:%M} UTC (if you "
            "worked in an MFA session, it has expired: start a new one). Set up your export "
            "and budget, then read the first report (steps in `grade show 06`).")
