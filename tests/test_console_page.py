"""The simulated console's web page, in a real headless Chromium."""

from __future__ import annotations

from typing import Any

from tests.conftest import Course, client


def test_root_signs_in_and_deletes_its_key_as_aws_console_asks(fresh: Course, browser: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe

    env = fresh.sandbox_env()
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(env["AWS_ENDPOINT_URL"] + "/_sandbox/console/")
    assert not [v for v in Axe().run(page).response["violations"]
                if v["impact"] in {"serious", "critical"}]
    page.fill("#user", fresh.account()["root_email"])  # as on AWS's sign-in page
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    page.locator("#message.error").wait_for()
    page.fill("#password", fresh.account()["root_password"])
    page.click("button[type=submit]")
    key = env["AWS_ACCESS_KEY_ID"]
    # As in AWS's console, Delete asks: the key must be deactivated, and its ID typed.
    page.get_by_role("button", name=f"Delete {key}").click()
    dialog = page.get_by_role("dialog", name=f"Delete {key}?")
    dialog.wait_for()
    delete = dialog.get_by_role("button", name="Delete", exact=True)
    dialog.get_by_label("To confirm deletion, enter the access key ID").fill(key)
    assert delete.is_disabled() and dialog.locator("#delete-key-status").inner_text() == "Active"
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="hidden")
    assert page.locator("#keys tr").count() == 1  # one click deleted nothing
    page.get_by_role("button", name=f"Delete {key}").click()
    dialog.get_by_role("button", name="Deactivate").click()
    page.get_by_text(f"Done: deactivate {key}.").wait_for()
    assert dialog.locator("#delete-key-status").inner_text() == "Inactive"
    assert page.locator("#keys tr td").nth(1).inner_text() == "Inactive"
    assert not [v for v in Axe().run(page).response["violations"]  # the dialog's too
                if v["impact"] in {"serious", "critical"}]
    dialog.get_by_label("To confirm deletion, enter the access key ID").fill(key[:-1])
    assert delete.is_disabled()  # not the key's ID
    dialog.get_by_label("To confirm deletion, enter the access key ID").fill(key)
    delete.click()
    page.get_by_text("The root user has no access keys.").wait_for()
    assert not dialog.is_visible()
    assert page.locator("#billing-state").inner_text() == "off"
    page.get_by_role("button", name="Activate IAM access").click()
    page.get_by_role("button", name="Deactivate IAM access").wait_for()
    assert page.locator("#billing-state").inner_text() == "on"
    assert not [v for v in Axe().run(page).response["violations"]
                if v["impact"] in {"serious", "critical"}]
    assert errors == []
    events = client(env | {"AWS_ACCESS_KEY_ID": fresh.account()["grader_key_id"],
                           "AWS_SECRET_ACCESS_KEY": fresh.account()["grader_secret"]},
                    "cloudtrail").lookup_events()["Events"]
    names = [e["EventName"] for e in events[:8]]
    assert names == ["UpdateIAMAccessPreference", "DeleteAccessKey", "UpdateAccessKey",
                     "GetIAMAccessPreference", "ListAccessKeys", "ListMFADevices",
                     "ConsoleLogin", "ConsoleLogin"]
    _, result = fresh.grade_json("03")
    assert {c["id"]: c["passed"] for c in result["checks"]}["root-has-no-access-keys"]
