#!/usr/bin/env bash
# Reference solution: point the AWS CLI at the simulated account, ask who you are.
set -euo pipefail
grade sandbox start
eval "$(grade sandbox env)"
aws sts get-caller-identity
