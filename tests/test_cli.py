"""The `grade` commands a learner types, and the --json contract."""

from __future__ import annotations

from tests.conftest import Course


def test_list_show_and_hint(home: Course) -> None:
    listed = home.grade("list")
    assert listed.returncode == 0
    assert "00-setup" in listed.stdout and "03-stop-using-root" in listed.stdout
    shown = home.grade("show", "3")
    assert shown.returncode == 0 and "Stop using the root user" in shown.stdout
    first = home.grade("hint", "03")
    second = home.grade("hint", "03-stop-using-root")
    assert "Hint 1 of 4" in first.stdout and "Hint 2 of 4" in second.stdout
    assert first.stdout != second.stdout


def test_progress_and_next_step(fresh: Course) -> None:
    before = fresh.grade()
    assert before.returncode == 0 and "Next: 00-setup" in before.stdout
    fresh.run(["aws", "sts", "get-caller-identity"])
    passed = fresh.grade("00")
    assert passed.returncode == 0
    assert "Next: 01-shared-responsibility" in passed.stdout
    fresh.grade("03")
    after = fresh.grade()
    assert "done" in after.stdout and "Next: 01-shared-responsibility" in after.stdout
    assert "(1 attempt)" in after.stdout


def test_json_contract(fresh: Course) -> None:
    status, result = fresh.grade_json("3")
    assert status == 1
    assert result["exercise"] == "03-stop-using-root" and result["passed"] is False
    for entry in result["checks"]:
        assert isinstance(entry["id"], str) and isinstance(entry["title"], str)
        assert isinstance(entry["passed"], bool) and isinstance(entry["message"], str)
        assert isinstance(entry["hint"], str) and entry["hint"]
    failing = [c for c in result["checks"] if not c["passed"]]
    assert all(c["message"] for c in failing)


def test_text_output_is_plain_when_piped(fresh: Course) -> None:
    done = fresh.grade("03")
    assert done.returncode == 1
    assert "\033[" not in done.stdout
    assert "FAIL" in done.stdout and "What to do:" in done.stdout
    assert "0 of 6 checks pass" in done.stdout
