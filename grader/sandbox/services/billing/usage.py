"""What the account's resources use, hour by hour: the meters behind its bill.

The simulated account runs no workload, so its usage is made up, but made up
honestly: only resources that exist in the account are billed, from the hour
they were created, at AWS's public on-demand prices (us-east-1, late 2026):

- S3 (`AmazonS3`): each bucket's storage (its objects' bytes, GB-months),
  and its requests (PUT/LIST "Tier1", GET "Tier2");
- KMS (`awskms`): each customer managed key ($1 a month, prorated by the
  hour) and its requests;
- Secrets Manager (`AWSSecretsManager`): each secret ($0.40 a month,
  prorated) and its API requests;
- SQS (`AWSQueueService`): each queue's requests.

How busy a resource is (its requests a day) is drawn from the account's seed
and the resource's name, so that the same account always gets the same
bill and two learners get different ones; weekends are quieter, and a day
varies from the next by up to a fifth. There is no Free Tier and no credits
here: every meter is billed from its first unit.

Amounts are `Decimal`s; a cost is rounded to 10 decimal places, as the Cost
and Usage Report shows it, hour by hour, and a day's cost is the sum of its
hours' (so a daily and an hourly report of the same day add up the same).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from grader.billing.products import KMS, S3, SECRETS, SQS, Product

HOURS_A_MONTH = Decimal(730)  # AWS prorates monthly fees over 730 hours
GIB = Decimal(2**30)
COST_PLACES = Decimal("1e-10")
USAGE_PLACES = Decimal("1e-10")
# How a day's requests spread over its hours (UTC): quiet at night, busy in the day.
HOURLY_SHAPE = (2, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 7, 6, 7, 7, 7, 6, 5, 4, 4, 3, 3, 2, 2)
# The Regions' prefixes in usage types (AWS's, for the Regions a learner is likely to use).
REGION_PREFIX = {
    "us-east-1": "USE1-", "us-east-2": "USE2-", "us-west-1": "USW1-", "us-west-2": "USW2-",
    "eu-west-1": "EU-", "eu-west-2": "EUW2-", "eu-west-3": "EUW3-", "eu-central-1": "EUC1-",
    "eu-north-1": "EUN1-", "ap-southeast-1": "APS1-", "ap-southeast-2": "APS2-",
    "ap-northeast-1": "APN1-", "ap-south-1": "APS3-", "ca-central-1": "CAN1-",
    "sa-east-1": "SAE1-",
}


@dataclass(frozen=True)
class Meter:
    """One thing a resource is billed for, and its price."""

    product: Product
    usage_type: str  # without the Region's prefix: "TimedStorage-ByteHrs"
    operation: str
    unit: str  # pricing_unit
    rate: Decimal  # USD per unit
    description: str  # line_item_line_item_description; {rate} is filled in


@dataclass(frozen=True)
class Usage:
    """A meter's usage by one resource in one hour."""

    meter: Meter
    region: str
    resource_id: str
    start: dt.datetime
    amount: Decimal

    @property
    def end(self) -> dt.datetime:
        return self.start + dt.timedelta(hours=1)

    @property
    def usage_type(self) -> str:
        return REGION_PREFIX.get(self.region, self.region + "-") + self.meter.usage_type

    @property
    def cost(self) -> Decimal:
        return (self.amount * self.meter.rate).quantize(COST_PLACES)


STORAGE = Meter(S3, "TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", Decimal("0.023"),
                "$0.023 per GB - first 50 TB / month of storage used")
S3_TIER1 = Meter(S3, "Requests-Tier1", "PutObject", "Requests", Decimal("0.000005"),
                 "$0.005 per 1,000 PUT, COPY, POST, or LIST requests")
S3_TIER2 = Meter(S3, "Requests-Tier2", "GetObject", "Requests", Decimal("0.0000004"),
                 "$0.0004 per 1,000 GET and all other requests")
KMS_KEY = Meter(KMS, "KMS-Keys", "CreateKey", "Keys", Decimal(1) / HOURS_A_MONTH,
                "$1.00 per customer managed key per month (prorated hourly)")
KMS_REQUESTS = Meter(KMS, "KMS-Requests", "Decrypt", "Requests", Decimal("0.000003"),
                     "$0.03 per 10,000 requests")
SECRET = Meter(SECRETS, "AWSSecretsManager-Secrets", "", "Secrets",
               Decimal("0.40") / HOURS_A_MONTH, "$0.40 per secret per month (prorated hourly)")
SECRET_REQUESTS = Meter(SECRETS, "AWSSecretsManager-APIRequest", "GetSecretValue", "API Requests",
                        Decimal("0.000005"), "$0.05 per 10,000 API requests")
SQS_REQUESTS = Meter(SQS, "Requests-Tier1", "SendMessage", "Requests", Decimal("0.0000004"),
                     "$0.40 per million Amazon SQS standard requests")

# How many requests a day a resource gets: drawn between these bounds (log-uniform).
BUSY = {
    S3_TIER1: (500, 60_000), S3_TIER2: (20_000, 2_000_000),
    KMS_REQUESTS: (5_000, 400_000), SECRET_REQUESTS: (2_000, 80_000),
    SQS_REQUESTS: (50_000, 2_500_000),
}


@dataclass(frozen=True)
class Resource:
    """A billed resource: what it is, where, since when, and how big (bytes)."""

    product: Product
    resource_id: str
    region: str
    created: dt.datetime
    size: int = 0


def _unit(seed: int, *parts: object) -> float:
    """A number in [0, 1) drawn from the seed and `parts`, the same every time."""
    digest = hashlib.sha256("|".join(str(p) for p in (seed, *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def requests_a_day(seed: int, meter: Meter, resource_id: str, day: dt.date) -> int:
    low, high = BUSY[meter]
    level = low * (high / low) ** _unit(seed, meter.product.code, meter.usage_type, resource_id)
    weekend = 0.6 if day.weekday() >= 5 else 1.0
    jitter = 0.8 + 0.4 * _unit(seed, meter.usage_type, resource_id, day.isoformat())
    return int(level * weekend * jitter)


def _hours(day: dt.date, created: dt.datetime) -> Iterator[dt.datetime]:
    """The hours of `day` (UTC) in which a resource created at `created` existed."""
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    for hour in range(24):
        moment = start + dt.timedelta(hours=hour)
        if moment + dt.timedelta(hours=1) > created:
            yield moment


def hourly_usage(seed: int, resource: Resource, day: dt.date) -> list[Usage]:
    """What `resource` used in each hour of `day` it existed in."""
    hours = list(_hours(day, resource.created))
    if not hours:
        return []
    found: list[Usage] = []
    region, rid = resource.region, resource.resource_id
    for meter in METERS[resource.product]:
        if meter in BUSY:
            total = requests_a_day(seed, meter, rid, day)
            weights = sum(HOURLY_SHAPE)
            for moment in hours:
                count = total * HOURLY_SHAPE[moment.hour] // weights
                if count:
                    found.append(Usage(meter, region, rid, moment, Decimal(count)))
        elif meter is STORAGE:
            if resource.size:
                gb_months = (Decimal(resource.size) / GIB / HOURS_A_MONTH).quantize(USAGE_PLACES)
                found.extend(Usage(meter, region, rid, moment, gb_months) for moment in hours)
        else:  # a monthly fee, prorated by the hour
            found.extend(Usage(meter, region, rid, moment, Decimal(1)) for moment in hours)
    return found


METERS: dict[Product, tuple[Meter, ...]] = {
    S3: (STORAGE, S3_TIER1, S3_TIER2),
    KMS: (KMS_KEY, KMS_REQUESTS),
    SECRETS: (SECRET, SECRET_REQUESTS),
    SQS: (SQS_REQUESTS,),
}


def as_utc(value: Any) -> dt.datetime:
    """moto's creation times (aware or naive UTC datetimes, or Unix seconds) as UTC."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return dt.datetime.fromtimestamp(float(value), dt.UTC)
