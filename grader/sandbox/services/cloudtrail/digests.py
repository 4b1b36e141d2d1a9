"""CloudTrail's digest files: an hourly, signed list of the log files delivered.

With log file validation on, CloudTrail writes every hour, for each Region
a trail logs, a digest file (CloudTrail User Guide, "CloudTrail digest file
structure") under

    [prefix/]AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/
        <account>_CloudTrail-Digest_<region>_<trail>_<home region>_<YYYYMMDDTHHmmssZ>.json.gz

holding the SHA-256 of each log file delivered in the hour (uncompressed),
and the SHA-256 and signature of the previous digest, which chains them.
The digest is signed SHA256withRSA with the Region's key (`signing_keys`)
over

    digestEndTime \\n bucket/key \\n hex SHA-256 of the uncompressed digest \\n
    previous digest's signature (or "null")

and the hex signature travels in the object's metadata (`x-amz-meta-signature`,
`x-amz-meta-signature-algorithm`), where the AWS CLI's `validate-logs` reads it.
A digest comes even for an hour without log files: it says that none came.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from grader.cloudtrail.bucket_policy import key_folder
from grader.sandbox.services.cloudtrail.events import zulu
from grader.sandbox.services.cloudtrail.log_files import sha256

ALGORITHM = "SHA256withRSA"
HASH = "SHA-256"


@dataclass(frozen=True)
class DeliveredLog:
    """A log file as a digest lists it."""

    bucket: str
    key: str
    sha256: str
    oldest: dt.datetime
    newest: dt.datetime

    def listed(self) -> dict[str, str]:
        return {"s3Bucket": self.bucket, "s3Object": self.key, "hashValue": self.sha256,
                "hashAlgorithm": HASH, "newestEventTime": zulu(self.newest),
                "oldestEventTime": zulu(self.oldest)}


@dataclass(frozen=True)
class DeliveredDigest:
    """A digest as the next one names it."""

    bucket: str
    key: str
    sha256: str
    signature: str
    end: dt.datetime


def digest_key(prefix: str | None, account_id: str, region: str, trail_name: str,
               home_region: str, end: dt.datetime) -> str:
    return (f"{key_folder(prefix)}AWSLogs/{account_id}/CloudTrail-Digest/{region}/"
            f"{end:%Y/%m/%d}/{account_id}_CloudTrail-Digest_{region}_{trail_name}_"
            f"{home_region}_{end:%Y%m%dT%H%M%SZ}.json.gz")


def digest_body(account_id: str, bucket: str, key: str, start: dt.datetime,
                end: dt.datetime, fingerprint: str, logs: list[DeliveredLog],
                previous: DeliveredDigest | None) -> bytes:
    """The digest's content before compression, as CloudTrail writes it."""
    document: dict[str, Any] = {
        "awsAccountId": account_id,
        "digestStartTime": zulu(start),
        "digestEndTime": zulu(end),
        "digestS3Bucket": bucket,
        "digestS3Object": key,
        "digestPublicKeyFingerprint": fingerprint,
        "digestSignatureAlgorithm": ALGORITHM,
        "newestEventTime": zulu(max(log.newest for log in logs)) if logs else None,
        "oldestEventTime": zulu(min(log.oldest for log in logs)) if logs else None,
        "previousDigestS3Bucket": previous.bucket if previous else None,
        "previousDigestS3Object": previous.key if previous else None,
        "previousDigestHashValue": previous.sha256 if previous else None,
        "previousDigestHashAlgorithm": HASH if previous else None,
        "previousDigestSignature": previous.signature if previous else None,
        "logFiles": [log.listed() for log in logs],
    }
    return json.dumps(document, separators=(",", ":")).encode()


def string_to_sign(end: dt.datetime, bucket: str, key: str, body: bytes,
                   previous: DeliveredDigest | None) -> bytes:
    """What the signature covers (the AWS CLI rebuilds it to verify)."""
    previous_signature = previous.signature if previous else "null"
    return f"{zulu(end)}\n{bucket}/{key}\n{sha256(body)}\n{previous_signature}".encode()


def metadata(signature: str) -> dict[str, str]:
    """The digest object's user metadata (`x-amz-meta-...`)."""
    return {"signature": signature, "signature-algorithm": ALGORITHM}
