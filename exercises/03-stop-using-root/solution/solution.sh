#!/usr/bin/env bash
# Reference solution with the AWS CLI. Run it as the root user:
#   eval "$(grade sandbox env)" && bash solution.sh
set -euo pipefail

root_key="$AWS_ACCESS_KEY_ID"

# 1. An IAM user for yourself, with a console password.
aws iam create-user --user-name alice >/dev/null
aws iam create-login-profile --user-name alice \
    --password 'Correct-Horse-Battery-Staple-42' >/dev/null

# 2. A group with full administrator permissions, and the user in it.
aws iam create-group --group-name Admins >/dev/null
aws iam attach-group-policy --group-name Admins \
    --policy-arn arn:aws:iam::aws:policy/AdministratorAccess
aws iam add-user-to-group --group-name Admins --user-name alice

# 3. Sign in as the IAM user: here, with an access key of its own.
read -r alice_key alice_secret < <(aws iam create-access-key --user-name alice \
    --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
AWS_ACCESS_KEY_ID="$alice_key" AWS_SECRET_ACCESS_KEY="$alice_secret" \
    aws sts get-caller-identity

# 5. As root, one last time: check root's key is not in use elsewhere, then delete it.
aws iam get-access-key-last-used --access-key-id "$root_key"
aws iam delete-access-key --access-key-id "$root_key"
