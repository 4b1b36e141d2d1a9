#!/usr/bin/env bash
# Reference solution with the AWS CLI and `grade authenticator` (a stand-in for
# your phone's app). Run it as your IAM admin user from exercise 03:
#   AWS_PROFILE=sandbox-admin bash solution.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

me="$(aws sts get-caller-identity --query Arn --output text)"
me="${me##*/}"
root_password="$(grade sandbox status --json | python -c 'import json,sys; print(json.load(sys.stdin)["rootPassword"])')"

# 1. Root's MFA, in the console: create the device, scan its QR code, enable it.
qr="$(grade console root-mfa create --json --password "$root_password" \
      | python -c 'import json,sys; print(json.load(sys.stdin)["qrCodePng"])')"
grade authenticator add root-of-sandbox --qr "$qr" --replace >/dev/null
read -r code1 code2 < <(grade authenticator code root-of-sandbox --json \
    | python -c 'import json,sys; c=json.load(sys.stdin); print(c["previousCode"], c["code"])')
grade console root-mfa enable "$code1" "$code2" --password "$root_password"

# 2. My own virtual MFA device: its QR code to the app, then two consecutive codes.
serial="$(aws iam create-virtual-mfa-device --virtual-mfa-device-name "$me" \
    --outfile "$work/qr.png" --bootstrap-method QRCodePNG \
    --query VirtualMFADevice.SerialNumber --output text)"
grade authenticator add "$me" --qr "$work/qr.png" --replace >/dev/null
read -r code1 code2 < <(grade authenticator code "$me" --json \
    | python -c 'import json,sys; c=json.load(sys.stdin); print(c["previousCode"], c["code"])')
aws iam enable-mfa-device --user-name "$me" --serial-number "$serial" \
    --authentication-code1 "$code1" --authentication-code2 "$code2"

# 3. The policy that requires MFA, on my admin group.
policy_arn="$(aws iam create-policy --policy-name RequireMFA \
    --policy-document "file://$here/require-mfa-policy.json" \
    --query Policy.Arn --output text)"
for group in $(aws iam list-groups-for-user --user-name "$me" \
               --query 'Groups[].GroupName' --output text); do
    aws iam attach-group-policy --group-name "$group" --policy-arn "$policy_arn"
done

# 4. An MFA session (the code after the two that enabled the device), then everyday work.
next="$(grade authenticator code "$me" --json | python -c 'import json,sys; print(json.load(sys.stdin)["nextCode"])')"
read -r key secret token < <(aws sts get-session-token --serial-number "$serial" \
    --token-code "$next" \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
export AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" AWS_SESSION_TOKEN="$token"
unset AWS_PROFILE
aws s3 ls
aws iam list-users --query 'Users[].UserName'
