"""04-mfa's web console way (solution/console.md): root's device assigned in the simulated
web console, in Chromium; the secret shown on the page gives the codes; the admin user's
part is done with boto3. 04 passes, and 03 still does."""

from __future__ import annotations

import sys
import time
from typing import Any

import pyotp

from grader.course.exercises import find
from tests.admin_user import after_03
from tests.conftest import EXERCISES, Course
from tests.exercise_verdicts import passes

FOLDER = EXERCISES / "04-mfa"

REST_AS_ADMIN = """
import _steps as s
serial, phone = s.create_device()
s.enable_device(serial, phone)
s.require_mfa()
s.everyday_work(s.mfa_session(serial, phone.code()))
"""


def test_web_console_solution_passes(fresh: Course, browser: Any) -> None:
    admin = after_03(fresh)
    page = browser.new_page()
    page.goto(fresh.sandbox_env()["AWS_ENDPOINT_URL"] + "/_sandbox/console/")
    page.fill("#user", "root")
    page.fill("#password", fresh.account()["root_password"])
    page.click("#signin-form button[type=submit]")
    page.get_by_role("button", name="Assign MFA device").click()
    page.locator("#new-device").wait_for()
    secret = page.locator("#secret").inner_text()
    assert str(page.locator("#qr").get_attribute("src")).startswith("data:image/png;base64,")
    totp = pyotp.TOTP(secret)
    step = int(time.time()) // 30
    page.fill("#code1", totp.generate_otp(step - 1))
    page.fill("#code2", totp.generate_otp(step))
    page.click("#enable-form button[type=submit]")
    page.get_by_text("MFA device assigned").wait_for()
    done = fresh.run([sys.executable, "-c", REST_AS_ADMIN], cwd=FOLDER / "broken", env=admin)
    assert done.returncode == 0, done.stderr
    passes(fresh, find("04"), None, ("03",))
