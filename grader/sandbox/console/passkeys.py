"""Passkeys and security keys for the root user, registered in the web console.

As AWS steers root to them, root (signed in to the web page) adds a passkey:

    passkey/register-options  {name?}: WebAuthn creation options (a new challenge)
    passkey/register          {name, credential}: the browser's answer; root has the
                              passkey, recorded as AWS records it: root's
                              `EnableMFADevice` with `userName` "AWS ROOT USER" and
                              the serial `arn:aws:iam::<account>:u2f/root/<name>-<random>`

From then on root's sign-in asks for it: `signin` with the right password
answers 401 with `passkey: true` and request options (`challenge_for_signin`),
and the page sends the assertion, with the password again, to

    passkey/signin            {user, password, credential}: a ConsoleLogin with
                              MFAUsed "Yes" and the passkey's serial

Removing a passkey is the `root-mfa` endpoint's `remove`. The relying party
is `localhost` (`relying_party`); challenges are single use (`challenges`).
Replayed from the record, a registration stores the same credential again
and a sign-in marks the password used and the sign count, neither judged
again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import string
import weakref
from typing import TYPE_CHECKING, Any

from moto.moto_api._internal import mock_random
from werkzeug.wrappers import Request, Response

from grader.sandbox.app import json_response
from grader.sandbox.console import (
    ROOT_ONLY,
    Change,
    payload_of,
    relying_party,
    session_token,
    signin,
)
from grader.sandbox.console.challenges import Challenges
from grader.sandbox.console.relying_party import NotLocalhost, Refused
from grader.sandbox.console.root_mfa import ROOT_USER_NAME
from grader.sandbox.iam import root_mfa
from grader.sandbox.iam.models import Passkey, RootUser, root_of

if TYPE_CHECKING:
    from grader.sandbox.console import Console

DEFAULT_NAME = "root-passkey"
NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)  # AWS's rule for an MFA device's name
SIGNIN_PATH = "passkey/signin"
_endpoints: weakref.WeakKeyDictionary[Console, Passkeys] = weakref.WeakKeyDictionary()


def install(console: Console) -> None:
    """Add the passkey endpoints to the console."""
    endpoints = Passkeys(console)
    _endpoints[console] = endpoints
    control = console.app.control
    control["console/passkey/register-options"] = endpoints.register_options
    control["console/passkey/register"] = endpoints.register
    control["console/" + SIGNIN_PATH] = endpoints.signin


def challenge_for_signin(console: Console) -> dict[str, Any]:
    """What the sign-in page needs to ask root for its passkey: request options with a
    new challenge, for root's sign-in only (root's password was right)."""
    return _endpoints[console].signin_options()


class Passkeys:
    """The passkey endpoints of one console, and the challenges they handed out."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.challenges = Challenges()
        console.app.on_start_over.append(self.challenges.forget_all)

    @property
    def root(self) -> RootUser:
        root = root_of(self.console.iam)
        assert root is not None
        return root

    # -- registration --------------------------------------------------------

    def register_options(self, request: Request, body: bytes, at: dt.datetime | None = None,
                         replaying: bool = False) -> Response:
        """Creation options for a new passkey of root's (root's session only)."""
        if self._root_session(request) is None:
            return json_response({"error": ROOT_ONLY}, 401)
        try:
            relying_party.origin_of(request)
            _check_name(self.root, _name(body))
        except Refused as error:
            return _refusal(error)
        challenge = self.challenges.issue("register", _holder(request))
        account = self.console.app.account
        return json_response({"options": relying_party.registration_options(
            account.account_id, account.root_email, self.root.passkeys, challenge)})

    def register(self, request: Request, body: bytes, at: dt.datetime | None = None,
                 replaying: bool = False) -> Response:
        """Root's passkey from the browser's answer to the options: recorded, and
        replayed without judging it again."""
        payload = payload_of(body)
        console = self.console
        moment = at or console.app.clock.now()
        if replaying:
            with console.at(moment, at):
                self._add(_name(body), relying_party.registered_in(payload.get("credential")),
                          moment)
            return json_response({})
        identity = self._root_session(request)
        if identity is None:
            return json_response({"error": ROOT_ONLY}, 401)
        name = _name(body)
        try:
            origin = relying_party.origin_of(request)
            _check_name(self.root, name)
            credential = payload.get("credential")
            challenge = relying_party.challenge_in(credential)
            if not self.challenges.take(challenge, "register", _holder(request)):
                raise Refused("This passkey request has expired or was already used: "
                              "choose Add passkey again.")
            registered = relying_party.verify_registration(credential, challenge, origin)
            if any(p.credential_id == registered.credential_id for p in self.root.passkeys):
                raise Refused("This passkey is the root user's already.")
        except Refused as error:
            console.record(request, body, moment, identity, "passkey/register", Change(
                "EnableMFADevice", error=str(error),
                parameters={"userName": ROOT_USER_NAME}), replay=False)
            return _refusal(error)
        with console.at(moment, None):
            passkey = self._add(name, registered, moment)
        console.record(request, body, moment, identity, "passkey/register", Change(
            "EnableMFADevice", parameters={"userName": ROOT_USER_NAME,
                                           "serialNumber": passkey.serial},
            resources=[{"type": "AWS::IAM::MFADevice", "name": passkey.serial}]), replay=True)
        return json_response({"serialNumber": passkey.serial, "mfaDevices": [
            {"serialNumber": d["SerialNumber"], "enableDate": d["EnableDate"].isoformat()}
            for d in root_mfa.devices(console.iam, self.root)]})

    def _add(self, name: str, registered: relying_party.Registered,
             moment: dt.datetime) -> Passkey:
        """Give root the passkey (inside `Console.at`: its serial's random part comes
        from the account's seeded random, so a replay names it the same)."""
        alphabet = string.ascii_uppercase + string.digits
        suffix = "".join(mock_random.choice(alphabet) for _ in range(26))
        passkey = Passkey(registered.credential_id, registered.public_key,
                          registered.sign_count, name,
                          f"arn:aws:iam::{self.root.account_id}:u2f/root/{name}-{suffix}",
                          moment)
        self.root.passkeys.append(passkey)
        return passkey

    def _root_session(self, request: Request) -> signin.Identity | None:
        """Root, if the request comes with a console session of root's."""
        identity = self.console.signed_in(request)
        return identity if identity is not None and identity.is_root else None

    # -- sign-in ---------------------------------------------------------------

    def signin_options(self) -> dict[str, Any]:
        passkeys = self.root.passkeys
        if not passkeys:
            return {"passkey": False}
        challenge = self.challenges.issue("signin", self.console.app.account.root_arn)
        return {"passkey": True,
                "passkeyOptions": relying_party.authentication_options(passkeys, challenge)}

    def signin(self, request: Request, body: bytes, at: dt.datetime | None = None,
               replaying: bool = False) -> Response:
        """Root's sign-in with its password and its passkey's assertion."""
        console = self.console
        payload = payload_of(body)
        account = console.app.account
        moment = at or console.app.clock.now()
        who = signin.typed_user(account, str(payload.get("user", "")))
        credential = payload.get("credential")
        if replaying:
            return self._signed_in_again(request, body, moment, who, credential)
        try:
            origin = relying_party.origin_of(request)
        except Refused as error:
            return _refusal(error)
        outcome = signin.check(console.iam, account, who, str(payload.get("password", "")),
                               None)
        identity = outcome.identity
        if identity is not None and not identity.is_root:
            return json_response({"error": "Only the root user signs in with a passkey "
                                           "here."}, 400)
        challenge, fresh = b"", False
        try:  # taken back (single use) whatever comes next
            challenge = relying_party.challenge_in(credential)
            fresh = self.challenges.take(challenge, "signin", account.root_arn)
        except Refused:
            pass
        if identity is None or not outcome.password_ok:
            return console.finish_signin(request, body, moment, identity, False, None, False,
                                         path=SIGNIN_PATH)
        try:
            if not fresh:
                raise Refused("This sign-in request has expired or was already used: "
                              "sign in again.")
            passkey = self._passkey(relying_party.credential_id_of(credential))
            count = relying_party.verify_assertion(credential, challenge, origin, passkey)
        except Refused as error:
            console.finish_signin(request, body, moment, identity, False, None, False,
                                  path=SIGNIN_PATH)
            return json_response({"error": str(error)}, 401)
        passkey.sign_count = count
        signin.mark_password_used(console.iam, identity, moment)
        return console.finish_signin(request, body, moment, identity, True, passkey.serial,
                                     False, path=SIGNIN_PATH)

    def _passkey(self, credential_id: bytes) -> Passkey:
        found = next((p for p in self.root.passkeys if p.credential_id == credential_id), None)
        if found is None:
            raise Refused("This passkey is not one of the root user's.")
        return found

    def _signed_in_again(self, request: Request, body: bytes, moment: dt.datetime, who: str,
                         credential: Any) -> Response:
        """Replay: the password was used, the passkey's sign count went up; not judged."""
        console = self.console
        identity = signin.identity_of(console.iam, console.app.account, who)
        if identity is None:
            return json_response({"error": signin.WRONG}, 401)
        signin.mark_password_used(console.iam, identity, moment)
        serial = None
        try:
            passkey = self._passkey(relying_party.credential_id_of(credential))
            passkey.sign_count = max(passkey.sign_count,
                                     relying_party.assertion_sign_count(credential))
            serial = passkey.serial
        except Exception:
            pass  # the passkey was removed later in the record: nothing to mark
        return console.finish_signin(request, body, moment, identity, True, serial, True,
                                     path=SIGNIN_PATH)


def _name(body: bytes) -> str:
    return str(payload_of(body).get("name") or DEFAULT_NAME).strip()


def _check_name(root: RootUser, name: str) -> None:
    if not NAME.match(name):
        raise Refused("A passkey's name is 1 to 64 letters, digits and + = , . @ - _.")
    if any(p.name == name for p in root.passkeys):
        raise Refused(f"The root user has a passkey named {name!r}: choose another name.")
    if root_mfa.count(root) >= root_mfa.MAX_ROOT_DEVICES:
        raise Refused(f"The root user already has {root_mfa.MAX_ROOT_DEVICES} MFA devices, "
                      "the most AWS allows. Remove one first.")


def _holder(request: Request) -> str:
    """Who may bring a registration challenge back: this console session (its token's
    hash: the token itself is kept by `Sessions` only)."""
    return hashlib.sha256((session_token(request) or "").encode()).hexdigest()


def _refusal(error: Refused) -> Response:
    answer: dict[str, Any] = {"error": str(error)}
    if isinstance(error, NotLocalhost):
        answer["consoleUrl"] = error.url
    return json_response(answer, 400)
