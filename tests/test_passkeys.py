"""Root's passkeys (WebAuthn) in the web console, in a real headless Chromium.

Chromium's virtual authenticator (DevTools' WebAuthn domain) plays the
passkey in the browser tests. The raw HTTP attacks (`tests.front_desk`) use
`SoftKey`, a software authenticator that signs what it is told, so that each
refusal is shown to be the one under test: the same key, told the right
thing, is accepted.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import struct
from typing import Any
from urllib.parse import urlsplit

from tests.conftest import Course, client
from tests.front_desk import grader_env, send

CONSOLE = "/_sandbox/console/"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftKey:
    """A passkey in software (ES256, attestation "none"), as a browser would send it."""

    def __init__(self, rp_id: str = "localhost") -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        self.key = ec.generate_private_key(ec.SECP256R1())
        self.id = os.urandom(16)
        self.count = 0
        self.rp_id = rp_id

    def _public(self) -> bytes:
        import cbor2

        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})

    def _data(self, attested: bool) -> bytes:
        flags = 0x01 | 0x04 | (0x40 if attested else 0)  # user present, verified, attested
        data = hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags]) + \
            struct.pack(">I", self.count)
        if attested:
            data += bytes(16) + struct.pack(">H", len(self.id)) + self.id + self._public()
        return data

    @staticmethod
    def _client(kind: str, challenge: bytes, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": b64url(challenge), "origin": origin,
                           "crossOrigin": False}).encode()

    def create(self, challenge: bytes, origin: str) -> dict[str, Any]:
        import cbor2

        attestation = cbor2.dumps({"fmt": "none", "attStmt": {},
                                   "authData": self._data(attested=True)})
        return {"id": b64url(self.id), "rawId": b64url(self.id), "type": "public-key",
                "clientExtensionResults": {},
                "response": {"clientDataJSON": b64url(self._client(
                    "webauthn.create", challenge, origin)),
                    "attestationObject": b64url(attestation)}}

    def get(self, challenge: bytes, origin: str) -> dict[str, Any]:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        self.count += 1
        client_data = self._client("webauthn.get", challenge, origin)
        data = self._data(attested=False)
        signature = self.key.sign(data + hashlib.sha256(client_data).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        return {"id": b64url(self.id), "rawId": b64url(self.id), "type": "public-key",
                "clientExtensionResults": {},
                "response": {"clientDataJSON": b64url(client_data),
                             "authenticatorData": b64url(data),
                             "signature": b64url(signature)}}


# -- the account, read with the grader's key ---------------------------------------

def mfa_enabled(course: Course) -> int:
    summary = client(grader_env(course), "iam").get_account_summary()["SummaryMap"]
    return int(summary["AccountMFAEnabled"])


def root_report(course: Course) -> dict[str, str]:
    """Root's row of a new credential report."""
    iam = client(course.sandbox_env(), "iam")
    iam.generate_credential_report()
    iam.generate_credential_report()
    rows = csv.DictReader(io.StringIO(iam.get_credential_report()["Content"].decode()))
    return next(r for r in rows if r["user"] == "<root_account>")


def root_mfa_active(course: Course) -> str:
    return root_report(course)["mfa_active"]


def console_logins(course: Course) -> list[dict[str, Any]]:
    """The ConsoleLogin events, newest first, as CloudTrail's JSON."""
    events = client(grader_env(course), "cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ConsoleLogin"}]
    )["Events"]
    return [json.loads(e["CloudTrailEvent"]) for e in events]


# -- raw HTTP -------------------------------------------------------------------------

class Desk:
    """The console's endpoints over raw HTTP, addressed as `host` (localhost by default)."""

    def __init__(self, course: Course, host: str = "localhost") -> None:
        self.endpoint = course.sandbox_env()["AWS_ENDPOINT_URL"]
        port = urlsplit(self.endpoint).port
        self.host = f"{host}:{port}"
        self.origin = f"http://{self.host}"

    def post(self, path: str, payload: Any, session: str | None = None) -> tuple[int, dict]:
        headers = {"Host": self.host, "Content-Type": "application/json",
                   "Origin": self.origin}
        if session:
            headers["X-Console-Session"] = session
        status, _, body = send(self.endpoint, "POST", CONSOLE + path,
                               json.dumps(payload).encode(), headers)
        return status, json.loads(body or b"{}")


def password(course: Course) -> str:
    return str(course.account()["root_password"])


def root_session(desk: Desk, course: Course) -> str:
    status, answer = desk.post("signin", {"user": "root", "password": password(course)})
    assert status == 200, answer
    return str(answer["session"])


def register_soft_key(desk: Desk, session: str, key: SoftKey, name: str) -> tuple[int, dict]:
    status, answer = desk.post("passkey/register-options", {"name": name}, session)
    assert status == 200, answer
    challenge = unb64url(answer["options"]["challenge"])
    return desk.post("passkey/register", {"name": name,
                                          "credential": key.create(challenge, desk.origin)},
                     session)


def signin_challenge(desk: Desk, course: Course) -> bytes:
    status, answer = desk.post("signin", {"user": "root", "password": password(course)})
    assert status == 401 and answer["mfaRequired"] and answer["passkey"], answer
    return unb64url(answer["passkeyOptions"]["challenge"])


# -- the browser ------------------------------------------------------------------------

def console_page(course: Course, browser: Any) -> tuple[Any, list[str]]:
    """A new page at http://localhost:<port>/_sandbox/console/ (WebAuthn needs a name)."""
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    endpoint = course.sandbox_env()["AWS_ENDPOINT_URL"]
    page.goto(endpoint.replace("127.0.0.1", "localhost") + CONSOLE)
    return page, errors


def virtual_authenticator(page: Any) -> tuple[Any, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})
    return cdp, str(added["authenticatorId"])


def type_password(page: Any, course: Course) -> None:
    page.fill("#user", course.account()["root_email"])
    page.fill("#password", password(course))
    page.click("#signin-form button[type=submit]")


def sign_in_with_password(page: Any, course: Course) -> None:
    type_password(page, course)
    page.locator("#home").wait_for()


def add_passkey(page: Any) -> str:
    """Add a passkey on the page; its serial, as the MFA table lists it."""
    page.get_by_role("button", name="Add passkey").click()
    page.get_by_text("Passkey added").wait_for()
    serial = page.locator("#mfa-devices td", has_text=":u2f/root/root-passkey-").inner_text()
    return str(serial)


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.locator("#signin").wait_for()


# -- the tests ------------------------------------------------------------------------------

def test_root_adds_a_passkey_and_signs_in_with_it(fresh: Course, browser: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page, errors = console_page(fresh, browser)
    virtual_authenticator(page)
    sign_in_with_password(page, fresh)
    page.locator("#keys tr").first.wait_for()
    assert not [v for v in Axe().run(page).response["violations"]
                if v["impact"] in {"serious", "critical"}]
    assert mfa_enabled(fresh) == 0 and root_mfa_active(fresh) == "false"
    serial = add_passkey(page)
    account = client(fresh.sandbox_env(), "sts").get_caller_identity()["Account"]
    assert serial.startswith(f"arn:aws:iam::{account}:u2f/root/root-passkey-")
    assert mfa_enabled(fresh) == 1 and root_mfa_active(fresh) == "true"
    devices = client(fresh.sandbox_env(), "iam").list_mfa_devices()["MFADevices"]
    assert [d["SerialNumber"] for d in devices] == [serial]

    sign_out(page)
    type_password(page, fresh)
    page.locator("#home").wait_for()
    assert page.locator("#who").inner_text().endswith(":root")
    login = console_logins(fresh)[0]
    assert login["responseElements"] == {"ConsoleLogin": "Success"}
    assert login["additionalEventData"]["MFAUsed"] == "Yes"
    assert login["additionalEventData"]["MFAIdentifier"] == serial
    assert errors == []

    cli = fresh.grade("console", "signin", "root", "--password", password(fresh), input="")
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert "web console" in cli.stderr and "http://localhost:" in cli.stderr


def test_the_sign_in_fails_without_the_passkey(fresh: Course, browser: Any) -> None:
    page, errors = console_page(fresh, browser)
    cdp, first = virtual_authenticator(page)
    sign_in_with_password(page, fresh)
    add_passkey(page)
    sign_out(page)
    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": first})
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})  # without the credential
    type_password(page, fresh)
    page.locator("#message.error", has_text="no passkey answered").wait_for(timeout=60_000)
    assert page.locator("#home").is_hidden()
    assert all(login["additionalEventData"]["MFAUsed"] == "No"
               for login in console_logins(fresh))
    assert errors == []


def test_the_page_on_127_0_0_1_says_to_open_localhost(fresh: Course, browser: Any) -> None:
    """No passkey ceremony there: the page says where to go instead, with a link."""
    page = browser.new_page()
    endpoint = fresh.sandbox_env()["AWS_ENDPOINT_URL"]
    page.goto(endpoint + CONSOLE)
    sign_in_with_password(page, fresh)
    page.get_by_role("button", name="Add passkey").click()
    link = page.locator("#passkey-message a")
    assert link.get_attribute("href") == endpoint.replace("127.0.0.1", "localhost") + CONSOLE
    assert "open the console at" in page.locator("#passkey-message").inner_text()
    session = root_session(Desk(fresh), fresh)
    status, answer = Desk(fresh, host="127.0.0.1").post("passkey/register-options", {},
                                                        session)
    assert status == 400 and answer["consoleUrl"].startswith("http://localhost:"), answer
    assert register_soft_key(Desk(fresh), session, SoftKey(), "mine")[0] == 200
    sign_out(page)
    type_password(page, fresh)
    assert page.locator("#message a").get_attribute("href") == link.get_attribute("href")
    assert page.locator("#home").is_hidden()


def test_registration_needs_roots_session_and_a_fresh_challenge(fresh: Course) -> None:
    desk = Desk(fresh)
    key = SoftKey()
    forged = key.create(os.urandom(32), desk.origin)
    for path in ("passkey/register-options", "passkey/register"):
        status, _ = desk.post(path, {"name": "mine", "credential": forged})
        assert status == 401
        status, _ = desk.post(path, {"name": "mine", "credential": forged}, "not-a-session")
        assert status == 401
    session = root_session(desk, fresh)
    status, answer = desk.post("passkey/register", {"name": "mine", "credential": forged},
                               session)
    assert status == 400 and "expired or was already used" in answer["error"]
    status, answer = desk.post("passkey/register-options", {"name": "mine"}, session)
    challenge = unb64url(answer["options"]["challenge"])
    elsewhere = key.create(challenge, "http://localhost:1")  # another origin
    status, answer = desk.post("passkey/register", {"name": "mine", "credential": elsewhere},
                               session)
    assert status == 400, answer
    status, answer = desk.post("passkey/register-options", {"name": "mine"}, session)
    theirs = key.create(unb64url(answer["options"]["challenge"]), desk.origin)
    status, answer = desk.post("passkey/register", {"name": "mine", "credential": theirs},
                               root_session(desk, fresh))  # another session of root's
    assert status == 400 and "expired or was already used" in answer["error"]
    assert mfa_enabled(fresh) == 0
    status, answer = register_soft_key(desk, session, key, "mine")
    assert status == 200, answer
    replayed = {"name": "again", "credential": key.create(challenge, desk.origin)}
    status, answer = desk.post("passkey/register", replayed, session)
    assert status == 400 and "expired or was already used" in answer["error"]
    assert mfa_enabled(fresh) == 1
    devices = client(fresh.sandbox_env(), "iam").list_mfa_devices()["MFADevices"]
    assert len(devices) == 1 and ":u2f/root/mine-" in devices[0]["SerialNumber"]


def test_passkey_signin_refuses_what_is_not_roots_passkey_now(fresh: Course) -> None:
    desk = Desk(fresh)
    key, stranger = SoftKey(), SoftKey()
    session = root_session(desk, fresh)  # before the passkey: it stays open
    assert register_soft_key(desk, session, key, "mine")[0] == 200

    def attempt(credential: dict[str, Any], secret: str | None = None) -> tuple[int, dict]:
        return desk.post("passkey/signin", {"user": "root", "credential": credential,
                                            "password": secret or password(fresh)})

    challenge = signin_challenge(desk, fresh)
    status, answer = attempt(key.get(challenge, desk.origin), "not the password")
    assert status == 401 and answer["error"].startswith("Your authentication information")
    status, answer = attempt(key.get(challenge, desk.origin))  # the challenge was used
    assert status == 401 and "already used" in answer["error"]
    status, _ = attempt(stranger.get(signin_challenge(desk, fresh), desk.origin))
    assert status == 401
    bad = key.get(signin_challenge(desk, fresh), desk.origin)
    signature = bytearray(unb64url(bad["response"]["signature"]))
    signature[-1] ^= 1
    bad["response"]["signature"] = b64url(bytes(signature))
    assert attempt(bad)[0] == 401
    assert attempt(key.get(os.urandom(32), desk.origin))[0] == 401  # never handed out
    status, answer = desk.post("passkey/register-options", {"name": "other"}, session)
    foreign = unb64url(answer["options"]["challenge"])  # handed out for a registration
    assert attempt(key.get(foreign, desk.origin))[0] == 401
    assert attempt(key.get(signin_challenge(desk, fresh), "http://localhost:1"))[0] == 401
    status, answer = attempt(key.get(signin_challenge(desk, fresh), desk.origin))
    assert status == 200 and answer["mfaUsed"] is True, answer
    key.count = 1  # a copy of the key, or an old answer: its sign count did not go up
    status, answer = attempt(key.get(signin_challenge(desk, fresh), desk.origin))
    assert status == 401 and "sign count" in answer["error"], answer
    logins = [x["responseElements"]["ConsoleLogin"] for x in console_logins(fresh)]
    assert logins[:10] == ["Failure", "Success", *["Failure"] * 7, "Success"]


def test_the_passkey_survives_a_restart_and_remove_ends_it(fresh: Course, browser: Any) -> None:
    page, errors = console_page(fresh, browser)
    virtual_authenticator(page)
    sign_in_with_password(page, fresh)
    serial = add_passkey(page)
    sign_out(page)
    assert fresh.grade("sandbox", "advance", "2h").returncode == 0
    type_password(page, fresh)  # signs in with the passkey: its sign count goes up
    page.locator("#home").wait_for()
    last_used = root_report(fresh)["password_last_used"]
    assert fresh.grade("sandbox", "stop").returncode == 0
    started = fresh.grade("sandbox", "start")
    assert started.returncode == 0, started.stderr
    assert mfa_enabled(fresh) == 1
    assert root_report(fresh)["password_last_used"] == last_used
    signin_challenge(Desk(fresh), fresh)  # root is still asked for its passkey
    page.goto(fresh.sandbox_env()["AWS_ENDPOINT_URL"].replace("127.0.0.1", "localhost")
              + CONSOLE)
    type_password(page, fresh)
    page.locator("#home").wait_for()
    assert console_logins(fresh)[0]["additionalEventData"]["MFAIdentifier"] == serial
    page.get_by_role("button", name=f"Remove {serial}").click()
    page.get_by_text(f"Removed {serial}.").wait_for()
    assert mfa_enabled(fresh) == 0
    status, answer = Desk(fresh).post("signin", {"user": "root", "password": password(fresh)})
    assert status == 200, answer
    assert errors == []
