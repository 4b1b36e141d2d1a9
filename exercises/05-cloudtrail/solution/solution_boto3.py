"""Reference solution with boto3. Run it as your IAM admin user (in an MFA session, if
your admin group requires MFA as in exercise 04):

    AWS_PROFILE=sandbox-admin python solution_boto3.py

It writes the investigation's answer to ../answers.toml (or to $ANSWERS).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import subprocess
from pathlib import Path

import boto3

HERE = Path(__file__).resolve().parent
ANSWERS = Path(os.environ.get("ANSWERS") or HERE.parent / "answers.toml")
TRAIL = "org-trail"

account = boto3.client("sts").get_caller_identity()["Account"]
bucket = f"cloudtrail-{account}-logs"
trail_arn = f"arn:aws:cloudtrail:us-east-1:{account}:trail/{TRAIL}"

# 1. The bucket: public access blocked; CloudTrail, and only CloudTrail, may write.
s3 = boto3.client("s3")
s3.create_bucket(Bucket=bucket)
s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True,
    "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
from_this_trail = {"aws:SourceArn": trail_arn}
s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{bucket}",
         "Condition": {"StringEquals": from_this_trail}},
        {"Sid": "AWSCloudTrailWrite", "Effect": "Allow",
         "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{account}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                        **from_this_trail}}},
    ]}))

# 2. The trail, everywhere, with digests; logging starts only when asked.
cloudtrail = boto3.client("cloudtrail")
cloudtrail.create_trail(Name=TRAIL, S3BucketName=bucket, IsMultiRegionTrail=True,
                        EnableLogFileValidation=True)
cloudtrail.start_logging(Name=TRAIL)

# 3. The alert: an EventBridge rule in us-east-1 for root's console sign-in, to a topic
#    that lets EventBridge publish and that mails someone.
sns = boto3.client("sns", region_name="us-east-1")
events = boto3.client("events", region_name="us-east-1")
topic = sns.create_topic(Name="alerts-root-login")["TopicArn"]
sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="oncall@example.com")
rule = events.put_rule(Name="root-console-login", EventPattern=json.dumps({
    "source": ["aws.signin"],
    "detail-type": ["AWS Console Sign In via CloudTrail"],
    "detail": {"userIdentity": {"type": ["Root"]}, "eventName": ["ConsoleLogin"]},
}))["RuleArn"]
sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                   "Action": "sns:Publish", "Resource": topic,
                   "Condition": {"ArnEquals": {"aws:SourceArn": rule}}}]}))
events.put_targets(Rule="root-console-login", Targets=[{"Id": "sns", "Arn": topic}])

# 4. The colleagues' afternoon (recorded by the trail), then two hours for the digests.
subprocess.run(["grade", "start", "05"], check=True)
subprocess.run(["grade", "sandbox", "advance", "2h"], check=True, capture_output=True)

# 5. The investigation, from the log files the trail delivered.
found = []
folder = f"AWSLogs/{account}/CloudTrail/"
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=folder):
    for listed in page.get("Contents", []):
        body = s3.get_object(Bucket=bucket, Key=listed["Key"])["Body"].read()
        for record in json.loads(gzip.decompress(body))["Records"]:
            if record["eventName"] != "PutBucketPolicy" or "errorCode" in record:
                continue
            parameters = record.get("requestParameters") or {}
            target = parameters.get("bucketName") or parameters.get("bucket") or ""
            policy = parameters.get("bucketPolicy") or parameters.get("policy") or {}
            policy = json.loads(policy) if isinstance(policy, str) else policy
            if target.startswith("team-reports-") and any(
                    s.get("Effect") == "Allow" and s.get("Principal") in ("*", {"AWS": "*"})
                    for s in policy.get("Statement", [])):
                found.append(record)
first = min(found, key=lambda record: record["eventTime"])
ANSWERS.write_text(f'who = "{first["userIdentity"]["userName"]}"\n'
                   f'when = "{first["eventTime"]}"\n', encoding="utf-8")
print(ANSWERS.read_text(encoding="utf-8"))

# 6. The logs, proved untouched, by the AWS CLI's validate-logs.
status = json.loads(subprocess.run(["grade", "sandbox", "status", "--json"], check=True,
                                   capture_output=True, text=True).stdout)
now = dt.datetime.fromisoformat(status["accountTime"])
started = cloudtrail.get_trail_status(Name=TRAIL)["StartLoggingTime"]
subprocess.run(["aws", "cloudtrail", "validate-logs", "--trail-arn", trail_arn,
                "--start-time", f"{started:%Y-%m-%dT%H:%M:%SZ}",
                "--end-time", f"{now:%Y-%m-%dT%H:%M:%SZ}"], check=True)
