#!/usr/bin/env bash
# Signs with a key the account does not know: AWS refuses, nothing is recorded.
# fails: called-get-caller-identity
aws sts get-caller-identity
