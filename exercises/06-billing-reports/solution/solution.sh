#!/usr/bin/env bash
# Reference solution with the AWS CLI. Run it as your IAM admin user (in an MFA
# session, if your admin group requires MFA as in exercise 04):
#   AWS_PROFILE=sandbox-admin bash solution.sh
# Root's one task goes through `grade console` (root's password from
# `grade sandbox status --json`). It writes the answers to ../answers.toml (or to $ANSWERS).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
answers="${ANSWERS:-$here/../answers.toml}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
account="$(aws sts get-caller-identity --query Account --output text)"
bucket="billing-reports-$account"

# 0. The team's orders service starts running (and costing).
grade start 06 >/dev/null

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
