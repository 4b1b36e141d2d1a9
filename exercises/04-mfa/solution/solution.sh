#!/usr/bin/env bash
# Reference solution with the AWS CLI and `grade authenticator` (a stand-in for
# your phone's app). Run it as your IAM admin user from exercise 03, with the
# profile of your key (`eval "$(grade sandbox env)"` sets it):
#   AWS_PROFILE=sandbox-admin bash solution.sh
# In a terminal, the AWS CLI asks you for the MFA code at the end (type the one
# `grade authenticator code NAME` shows); in a pipe, it reads it from there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

me="$(aws sts get-caller-identity --query Arn --output text)"
me="${me##*/}"
account="$(aws sts get-caller-identity --query Account --output text)"
key_profile="${AWS_PROFILE:?Run it with AWS_PROFILE set to the profile of your key}"
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

# 3. A role for admin work that only my account's users with MFA may assume (the
#    console's "Require MFA"): the AWS CLI asks for a code only to assume a role.
role_arn="$(aws iam create-role --role-name admin-with-mfa \
    --assume-role-policy-document "$(sed "s/ACCOUNT/$account/" "$here/admin-role-trust.json")" \
    --query Role.Arn --output text)"
aws iam attach-role-policy --role-name admin-with-mfa \
    --policy-arn arn:aws:iam::aws:policy/AdministratorAccess

# 4. The policy that requires MFA, on my admin group. (From now on my key alone can set
#    up its MFA and call AssumeRole, whose trust policy asks for the code; nothing else.)
policy_arn="$(aws iam create-policy --policy-name RequireMFA \
    --policy-document "file://$here/require-mfa-policy.json" \
    --query Policy.Arn --output text)"
for group in $(aws iam list-groups-for-user --user-name "$me" \
               --query 'Groups[].GroupName' --output text); do
    aws iam attach-group-policy --group-name "$group" --policy-arn "$policy_arn"
done

# 5. The MFA profile: the AWS CLI assumes the role with my key and a code it asks for,
#    and keeps the session (an hour) in ~/.aws/cli/cache: one code an hour.
aws configure set role_arn "$role_arn" --profile sandbox-mfa
aws configure set source_profile "$key_profile" --profile sandbox-mfa
aws configure set mfa_serial "$serial" --profile sandbox-mfa
export AWS_PROFILE=sandbox-mfa

# 6. Everyday work in the MFA session: the first command asks for the code (here, the
#    code after the two that enabled the device), the next ones use the cached session.
grade authenticator code "$me" --json \
    | python -c 'import json,sys; print(json.load(sys.stdin)["nextCode"])' \
    | aws sts get-caller-identity --query Arn --output text
aws s3 ls
aws iam list-users --query 'Users[].UserName'
