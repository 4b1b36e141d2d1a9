#!/usr/bin/env bash
# Reference solution that signs in through the simulated console, as the lesson
# does in the AWS Management Console. Run it as the root user:
#   eval "$(grade sandbox env)" && bash console.sh [ROOT_PASSWORD]
# (without ROOT_PASSWORD, it reads root's password from `grade sandbox status --json`).
set -euo pipefail
root_password="${1:-$(grade sandbox status --json \
    | python -c 'import json,sys; print(json.load(sys.stdin)["rootPassword"])')}"
root_key="$AWS_ACCESS_KEY_ID"

aws iam create-user --user-name sam >/dev/null
aws iam create-login-profile --user-name sam --password 'Seven-Quiet-Lanterns-Glow' >/dev/null
aws iam create-group --group-name administrators >/dev/null
aws iam put-group-policy --group-name administrators --policy-name everything \
    --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["*"],"Resource":["*"]}]}'
aws iam add-user-to-group --group-name administrators --user-name sam

# Sign in to the console as sam; then, as root in the console, delete root's key.
grade console signin sam --password 'Seven-Quiet-Lanterns-Glow'
grade console root-keys delete "$root_key" --password "$root_password"
