#!/usr/bin/env bash
# Reaches the account, but asks something else than who you are.
# fails: called-get-caller-identity
set -euo pipefail
aws iam list-users
