"""`grade authenticator`: a stand-in for a phone's authenticator app.

It reads the QR code AWS gives a virtual MFA device (or its Base32 seed), keeps
the seed in GRADE_HOME privately, and shows the codes an authenticator app would
(`pyotp` on this machine's clock); bad input is one clear refusal, and a store it
did not write is never overwritten. The last test enables an IAM user's MFA
device in the simulated account with its codes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import boto3
import png
import pyotp
import pytest
import segno

from tests.conftest import BIN, Course, client

SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # 40 bytes, as AWS's
OTHER_SEED = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
STAND_IN = "stands in for a phone's authenticator app"
REAL_ADVICE = "use a real authenticator app or a security key"


def aws_uri(seed: str, name: str = "bob", account: str = "123456789012", extra: str = "") -> str:
    """The text of the QR code AWS's CreateVirtualMFADevice returns."""
    return (f"otpauth://totp/Amazon%20Web%20Services:{name}@{account}?secret={seed}"
            f"&issuer=Amazon%20Web%20Services{extra}")


def qr_png(path: Path, text: str) -> Path:
    """A PNG of a QR code of `text`, as a phone's camera would see one on a screen."""
    segno.make_qr(text, error="m").save(str(path), kind="png", scale=6, border=4)
    return path


def blank_png(path: Path) -> Path:
    """A white PNG: an image, but no QR code in it."""
    png.from_array([[255] * 120 for _ in range(120)], "L").save(str(path))
    return path


def step() -> int:
    return int(time.time() // 30)


def codes(seed: str, at: int, **options: object) -> tuple[str, str, str]:
    """An authenticator app's codes of steps at-1, at and at+1."""
    totp = pyotp.TOTP(seed, **options)  # type: ignore[arg-type]
    return tuple(str(totp.generate_otp(at + d)) for d in (-1, 0, 1))  # type: ignore[return-value]


def code_json(course: Course, name: str) -> tuple[dict[str, object], set[int]]:
    """`grade authenticator code NAME --json`, and the steps it may have been run in."""
    before = step()
    done = course.grade("authenticator", "code", name, "--json")
    after = step()
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), {before, after}


def assert_refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    """One clear refusal: exit 2, `grade: ...` on stderr, no traceback."""
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.startswith("grade: "), done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


def store(course: Course) -> Path:
    return course.home / "authenticator.json"


# -- adding a device, and its codes ---------------------------------------------------

def test_a_qr_code_from_aws_gives_the_codes_of_an_authenticator_app(
        home: Course, tmp_path: Path) -> None:
    qr = qr_png(tmp_path / "qr.png", aws_uri(SEED))
    added = home.grade("authenticator", "add", "bob", "--qr", str(qr))
    assert added.returncode == 0, added.stderr
    assert "Amazon Web Services: bob@123456789012" in added.stdout
    assert added.stdout.count(STAND_IN) == 1 and REAL_ADVICE in added.stdout
    assert SEED not in added.stdout + added.stderr

    found, steps = code_json(home, "bob")
    assert set(found) == {"name", "code", "validForSeconds", "nextCode", "previousCode"}
    assert found["name"] == "bob"
    assert found["code"] in {pyotp.TOTP(SEED).at(s * 30) for s in steps}
    assert any((found["previousCode"], found["code"], found["nextCode"]) == codes(SEED, s)
               for s in steps), found
    valid = found["validForSeconds"]
    assert isinstance(valid, int) and 1 <= valid <= 30

    at = step() * 30 + 7.5  # 22.5 seconds left: shown at once
    status, out, err, slept = code_at(home, at)
    assert status == 0 and slept == [] and err == "", err
    match = re.fullmatch(r"(\d{6})  \(valid for (\d+) more seconds; AWS accepts a code once: "
                         r"for another sign-in, wait for the next code\)\n", out)
    assert match, out
    assert match[1] == codes(SEED, int(at // 30))[1] and match[2] == "23"


def code_at(course: Course, moment: float, *options: str,
            name: str = "bob") -> tuple[int, str, str, list[float]]:
    """`grade authenticator code NAME` run in this process at `moment` of a clock it
    moves itself: (exit status, stdout, stderr, the waits it asked for)."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from grader.command import authenticator
    from grader.command.main import main

    now = [moment]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    out, err = io.StringIO(), io.StringIO()
    saved = (authenticator._clock, authenticator._sleep, os.environ.get("GRADE_HOME"))
    authenticator._clock, authenticator._sleep = (lambda: now[0]), sleep
    os.environ["GRADE_HOME"] = str(course.home)
    try:
        with redirect_stdout(out), redirect_stderr(err), pytest.raises(SystemExit) as ended:
            main(["authenticator", "code", name, *options])
    finally:
        authenticator._clock, authenticator._sleep = saved[0], saved[1]
        if saved[2] is None:
            os.environ.pop("GRADE_HOME", None)
        else:
            os.environ["GRADE_HOME"] = saved[2]
    return int(ended.value.code or 0), out.getvalue(), err.getvalue(), slept


def test_a_code_about_to_expire_is_not_shown_the_next_one_is(home: Course) -> None:
    """With fewer than 5 seconds left, `code` says so and waits for the next code (on a
    clock the test moves: no real time passes); 5 seconds or more, it shows the code."""
    assert home.grade("authenticator", "add", "bob", "--secret", SEED).returncode == 0
    start = 1_900_000_020  # the first second of a 30-second step
    status, out, err, slept = code_at(home, start + 26.5)  # 3.5 s left
    assert status == 0 and slept == [3.5], (out, err)
    assert "has 4 seconds left, too few to type it: waiting for the next one" in err
    assert out.startswith(codes(SEED, start // 30 + 1)[1] + "  (valid for 30 more seconds")
    status, out, _, slept = code_at(home, start + 25)  # exactly 5 s left: no wait
    assert status == 0 and slept == [] and out.startswith(codes(SEED, start // 30)[1])
    status, out, err, slept = code_at(home, start + 28, "--two")
    assert status == 0 and slept == [2], err
    assert out.startswith(" ".join(codes(SEED, start // 30 + 1)[:2]) + "  (two consecutive")
    status, out, err, slept = code_at(home, start + 28, "--json")  # a script decides
    assert status == 0 and slept == [] and json.loads(out)["validForSeconds"] == 2


def test_two_consecutive_codes_for_enable_mfa_device(home: Course) -> None:
    assert home.grade("authenticator", "add", "bob", "--secret", SEED).returncode == 0
    at = step() * 30 + 3
    status, out, err, slept = code_at(home, at, "--two")
    assert status == 0 and slept == [], err
    match = re.match(r"(\d{6}) (\d{6})  \(", out)
    assert match, out
    assert (match[1], match[2]) == codes(SEED, int(at // 30))[:2], out
    assert f"--authentication-code1 {match[1]} --authentication-code2 {match[2]}" in out


def test_a_seed_as_typed_or_as_the_aws_cli_wrote_it(home: Course, tmp_path: Path) -> None:
    """Base32StringSeed: typed in groups and in lower case, as apps accept it, or the
    file `--bootstrap-method Base32StringSeed --outfile` wrote."""
    typed = " ".join(SEED[i:i + 4] for i in range(0, len(SEED), 4)).lower()
    assert home.grade("authenticator", "add", "typed", "--secret", typed).returncode == 0
    seed_file = tmp_path / "seed.txt"
    seed_file.write_text(OTHER_SEED + "\n")
    added = home.grade("authenticator", "add", "filed", "--secret-file", str(seed_file))
    assert added.returncode == 0, added.stderr
    for name, seed in (("typed", SEED), ("filed", OTHER_SEED)):
        found, steps = code_json(home, name)
        assert found["code"] in {codes(seed, s)[1] for s in steps}, name


def test_digits_period_and_algorithm_of_the_uri_are_honoured(
        home: Course, tmp_path: Path) -> None:
    qr = qr_png(tmp_path / "qr.png",
                aws_uri(SEED, extra="&digits=8&period=60&algorithm=SHA256"))
    assert home.grade("authenticator", "add", "long", "--qr", str(qr)).returncode == 0
    before = int(time.time() // 60)
    found, _ = code_json(home, "long")
    after = int(time.time() // 60)
    expected = {codes(SEED, s, digits=8, interval=60, digest=hashlib.sha256)[1]
                for s in {before, after}}
    assert found["code"] in expected and len(str(found["code"])) == 8
    assert 1 <= int(found["validForSeconds"]) <= 60  # type: ignore[call-overload]


def test_list_and_remove_never_show_a_seed(home: Course, tmp_path: Path) -> None:
    empty = home.grade("authenticator", "list")
    assert empty.returncode == 0 and "no MFA devices yet" in empty.stdout
    qr = qr_png(tmp_path / "qr.png", aws_uri(SEED, "bob-phone", "learners-lab"))
    assert home.grade("authenticator", "add", "bob", "--qr", str(qr)).returncode == 0
    assert home.grade("authenticator", "add", "carol", "--secret", OTHER_SEED).returncode == 0
    listed = home.grade("authenticator", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("bob ") and "Amazon Web Services: bob-phone@learners-lab" \
        in lines[0]
    assert lines[1].startswith("carol ") and "added 20" in lines[1]
    assert listed.stdout.count(STAND_IN) == 1 and REAL_ADVICE in listed.stdout
    as_json = home.grade("authenticator", "list", "--json")
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    assert [d["name"] for d in data["devices"]] == ["bob", "carol"]
    assert data["devices"][0]["account"] == "bob-phone@learners-lab"
    assert STAND_IN in data["note"]
    for seed in (SEED, OTHER_SEED):
        for shown in (listed, as_json):
            assert seed not in shown.stdout + shown.stderr
            assert seed.lower() not in shown.stdout.lower()

    removed = home.grade("authenticator", "remove", "bob")
    assert removed.returncode == 0, removed.stderr
    after = json.loads(home.grade("authenticator", "list", "--json").stdout)
    assert [d["name"] for d in after["devices"]] == ["carol"]
    assert_refused(home.grade("authenticator", "code", "bob"), "'bob'", "grade authenticator add")
    assert SEED not in store(home).read_text() and OTHER_SEED in store(home).read_text()


def test_the_store_is_private_and_written_whole(home: Course) -> None:
    """0600 in a 0700 GRADE_HOME even under `umask 000`; no temporary file left over."""
    done = subprocess.run(
        ["sh", "-c", 'umask 000 && exec "$0" authenticator add bob --secret "$1"',
         str(BIN / "grade"), SEED],
        env=home.env, text=True, capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(os.stat(store(home)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(home.home).st_mode) == 0o700
    assert home.grade("authenticator", "add", "carol", "--secret", OTHER_SEED).returncode == 0
    assert stat.S_IMODE(os.stat(store(home)).st_mode) == 0o600
    assert sorted(p.name for p in home.home.iterdir()) == ["authenticator.json"]
    data = json.loads(store(home).read_text())
    assert sorted(data["devices"]) == ["bob", "carol"]
    assert data["devices"]["bob"]["secret"] == SEED


def test_a_failed_write_leaves_the_store_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The file is replaced whole or not at all (here the rename fails, as a crash would
    stop it): the devices already kept are all still there."""
    from grader import paths
    from grader.command import authenticator
    from grader.errors import GradeError

    monkeypatch.setenv("GRADE_HOME", str(tmp_path / "home"))
    assert authenticator.add("bob", secret=SEED) == 0
    kept = (tmp_path / "home" / "authenticator.json").read_bytes()

    def crash(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(paths.os, "replace", crash)
    with pytest.raises(GradeError, match="could not be written"):
        authenticator.add("carol", secret=OTHER_SEED)
    assert (tmp_path / "home" / "authenticator.json").read_bytes() == kept
    capsys.readouterr()


# -- refusals ---------------------------------------------------------------------------

Setup = Callable[[Path], list[str]]  # what follows `grade authenticator add`


def _qr(name: str, text: str) -> Setup:
    return lambda folder: ["bob", "--qr", str(qr_png(folder / name, text))]


def _file(option: str, name: str, content: bytes) -> Setup:
    def make(folder: Path) -> list[str]:
        (folder / name).write_bytes(content)
        return ["bob", option, str(folder / name)]
    return make


REFUSALS: dict[str, tuple[Setup, tuple[str, ...]]] = {
    "not base32": (lambda _: ["bob", "--secret", "not base32!"], ("not Base32", "'!'")),
    "a digit base32 has not": (lambda _: ["bob", "--secret", "JBSWY3DPEHPK3PX1"],
                               ("not Base32", "'1'", "A-Z")),
    "base32 of no whole bytes": (lambda _: ["bob", "--secret", "ABC"],
                                 ("not Base32", "3 characters")),
    "an empty seed": (lambda _: ["bob", "--secret", "   "], ("empty",)),
    "a png without a qr code": (lambda d: ["bob", "--qr", str(blank_png(d / "blank.png"))],
                                ("No QR code", "blank.png", "QRCodePNG")),
    "a qr code of a plain url": (_qr("url.png", "https://example.com/mfa"),
                                 ("not an authenticator app's", "https://example.com/mfa",
                                  "otpauth://totp/")),
    "a qr code of an hotp uri": (_qr("hotp.png", f"otpauth://hotp/x?secret={SEED}&counter=1"),
                                 ("otpauth://hotp/", "time-based")),
    "a qr code without a secret": (_qr("nosecret.png", "otpauth://totp/x?issuer=y"),
                                   ("no secret",)),
    "a qr code with a bad secret": (_qr("bad.png", aws_uri("NOT-BASE32")), ("not Base32",)),
    "an unknown algorithm": (_qr("md5.png", aws_uri(SEED, extra="&algorithm=MD5")),
                             ("algorithm=MD5", "SHA1")),
    "too few digits": (_qr("d4.png", aws_uri(SEED, extra="&digits=4")),
                       ("digits=4", "6 to 8")),
    "a period of zero": (_qr("p0.png", aws_uri(SEED, extra="&period=0")), ("period=0",)),
    "a missing file": (lambda d: ["bob", "--qr", str(d / "nowhere.png")],
                       ("There is no file", "nowhere.png")),
    "a missing seed file": (lambda d: ["bob", "--secret-file", str(d / "nowhere.txt")],
                            ("There is no file",)),
    "a folder": (lambda d: ["bob", "--qr", str(d)], ("is a folder",)),
    "a text file": (_file("--qr", "qr.png", b"otpauth://totp/x?secret=" + SEED.encode()),
                    ("is not a PNG image",)),
    "a damaged png": (_file("--qr", "cut.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00"),
                      ("cannot be read", "cut.png")),
    "a binary seed file": (_file("--secret-file", "seed", b"\xff\xfe\x00"), ("not text",)),
    "a bad name": (lambda _: ["../bob", "--secret", SEED], ("cannot name",)),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_bad_input_is_refused_clearly(case: str, home: Course, tmp_path: Path) -> None:
    setup, words = REFUSALS[case]
    args = ["authenticator", "add", *setup(tmp_path)]
    assert_refused(home.grade(*args), *words)
    assert not store(home).exists()
    as_json = home.grade(*args, "--json")
    assert as_json.returncode == 2, as_json.stderr
    refusal = json.loads(as_json.stdout)
    assert refusal["exitStatus"] == 2 and words[0] in refusal["error"] + refusal["fix"]
    assert not store(home).exists()


def test_unknown_names_and_a_second_add_are_refused(home: Course) -> None:
    assert_refused(home.grade("authenticator", "code", "bob"), "no MFA device named 'bob'",
                   "grade authenticator add bob")
    assert_refused(home.grade("authenticator", "remove", "bob"), "no MFA device named 'bob'")
    as_json = home.grade("authenticator", "code", "bob", "--json")
    assert as_json.returncode == 2
    assert "no MFA device named 'bob'" in json.loads(as_json.stdout)["error"]

    assert home.grade("authenticator", "add", "bob", "--secret", SEED).returncode == 0
    kept = store(home).read_bytes()
    assert_refused(home.grade("authenticator", "add", "bob", "--secret", OTHER_SEED),
                   "already has an MFA device named 'bob'", "--replace")
    assert store(home).read_bytes() == kept
    found, steps = code_json(home, "bob")
    assert found["code"] in {codes(SEED, s)[1] for s in steps}

    replaced = home.grade("authenticator", "add", "bob", "--secret", OTHER_SEED, "--replace")
    assert replaced.returncode == 0 and "Replaced bob" in replaced.stdout
    found, steps = code_json(home, "bob")
    assert found["code"] in {codes(OTHER_SEED, s)[1] for s in steps}
    assert_refused(home.grade("authenticator", "add", "bob"), "--qr", "--secret")


@pytest.mark.parametrize(("content", "words"), [
    ('{"format": "grade authenticator", "version": 1, "devices": {"bob": ',
     ("damaged", "not JSON")),
    ('{"format": "grade authenticator", "version": 1, "devices": {"bob": {"secret": "!"}}}',
     ("damaged",)),
    ('{"theme": "dark", "devices": []}', ("is not grade authenticator's file",)),
    ('{"format": "grade authenticator", "version": 99, "devices": {}}',
     ("another version of grade",)),
    ("\udcff not even text", ("damaged",)),
])
def test_a_store_grade_did_not_write_is_reported_and_left_alone(
        home: Course, content: str, words: tuple[str, ...]) -> None:
    home.home.mkdir(parents=True)
    store(home).write_bytes(content.encode("utf-8", "surrogateescape"))
    kept = store(home).read_bytes()
    for args in (["list"], ["code", "bob"], ["add", "carol", "--secret", SEED],
                 ["add", "bob", "--secret", SEED, "--replace"], ["remove", "bob"]):
        done = home.grade("authenticator", *args)
        assert_refused(done, *words, "has not been changed", "mv ")
        assert str(store(home)) in done.stderr
        assert store(home).read_bytes() == kept, args


# -- end to end: the simulated account takes its codes -----------------------------------

def test_its_codes_enable_an_iam_users_mfa_device(fresh: Course, tmp_path: Path) -> None:
    """Root creates a virtual MFA device with the AWS CLI (the QR code's PNG to a file),
    the learner adds it to `grade authenticator`, and two of its codes enable it for bob;
    then its next code signs bob in with MFA."""
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName="bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    png_file = tmp_path / "qr.png"
    made = fresh.run(["aws", "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name",
                      "bob-phone", "--outfile", str(png_file), "--bootstrap-method",
                      "QRCodePNG"])
    assert made.returncode == 0, made.stderr
    serial = json.loads(made.stdout)["VirtualMFADevice"]["SerialNumber"]
    account = serial.split(":")[4]

    added = fresh.grade("authenticator", "add", "bob", "--qr", str(png_file), "--replace")
    assert added.returncode == 0, added.stderr
    assert f"bob-phone@{account}" in added.stdout

    found, _ = code_json(fresh, "bob")
    answer = iam.enable_mfa_device(UserName="bob", SerialNumber=serial,
                                   AuthenticationCode1=str(found["previousCode"]),
                                   AuthenticationCode2=str(found["code"]))
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    [device] = iam.list_mfa_devices(UserName="bob")["MFADevices"]
    assert device["SerialNumber"] == serial

    # The code just used is used up; the next one signs bob in with MFA.
    found, _ = code_json(fresh, "bob")
    sts = boto3.client("sts", endpoint_url=env["AWS_ENDPOINT_URL"],
                       region_name=env["AWS_DEFAULT_REGION"],
                       aws_access_key_id=key["AccessKeyId"],
                       aws_secret_access_key=key["SecretAccessKey"])
    session = sts.get_session_token(SerialNumber=serial, TokenCode=str(found["nextCode"]))
    assert session["Credentials"]["SessionToken"]


def test_without_the_qr_code_readers_it_says_to_give_the_seed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pypng and zxing-cpp are installed with the course (`./scripts/install`); an
    install that lost them gets a clear refusal from --qr, not a traceback."""
    from grader.command import qr_codes
    from grader.errors import GradeError

    qr = qr_png(tmp_path / "qr.png", aws_uri(SEED))
    assert qr_codes.qr_text(qr) == aws_uri(SEED)
    monkeypatch.setitem(sys.modules, "zxingcpp", None)
    with pytest.raises(GradeError, match="needs the `zxingcpp` module") as refused:
        qr_codes.qr_text(qr)
    assert "--secret" in refused.value.fix
