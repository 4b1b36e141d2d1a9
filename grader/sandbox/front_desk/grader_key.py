"""What the grader's key may call in the account: reads, never a call that mints credentials.

The grader's key is not an IAM key (`account`): its calls are not recorded, so a call that
changed the account would change it behind the record's back, and one that handed out
credentials would hand them to no one the record knows. `creates_credentials` also tells
replay to make such a call again, read-only as its name may be (the credentials it made
are still in use).
"""

from __future__ import annotations

from grader.readonly import is_read_only
from grader.services import minting_credentials

# Reads by name that hand out credentials, of the services moto serves as it is (a
# registered service declares its own: `grader.services`, its `mints_credentials`).
MOTOS_CREATING_CREDENTIALS = frozenset({
    ("cognito-identity", "GetId"), ("cognito-identity", "GetCredentialsForIdentity"),
    ("cognito-identity", "GetOpenIdToken"), ("sso", "GetRoleCredentials"),
})


def creates_credentials(service: str, operation: str) -> bool:
    """Whether the call hands out credentials: the grader's key may not make it, and
    replaying the record makes it again (the credentials it made are still in use)."""
    return (service, operation) in MOTOS_CREATING_CREDENTIALS or \
        (service, operation) in minting_credentials()


def grader_key_may_call(service: str, operation: str) -> bool:
    """The grader's key reads, and only reads: its calls are not recorded, so a call
    that changed the account would change it behind the record's back. (Which reads
    the grader's own clients send is `grader.readonly.grader_calls`, a narrower list.)"""
    if creates_credentials(service, operation):
        return False
    return is_read_only(operation) or operation == "GenerateCredentialReport"
