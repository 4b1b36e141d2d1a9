"""A bucket's policy as the checks read it (GetBucketPolicy)."""

from __future__ import annotations

import json
from typing import Any


def bucket_policy(s3: Any, bucket: str) -> tuple[bool, dict[str, Any] | None]:
    """(whether the bucket exists, its policy: None when it has none)."""
    from botocore.exceptions import ClientError

    try:
        text = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if code in ("NoSuchBucketPolicy", "NoSuchBucket"):
            return code != "NoSuchBucket", None
        raise
    loaded = json.loads(text)
    return True, loaded if isinstance(loaded, dict) else None
