"""AWS services as the Cost and Usage Report names them, and what a learner may call them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Product:
    """An AWS service as the bill names it."""

    code: str  # line_item_product_code, product_servicecode
    name: str  # product_product_name
    aliases: tuple[str, ...] = ()  # what else a learner may call it (lower case)


S3 = Product("AmazonS3", "Amazon Simple Storage Service", ("s3", "amazon s3"))
KMS = Product("awskms", "AWS Key Management Service", ("kms", "aws kms"))
SECRETS = Product("AWSSecretsManager", "AWS Secrets Manager",
                  ("secretsmanager", "secrets manager"))
SQS = Product("AWSQueueService", "Amazon Simple Queue Service", ("sqs", "amazon sqs"))
PRODUCTS = (S3, KMS, SECRETS, SQS)


def product_named(text: str) -> Product | None:
    """The product a learner means by `text` (its code, its name, or a usual short name)."""
    wanted = " ".join(text.strip().lower().split())
    for product in PRODUCTS:
        if wanted in (product.code.lower(), product.name.lower(), *product.aliases):
            return product
    return None
