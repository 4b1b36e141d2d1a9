#!/usr/bin/env bash
# Reference solution with the AWS CLI. Run it as your IAM admin user, with the MFA
# profile of exercise 04 (`eval "$(grade sandbox env)"` sets it):
#   AWS_PROFILE=sandbox-mfa bash solution.sh
# It writes the investigation's answer to ../answers.toml (or to $ANSWERS).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
answers="${ANSWERS:-$here/../answers.toml}"

# The MFA session (exercise 04's profile): the AWS CLI asks for a code when it has no
# session, and keeps one for an hour of the account's time. In a terminal you type the
# code; here `grade authenticator` gives the code of now or, since AWS accepts each code
# once, the next one (or, both used, the one after).
device="$(aws configure get mfa_serial)"
mfa_session() {
    local which
    for which in code nextCode wait; do
        if [ "$which" = wait ]; then
            sleep "$(grade authenticator code "${device##*/}" --json \
                     | python -c 'import json,sys; print(json.load(sys.stdin)["validForSeconds"])')"
            which=nextCode
        fi
        grade authenticator code "${device##*/}" --json \
            | python -c "import json,sys; print(json.load(sys.stdin)['$which'])" \
            | aws sts get-caller-identity >/dev/null 2>&1 && return 0
    done
    echo "No MFA code was accepted for $device" >&2
    return 1
}
mfa_session
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
mfa_session  # hours have passed on the account's clock: the session expired

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
started = json.load(sys.stdin)["StartLoggingTime"]
# ISO 8601 with the course'"'"'s AWS config (cli_timestamp_format = iso8601, the AWS CLI v2'"'"'s
# default); seconds since 1970 with the AWS CLI v1'"'"'s own default.
moment = (datetime.datetime.fromisoformat(started) if isinstance(started, str)
          else datetime.datetime.fromtimestamp(float(started), datetime.timezone.utc))
print(moment.strftime("%Y-%m-%dT%H:%M:%SZ"))')"
aws cloudtrail validate-logs --trail-arn "arn:aws:cloudtrail:us-east-1:$account:trail/$trail" \
    --start-time "$started" --end-time "$now"
