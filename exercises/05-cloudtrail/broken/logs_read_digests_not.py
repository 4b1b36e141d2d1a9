"""The learner lists CloudTrail's public keys and reads every log file (the investigation
from the logs), but never a digest: no signature was checked, nothing was validated.

fails: logs-validated
"""
import datetime as dt

import _steps as s

s.make_bucket()
s.make_trail()
s.make_alert()
s.colleagues_work()
s.answer()
s.me().client("cloudtrail").list_public_keys(
    StartTime=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), EndTime=dt.datetime.now(dt.UTC))
s3 = s.me().client("s3")
for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=s.bucket(), Prefix=f"AWSLogs/{s.account()}/CloudTrail/"):
    for listed in page.get("Contents", []):
        s3.get_object(Bucket=s.bucket(), Key=listed["Key"])["Body"].read()
reports = next(b["Name"] for b in s3.list_buckets()["Buckets"]
               if b["Name"].startswith("team-reports-"))
for listed in s3.list_objects_v2(Bucket=reports).get("Contents", [])[:3]:
    s3.get_object(Bucket=reports, Key=listed["Key"])["Body"].read()
