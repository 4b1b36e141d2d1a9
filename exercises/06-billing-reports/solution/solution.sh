#!/usr/bin/env bash
# Reference solution with the AWS CLI. Run it as your IAM admin user, with the MFA
# profile of exercise 04 (`eval "$(grade sandbox env)"` sets it):
#   AWS_PROFILE=sandbox-mfa bash solution.sh
# Root's one task goes through `grade console` (root's password from
# `grade sandbox status --json`). It writes the answers to ../answers.toml (or to $ANSWERS).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
answers="${ANSWERS:-$here/../answers.toml}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

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
bucket="billing-reports-$account"

# 0. The team's orders service starts running (and costing).
grade start 06 >/dev/null  # with the MFA session the AWS CLI keeps
mfa_session  # three days have passed on the account's clock: the session expired

# 1. Root's one task: let IAM users and roles see billing.
root_password="$(grade sandbox status --json | python -c 'import json, sys; print(json.load(sys.stdin)["rootPassword"])')"
grade console billing-access enable --password "$root_password"

# 2. The bucket: private, and a policy that lets Data Exports write for this account only.
aws s3api create-bucket --bucket "$bucket" >/dev/null
aws s3api put-public-access-block --bucket "$bucket" --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
sed -e "s/BUCKET/$bucket/g" -e "s/ACCOUNT/$account/g" "$here/bucket-policy.json" > "$work/policy.json"
aws s3api put-bucket-policy --bucket "$bucket" --policy "file://$work/policy.json"

# 3. The CUR 2.0 export: daily, with resource ids (Data Exports lives in us-east-1).
sed -e "s/BUCKET/$bucket/g" "$here/export.json" > "$work/export.json"
export_arn="$(aws bcm-data-exports create-export --region us-east-1 \
    --export "file://$work/export.json" --query ExportArn --output text)"

# 4. The budget: $1 a month, an e-mail at 80% of it (low: the e-mail arrives this week).
aws budgets create-budget --account-id "$account" --budget "file://$here/budget.json" \
    --notifications-with-subscribers "file://$here/alerts.json"

# 5. Data Exports delivers after midnight UTC: let a day pass, then read the report.
grade sandbox advance 1d >/dev/null
mfa_session
aws bcm-data-exports list-executions --region us-east-1 --export-arn "$export_arn" \
    --query 'Executions[0].ExecutionStatus.StatusCode' --output text
key="$(aws s3api list-objects-v2 --bucket "$bucket" --prefix cur2/monthly-cur2/data/ \
    --query "Contents[?ends_with(Key, '.csv.gz')].Key | [0]" --output text)"
aws s3 cp "s3://$bucket/$key" "$work/report.csv.gz" >/dev/null
gunzip -c "$work/report.csv.gz" | python -c '
import csv, sys
from collections import defaultdict
from decimal import Decimal
by_service, by_day = defaultdict(Decimal), defaultdict(Decimal)
for row in csv.DictReader(sys.stdin):
    cost = Decimal(row["line_item_unblended_cost"])
    by_service[row["line_item_product_code"]] += cost
    by_day[row["line_item_usage_start_date"][:10]] += cost
top = max(by_service, key=by_service.get)
print(f"top-service = \"{top}\"")
print(f"day-total = \"{by_day[max(by_day)]}\"")
' > "$answers"
cat "$answers"

# 6. The budget's e-mail: AWS Budgets sends it after a midnight (UTC) whose settled costs
#    cross the alert. Let days pass until it is in the inbox.
for _ in $(seq 40); do
    grade sandbox inbox --json | python -c 'import json, sys; sys.exit(not any(
        m["subject"].startswith("AWS Budgets: monthly-cost ") for m in json.load(sys.stdin)["mails"]))' \
        && break
    grade sandbox advance 1d >/dev/null
done
grade sandbox inbox
