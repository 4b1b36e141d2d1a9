"""CloudTrail's log files: where they go and what is in them.

A log file holds the events one trail logged in one Region since its last
delivery there, as `{"Records": [...]}` in CloudTrail's record format
(`events.cloudtrail_record`), compressed with gzip, under

    [prefix/]AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/
        <account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz

(CloudTrail User Guide, "Finding your CloudTrail log files"): the date and
time are the delivery's, the unique part tells apart files of the same
minute. Here the unique part and the gzip header are drawn from the
account's seed, the trail and the moment, so that a replayed account
writes the very same bytes.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import string
from typing import Any

from grader.cloudtrail.bucket_policy import key_folder

_ALPHABET = string.ascii_letters + string.digits


def log_file_key(prefix: str | None, account_id: str, region: str, delivered: dt.datetime,
                 unique: str) -> str:
    return (f"{key_folder(prefix)}AWSLogs/{account_id}/CloudTrail/{region}/"
            f"{delivered:%Y/%m/%d}/{account_id}_CloudTrail_{region}_"
            f"{delivered:%Y%m%dT%H%MZ}_{unique}.json.gz")


def unique_part(seed: int, trail_arn: str, region: str, delivered: dt.datetime) -> str:
    """16 letters and digits, the same for the same trail, Region and moment."""
    digest = hashlib.sha256(f"{seed}|{trail_arn}|{region}|{delivered.isoformat()}".encode())
    number = int.from_bytes(digest.digest(), "big")
    letters = []
    for _ in range(16):
        number, index = divmod(number, len(_ALPHABET))
        letters.append(_ALPHABET[index])
    return "".join(letters)


def log_file_body(records: list[dict[str, Any]]) -> bytes:
    """The log file's content before compression (what digests hash)."""
    return json.dumps({"Records": records}, separators=(",", ":")).encode()


def compressed(body: bytes, delivered: dt.datetime) -> bytes:
    """gzip of `body`, with the delivery's time in its header (the same bytes on replay)."""
    return gzip.compress(body, compresslevel=6, mtime=int(delivered.timestamp()))


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
