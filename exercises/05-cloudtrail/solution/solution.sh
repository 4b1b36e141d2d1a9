#!/usr/bin/env bash
# Reference solution with the AWS CLI. Run it as your IAM admin user (in an MFA
# session, if your admin group requires MFA as in exercise 04):
#   AWS_PROFILE=sandbox-admin bash solution.sh
# It writes the investigation's answer to ../answers.toml (or to $ANSWERS).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
answers="${ANSWERS:-$here/../answers.toml}"
account="$(aws sts get-caller-identity --query Account --output text)"
bucket="trail-logs-$account"
trail="management-events"

# 1. The bucket: public access blocked, and a policy that lets CloudTrail (only) write.
aws s3api create-bucket --bucket "$bucket" >/dev/null
aws s3api put-public-access-block --bucket "$bucket" --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
sed -e "s/BUCKET/$bucket/g" -e "s/ACCOUNT/$account/g" -e "s/TRAIL/$trail/g" \
    "$here/bucket-policy.json" > "${TMPDIR:-/tmp}/trail-bucket-policy-$$.json"
aws s3api put-bucket-policy --bucket "$bucket" \
    --policy "file://${TMPDIR:-/tmp}/trail-bucket-policy-$$.json"
rm -f "${TMPDIR:-/tmp}/trail-bucket-policy-$$.json"

# 2. The trail: every Region, management events read and write (the default), digests.
aws cloudtrail create-trail --name "$trail" --s3-bucket-name "$bucket" \
    --is-multi-region-trail --enable-log-file-validation >/dev/null
aws cloudtrail start-logging --name "$trail"

# 3. The alert on root's sign-in: a topic that EventBridge may publish to, an e-mail
#    subscription, and a rule in us-east-1 (where console sign-ins arrive).
topic="$(aws sns create-topic --name root-sign-in --query TopicArn --output text)"
aws sns subscribe --topic-arn "$topic" --protocol email \
    --notification-endpoint security@example.com >/dev/null
rule="$(aws events put-rule --name root-sign-in --event-pattern "file://$here/root-sign-in.json" \
    --query RuleArn --output text)"
sed -e "s|TOPIC|$topic|" -e "s|RULE|$rule|" "$here/topic-policy.json" \
    > "${TMPDIR:-/tmp}/topic-policy-$$.json"
aws sns set-topic-attributes --topic-arn "$topic" --attribute-name Policy \
    --attribute-value "file://${TMPDIR:-/tmp}/topic-policy-$$.json"
rm -f "${TMPDIR:-/tmp}/topic-policy-$$.json"
aws events put-targets --rule root-sign-in --targets "Id=mail,Arn=$topic" >/dev/null

# 4. Your colleagues' afternoon, recorded by the trail; then let the digests come.
grade start 05
grade sandbox advance 2h >/dev/null

# 5. The investigation: who opened the team-reports bucket to everyone, and when.
aws cloudtrail lookup-events \
    --lookup-attributes AttributeKey=EventName,AttributeValue=PutBucketPolicy \
    --query 'Events[].CloudTrailEvent' --output json | python -c '
import json, sys
events = [json.loads(e) for e in json.load(sys.stdin)]
for event in sorted(events, key=lambda e: e["eventTime"]):
    parameters = event.get("requestParameters") or {}
    bucket = parameters.get("bucketName") or parameters.get("bucket") or ""
    policy = parameters.get("bucketPolicy") or parameters.get("policy") or {}
    policy = json.loads(policy) if isinstance(policy, str) else policy
    public = any(s.get("Effect") == "Allow" and s.get("Principal") in ("*", {"AWS": "*"})
                 for s in policy.get("Statement", []))
    if bucket.startswith("team-reports-") and public and "errorCode" not in event:
        print("who =", json.dumps(event["userIdentity"]["userName"]))
        print("when =", json.dumps(event["eventTime"]))
        break
' > "$answers"
cat "$answers"

# 6. The logs, proved untouched (between the trail's start and the account's time now).
now="$(grade sandbox status --json | python -c 'import json,sys; print(json.load(sys.stdin)["accountTime"][:19] + "Z")')"
started="$(aws cloudtrail get-trail-status --name "$trail" --output json | python -c '
import datetime, json, sys
started = json.load(sys.stdin)["StartLoggingTime"]  # seconds since 1970 (the AWS CLI v1)
moment = datetime.datetime.fromtimestamp(float(started), datetime.timezone.utc)
print(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))')"
aws cloudtrail validate-logs --trail-arn "arn:aws:cloudtrail:us-east-1:$account:trail/$trail" \
    --start-time "$started" --end-time "$now"
