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

Each challenge handed out is recorded when it is handed out, by the account
(an `AccountChallenge` event, `CHALLENGE_PATH`, which CloudTrail does not
show): its purpose and its bytes. The registration and the sign-in are
recorded with the browser's answer as sent (client data, authenticator data,
attestation or signature), the Host and Origin it was sent from, and, for a
sign-in that succeeded, the password's digest (`typed_password`).

Replayed from the record (a restart), a registration stores the same
credential again and a sign-in marks the password used and the sign count,
neither judged again. Judged again (an instructor's server,
`replay.judged_replay`: the console's `app.judging` is set), each is made
again as it was first made: a recorded challenge is handed out again at its
moment (once: `Challenges.restore`), and a registration or a sign-in goes
through the very checks it went through then (root only; the password; a
challenge of the account's for this purpose, current and unused; the RP ID and
origin; the attestation, or the signature by the public key that root's
passkey was registered with earlier in the record; a sign count that went up).
Only who holds a registration challenge (which console session of root's) is
not judged again: the session's token is never recorded, and the re-grade
judges instead that root had a console session then.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import string
import weakref
from typing import TYPE_CHECKING, Any

from moto.moto_api._internal import mock_random
from werkzeug.wrappers import Request, Response

from grader.sandbox.front_desk.wsgi import json_response
from grader.sandbox.history.record import CHALLENGE_EVENT
from grader.sandbox.services.console import (
    ROOT_ONLY,
    Change,
    payload_of,
    relying_party,
    session_token,
    signin,
)
from grader.sandbox.services.console.challenges import Challenges
from grader.sandbox.services.console.relying_party import NotLocalhost, Refused
from grader.sandbox.services.console.root_mfa import ROOT_USER_NAME
from grader.sandbox.services.console.typed_password import password_in
from grader.sandbox.services.iam import root_mfa
from grader.sandbox.services.iam.models import Passkey, RootUser, root_of

if TYPE_CHECKING:
    from grader.sandbox.services.console import Console

DEFAULT_NAME = "root-passkey"
NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)  # AWS's rule for an MFA device's name
SIGNIN_PATH = "passkey/signin"
CHALLENGE_PATH = "passkey/challenge"  # recorded challenges: judged again, never called live
PURPOSES = ("register", "signin")
# Who brings a registration challenge back, when the record is judged again (the
# console session's token that held it is not recorded).
JUDGED_HOLDER = "root-console-session"
_endpoints: weakref.WeakKeyDictionary[Console, Passkeys] = weakref.WeakKeyDictionary()


def install(console: Console) -> None:
    """Add the passkey endpoints to the console."""
    endpoints = Passkeys(console)
    _endpoints[console] = endpoints
    control = console.app.control
    control["console/passkey/register-options"] = endpoints.register_options
    control["console/passkey/register"] = endpoints.register
    control["console/" + SIGNIN_PATH] = endpoints.signin
    control["console/" + CHALLENGE_PATH] = endpoints.challenge


def challenge_for_signin(console: Console, request: Request) -> dict[str, Any]:
    """What the sign-in page needs to ask root for its passkey: request options with a
    new challenge, for root's sign-in only (root's password was right)."""
    return _endpoints[console].signin_options(request)


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
        identity = self._root_session(request)
        if identity is None:
            return json_response({"error": ROOT_ONLY}, 401)
        try:
            relying_party.origin_of(request)
            _check_name(self.root, _name(body))
        except Refused as error:
            return _refusal(error)
        challenge = self._hand_out("register", _holder(request), request, identity)
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
        judged = self._judged()  # root's session was judged by `replay.judged_replay`
        identity = self._root() if judged else self._root_session(request)
        if identity is None:
            return json_response({"error": ROOT_ONLY}, 401)
        name = _name(body)
        holder = JUDGED_HOLDER if judged else _holder(request)
        try:
            origin = relying_party.origin_of(request)
            _check_name(self.root, name)
            credential = payload.get("credential")
            challenge = relying_party.challenge_in(credential)
            with console.at(moment, at):  # the machine's time of the request
                fresh = self.challenges.take(challenge, "register", holder)
            if not fresh:
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

    def _root(self) -> signin.Identity:
        console = self.console
        identity = signin.identity_of(console.iam, console.app.account, "root")
        assert identity is not None
        return identity

    def _judged(self) -> bool:
        """Whether the request is an event of the record judged again (`judged_replay`)."""
        return self.console.app.judging is not None

    # -- challenges, as the record keeps them ------------------------------------

    def _hand_out(self, purpose: str, holder: str, request: Request,
                  identity: signin.Identity) -> bytes:
        """A new challenge for `purpose` and `holder`, recorded as handed out."""
        challenge = self.challenges.issue(purpose, holder)
        self._record_challenge(request, purpose, challenge, identity,
                               self.console.app.clock.now())
        return challenge

    def _record_challenge(self, request: Request, purpose: str, challenge: bytes,
                          identity: signin.Identity, moment: dt.datetime) -> None:
        body = json.dumps({"purpose": purpose, "challenge": _b64url(challenge)}).encode()
        self.console.record(request, body, moment, identity, CHALLENGE_PATH, Change(
            "PasskeyChallenge", service="signin", parameters={"purpose": purpose}),
            replay=False, event_type=CHALLENGE_EVENT)

    def challenge(self, request: Request, body: bytes, at: dt.datetime | None = None,
                  replaying: bool = False) -> Response:
        """A challenge the record says the console handed out, handed out again at its
        moment when the record is judged again; not an endpoint otherwise."""
        if not self._judged():
            return Response("not found\n", 404)
        payload = payload_of(body)
        purpose = payload.get("purpose")
        try:
            challenge = _unb64url(payload.get("challenge"))
        except ValueError:
            return json_response({"error": "The recorded challenge is not base64url."}, 400)
        if purpose not in PURPOSES:
            return json_response({"error": f"No challenge is handed out for {purpose!r}."},
                                 400)
        holder = JUDGED_HOLDER if purpose == "register" else self.console.app.account.root_arn
        moment = at or self.console.app.clock.now()
        with self.console.at(moment, at):
            if not self.challenges.restore(challenge, str(purpose), holder):
                return json_response({"error": "This challenge was handed out before, or is "
                                               "not 32 bytes: the account hands out each "
                                               "one once."}, 400)
        self._record_challenge(request, str(purpose), challenge, self._root(), moment)
        return json_response({})

    # -- sign-in ---------------------------------------------------------------

    def signin_options(self, request: Request) -> dict[str, Any]:
        passkeys = self.root.passkeys
        if not passkeys:
            return {"passkey": False}
        challenge = self._hand_out("signin", self.console.app.account.root_arn, request,
                                   self._root())
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
        outcome = signin.check(console.iam, account, who,
                               password_in(payload, self._judged()), None)
        identity = outcome.identity
        if identity is not None and not identity.is_root:
            return json_response({"error": "Only the root user signs in with a passkey "
                                           "here."}, 400)
        challenge, fresh = b"", False
        try:  # taken back (single use) whatever comes next
            challenge = relying_party.challenge_in(credential)
            with console.at(moment, at):  # the machine's time of the request
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


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: Any) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError(str(error)) from None


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
