"""The console as a WebAuthn relying party: options, and checks of what browsers answer.

The checks are py_webauthn's (`webauthn`). AWS's relying party is
`signin.aws.amazon.com`; the simulated account's is `localhost` (`RP_ID`):
WebAuthn takes no IP address as an RP ID, and a browser treats
`http://localhost` as a secure context, so the console's passkey pages are
used at `http://localhost:<port>/_sandbox/console/` and each response must
come from that very origin (`origin_of`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request

from grader.sandbox.services.console.challenges import LIFETIME_SECONDS
from grader.sandbox.services.iam.models import Passkey

if TYPE_CHECKING:
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

# `webauthn` (and the cryptography it brings) is imported by the functions that use it:
# most starts of the account never see a passkey, and the import costs 0.15 s.

RP_ID = "localhost"
RP_NAME = "Simulated AWS account"
TIMEOUT_MS = int(LIFETIME_SECONDS * 1000)


class Refused(Exception):
    """What the console tells the browser when a WebAuthn response is not accepted."""


class NotLocalhost(Refused):
    """The page was not opened at http://localhost:<port>: `url` is where it should be."""

    def __init__(self, url: str) -> None:
        super().__init__(f"Passkeys work only on a named site: open the console at {url} "
                         "(WebAuthn does not take an IP address such as 127.0.0.1).")
        self.url = url


@dataclass(frozen=True)
class Registered:
    """What a registration response gave: the new credential."""

    credential_id: bytes
    public_key: bytes
    sign_count: int


def origin_of(request: Request) -> str:
    """The request's own origin, `http://localhost[:port]`; NotLocalhost for any other
    host (127.0.0.1 among them), Refused for an `Origin` header of another origin."""
    host = request.headers.get("Host", "")
    name, _, port = host.partition(":") if not host.startswith("[") else (host, "", "")
    if name != RP_ID:
        suffix = f":{port}" if port.isdigit() else ""
        raise NotLocalhost(f"http://localhost{suffix}/_sandbox/console/")
    origin = f"http://{host}"
    sent = request.headers.get("Origin")
    if sent is not None and sent != origin:
        raise Refused(f"This page's origin is {origin}, not {sent}.")
    return origin


def user_handle(account_id: str) -> bytes:
    """Root's WebAuthn user handle: the same for each of its passkeys, no personal data."""
    return hashlib.sha256(f"aws-root:{account_id}".encode()).digest()[:16]


def registration_options(account_id: str, email: str, passkeys: Sequence[Passkey],
                         challenge: bytes) -> dict[str, Any]:
    """What navigator.credentials.create() needs (JSON, binary fields base64url)."""
    from webauthn import generate_registration_options
    from webauthn.helpers import options_to_json_dict
    from webauthn.helpers.structs import (
        AttestationConveyancePreference,
        AuthenticatorSelectionCriteria,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    options = generate_registration_options(
        rp_id=RP_ID, rp_name=RP_NAME, user_id=user_handle(account_id), user_name=email,
        user_display_name=f"Root user of {account_id}", challenge=challenge,
        timeout=TIMEOUT_MS, attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED),
        exclude_credentials=_descriptors(passkeys))
    return options_to_json_dict(options)


def authentication_options(passkeys: Sequence[Passkey], challenge: bytes) -> dict[str, Any]:
    """What navigator.credentials.get() needs: root's passkeys only."""
    from webauthn import generate_authentication_options
    from webauthn.helpers import options_to_json_dict
    from webauthn.helpers.structs import UserVerificationRequirement

    options = generate_authentication_options(
        rp_id=RP_ID, challenge=challenge, timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(passkeys),
        user_verification=UserVerificationRequirement.PREFERRED)
    return options_to_json_dict(options)


def _descriptors(passkeys: Sequence[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor

    return [PublicKeyCredentialDescriptor(id=p.credential_id) for p in passkeys]


def challenge_in(credential: Any) -> bytes:
    """The challenge a response signed (its clientDataJSON's), to look it up."""
    from webauthn.helpers import (
        parse_authentication_credential_json,
        parse_client_data_json,
        parse_registration_credential_json,
    )

    try:
        if not isinstance(credential, dict):
            raise ValueError("not an object")
        data = parse_authentication_credential_json(credential) \
            if "authenticatorData" in credential.get("response", {}) \
            else parse_registration_credential_json(credential)
        return parse_client_data_json(data.response.client_data_json).challenge
    except Exception:
        raise Refused("The browser's answer is not a WebAuthn credential.") from None


def verify_registration(credential: Any, challenge: bytes, origin: str) -> Registered:
    """Check a navigator.credentials.create() answer to `challenge`, made at `origin`."""
    from webauthn import verify_registration_response

    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=RP_ID,
            expected_origin=origin)
    except Exception as error:
        raise Refused(f"The passkey was not registered: {error}") from None
    return Registered(verified.credential_id, verified.credential_public_key,
                      verified.sign_count)


def registered_in(credential: Any) -> Registered:
    """The credential of a registration answer, read without judging it (replay)."""
    from webauthn.helpers import parse_attestation_object, parse_registration_credential_json

    parsed = parse_registration_credential_json(credential)
    attested = parse_attestation_object(parsed.response.attestation_object).auth_data
    data = attested.attested_credential_data
    assert data is not None
    return Registered(data.credential_id, data.credential_public_key, attested.sign_count)


def credential_id_of(credential: Any) -> bytes:
    """The credential id a navigator.credentials.get() answer names."""
    from webauthn.helpers import parse_authentication_credential_json

    try:
        return parse_authentication_credential_json(credential).raw_id
    except Exception:
        raise Refused("The browser's answer is not a WebAuthn assertion.") from None


def verify_assertion(credential: Any, challenge: bytes, origin: str, passkey: Passkey) -> int:
    """Check a navigator.credentials.get() answer to `challenge` by `passkey`, made at
    `origin`: its signature, RP ID, origin and a sign count that went up. Returns the
    new sign count."""
    from webauthn import verify_authentication_response

    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=RP_ID,
            expected_origin=origin, credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count)
    except Exception as error:
        raise Refused(f"The passkey's answer was not accepted: {error}") from None
    return int(verified.new_sign_count)


def assertion_sign_count(credential: Any) -> int:
    """The sign count an assertion carries, read without judging it (replay)."""
    from webauthn.helpers import parse_authentication_credential_json, parse_authenticator_data

    parsed = parse_authentication_credential_json(credential)
    return int(parse_authenticator_data(parsed.response.authenticator_data).sign_count)
