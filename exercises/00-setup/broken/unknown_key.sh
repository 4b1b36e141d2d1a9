#!/usr/bin/env bash
# Signs with a key the account does not know: AWS refuses (InvalidClientTokenId), and a
# refused call is not an answer. Exits 0 only when the account did refuse it.
# fails: called-get-caller-identity
set -uo pipefail
export AWS_ACCESS_KEY_ID=AKIAUNKNOWNKEY000000 AWS_SECRET_ACCESS_KEY=wrong
unset AWS_SESSION_TOKEN AWS_PROFILE
if said="$(aws sts get-caller-identity 2>&1)"; then
    echo "The account answered a key it does not know: $said" >&2
    exit 1
fi
if [[ "$said" != *InvalidClientTokenId* ]]; then
    echo "Refused, but not as AWS refuses an unknown key: $said" >&2
    exit 1
fi
echo "Refused, as AWS refuses an unknown key: InvalidClientTokenId."
