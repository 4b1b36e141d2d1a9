"""Whether a trail's delivered logs are intact: `aws cloudtrail validate-logs`, done by
the grader, read-only, and a little stricter.

For one trail and one Region: every digest file under `CloudTrail-Digest/`
must be where it says it is, name a public key CloudTrail lists
(ListPublicKeys) and carry a valid SHA256withRSA signature over its end
time, location, content hash and the previous digest's signature; a digest
that names a previous one must find it, unchanged; every log file a digest
lists must be there with the SHA-256 it lists. Beyond what the AWS CLI
checks, a log file under `CloudTrail/` that no digest lists although a
later digest came (put there by someone, not by CloudTrail), and a latest
digest missing (GetTrailStatus says when the last one came) are problems
too. Every problem names the object and what is wrong with it.

A trail's files pile up as the account's time passes, and `grade 05` is run
again and again: what was read is kept for the life of the process
(`_READS`), keyed by the object's key, ETag and Last-Modified as the bucket
lists them now. Any write to an object (new content, or the same content
with new metadata) gives it a new Last-Modified, so it is read again.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from grader.checks.calls import call
from grader.checks.target import Target

_READS: dict[tuple[str, str, str, str], tuple[bytes, dict[str, str]]] = {}
_KEPT = 50_000  # objects kept read; beyond, the cache starts over
_LOG_STAMP = re.compile(r"_(\d{8}T\d{4}Z)_[A-Za-z0-9]+\.json\.gz$")


@dataclass
class Validation:
    """What validating one Region of a trail found."""

    digests: int = 0  # valid digest files
    logs: int = 0  # valid log files
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.digests > 0 and not self.problems


def folder(trail: dict[str, Any], account_id: str, kind: str, region: str) -> str:
    prefix = trail.get("S3KeyPrefix")
    return f"{prefix + '/' if prefix else ''}AWSLogs/{account_id}/{kind}/{region}/"


def _objects(s3: Any, bucket: str, prefix: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    token: str | None = None
    while True:
        args: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
        if token:
            args["ContinuationToken"] = token
        page = call(s3, "list_objects_v2", **args)
        for item in page.get("Contents", []):
            found[item["Key"]] = item
        token = page.get("NextContinuationToken")
        if not token:
            return found


def _read(s3: Any, bucket: str, key: str,
          listed: dict[str, Any] | None = None) -> tuple[bytes, dict[str, str]] | None:
    """The object's content (decompressed) and metadata; None when it is gone. `listed`:
    the object as ListObjectsV2 gave it, to reuse an earlier read of the same version."""
    place = None
    if listed is not None:
        place = (bucket, key, str(listed.get("ETag")), str(listed.get("LastModified")))
        if place in _READS:
            return _READS[place]
    read = _get(s3, bucket, key)
    if place is not None and read is not None:
        if len(_READS) >= _KEPT:
            _READS.clear()
        _READS[place] = read
    return read


def _get(s3: Any, bucket: str, key: str) -> tuple[bytes, dict[str, str]] | None:
    from botocore.exceptions import ClientError

    try:
        got = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    try:
        return gzip.decompress(got["Body"].read()), dict(got.get("Metadata") or {})
    except (OSError, EOFError):
        return b"", dict(got.get("Metadata") or {})


@functools.lru_cache(maxsize=65_536)
def _signature_holds(der: bytes, signature: str, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    try:
        key = serialization.load_der_public_key(der)
        if not isinstance(key, rsa.RSAPublicKey):
            return False
        key.verify(bytes.fromhex(signature), message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def validate(target: Target, trail: dict[str, Any], region: str) -> Validation:
    """Validate what `trail` (as DescribeTrails lists it) delivered for `region`."""
    account_id = target.account_id
    bucket = str(trail["S3BucketName"])
    s3 = target.client("s3")
    result = Validation()
    digest_objects = _objects(s3, bucket, folder(trail, account_id, "CloudTrail-Digest", region))
    log_objects = _objects(s3, bucket, folder(trail, account_id, "CloudTrail", region))
    digest_keys = sorted(digest_objects)
    keys = {k["Fingerprint"]: k["Value"] for k in call(
        target.client("cloudtrail", region), "list_public_keys",
        StartTime=dt.datetime(2006, 1, 1, tzinfo=dt.UTC),
        EndTime=dt.datetime.now(dt.UTC) + dt.timedelta(days=800))["PublicKeyList"]}
    listed: set[str] = set()
    signatures: dict[str, tuple[str, str]] = {}  # digest key -> (its signature, its SHA-256)
    last_end = ""
    for key in digest_keys:
        read = _read(s3, bucket, key, digest_objects.get(key))
        where = f"s3://{bucket}/{key}"
        if read is None:
            result.problems.append(f"{where}: the digest is gone")
            continue
        body, metadata = read
        try:
            digest = json.loads(body)
        except ValueError:
            result.problems.append(f"{where}: not a digest file (not gzip-compressed JSON)")
            continue
        problem = _digest_problem(digest, body, metadata, bucket, key, keys, signatures)
        if problem:
            result.problems.append(f"{where}: {problem}")
            continue
        signatures[key] = (metadata["signature"], hashlib.sha256(body).hexdigest())
        result.digests += 1
        last_end = max(last_end, str(digest["digestEndTime"]))
        for log in digest.get("logFiles") or []:
            listed.add(log["s3Object"])
            same_bucket = log.get("s3Bucket") == bucket
            result.logs += _log_holds(s3, log, result.problems,
                                      log_objects.get(log["s3Object"]) if same_bucket else None)
    _unlisted_logs(bucket, log_objects, listed, last_end, result.problems)
    _latest_digest_missing(target, trail, digest_keys, result.problems)
    return result


def _digest_problem(digest: dict[str, Any], body: bytes, metadata: dict[str, str],
                    bucket: str, key: str, keys: dict[str, bytes],
                    signatures: dict[str, tuple[str, str]]) -> str | None:
    if digest.get("digestS3Bucket") != bucket or digest.get("digestS3Object") != key:
        return "the digest was moved from where CloudTrail put it"
    der = keys.get(str(digest.get("digestPublicKeyFingerprint")))
    if der is None:
        return "it names a key CloudTrail never signed with"
    signature = metadata.get("signature", "")
    previous_signature = digest.get("previousDigestSignature") or "null"
    message = (f"{digest.get('digestEndTime')}\n{bucket}/{key}\n"
               f"{hashlib.sha256(body).hexdigest()}\n{previous_signature}").encode()
    if not signature or not _signature_holds(der, signature, message):
        return "its signature does not hold: the digest was changed after CloudTrail signed it"
    previous = digest.get("previousDigestS3Object")
    if previous:
        if previous not in signatures:
            return f"the digest before it ({previous}) is gone or not valid"
        if signatures[previous] != (previous_signature,
                                    digest.get("previousDigestHashValue")):
            return f"the digest before it ({previous}) was changed"
    return None


def _log_holds(s3: Any, log: dict[str, Any], problems: list[str],
               listed: dict[str, Any] | None) -> int:
    where = f"s3://{log['s3Bucket']}/{log['s3Object']}"
    read = _read(s3, str(log["s3Bucket"]), str(log["s3Object"]), listed)
    if read is None:
        problems.append(f"{where}: the log file is gone")
        return 0
    if hashlib.sha256(read[0]).hexdigest() != log.get("hashValue"):
        problems.append(f"{where}: the log file was changed after it was delivered")
        return 0
    return 1


def _unlisted_logs(bucket: str, log_objects: dict[str, Any], listed: set[str], last_end: str,
                   problems: list[str]) -> None:
    """Log files no digest lists, though a digest came after them: not CloudTrail's."""
    for key in sorted(log_objects):
        stamp = _LOG_STAMP.search(key)
        if key in listed or stamp is None or not last_end:
            continue
        delivered = dt.datetime.strptime(stamp.group(1), "%Y%m%dT%H%MZ")
        if delivered.strftime("%Y-%m-%dT%H:%M:%SZ") < last_end:
            problems.append(f"s3://{bucket}/{key}: no digest lists this log file: CloudTrail "
                            "did not deliver it")


def _latest_digest_missing(target: Target, trail: dict[str, Any], digest_keys: list[str],
                           problems: list[str]) -> None:
    status = call(target.client("cloudtrail", trail.get("HomeRegion")), "get_trail_status",
                  Name=trail["TrailARN"])
    latest = status.get("LatestDigestDeliveryTime")
    if latest is None:
        return
    newest = max((k[-24:-8] for k in digest_keys), default="")
    if newest < latest.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ"):
        problems.append(f"the digest CloudTrail delivered at {latest:%Y-%m-%d %H:%M} UTC "
                        "is gone")


@dataclass(frozen=True)
class DigestFile:
    """A digest file the trail delivered: where, the hour it covers, the log files it lists."""

    bucket: str
    key: str
    start: dt.datetime
    end: dt.datetime
    logs: tuple[tuple[str, str], ...]  # (bucket, key) of each log file it lists


def digest_files(target: Target, trail: dict[str, Any], region: str) -> list[DigestFile]:
    """The digests `trail` (as DescribeTrails lists it) delivered for `region`, oldest first
    (those that no longer read as digests left out: `validate` names them)."""
    bucket = str(trail["S3BucketName"])
    s3 = target.client("s3")
    objects = _objects(s3, bucket, folder(trail, target.account_id, "CloudTrail-Digest", region))
    found = []
    for key in sorted(objects):
        read = _read(s3, bucket, key, objects[key])
        try:
            digest = json.loads(read[0]) if read else {}
            if not isinstance(digest, dict):
                continue
            start, end = (dt.datetime.fromisoformat(str(digest[name]).replace("Z", "+00:00"))
                          for name in ("digestStartTime", "digestEndTime"))
        except (ValueError, TypeError, KeyError):
            continue
        logs = tuple((str(log.get("s3Bucket")), str(log.get("s3Object")))
                     for log in digest.get("logFiles") or [])
        found.append(DigestFile(bucket, key, start, end, logs))
    return sorted(found, key=lambda digest: digest.end)
