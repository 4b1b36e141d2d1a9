"""03-stop-using-root's switch to the admin user, told from the record: trying the user
before it is an admin is not the switch, and root's everyday work after the switch fails
03 for good (`grade restart 03`), and only then."""

from __future__ import annotations

import sys

from grader.course.exercises import find
from tests.conftest import EXERCISES, Course
from tests.exercise_verdicts import check_ids, verdicts

FOLDER = EXERCISES / "03-stop-using-root"

EARLY_TRY = """
import _steps as s
s.user()
s.act_as()          # the new password tried before the group is done: not the switch yet
s.group()           # root finishes the set-up...
s.join()
s.act_as()          # ...then the user is used as the admin: the switch
s.iam().generate_credential_report()   # root reads the credential report: a read
s.delete_root_keys()
"""


def test_trying_the_user_before_it_is_admin_is_not_the_switch(fresh: Course) -> None:
    done = fresh.run([sys.executable, "-c", EARLY_TRY], cwd=FOLDER / "broken")
    assert done.returncode == 0, done.stderr
    status, passed, said = verdicts(fresh, "03", checks=check_ids(find("03")))
    assert status == 0 and all(passed.values()), said


def permanent_checks(course: Course) -> list[str]:
    _, result = course.grade_json("03")
    return [c["id"] for c in result["checks"] if c["permanent"]]


def test_a_check_fails_for_good_only_once_the_record_makes_it_so(fresh: Course) -> None:
    """Untouched, every check can still be fixed: nothing says to start over. Once root
    has done everyday work after the switch, that check (and only it) is final, and the
    advice is `grade restart 03`; a restart makes it fixable again."""
    assert permanent_checks(fresh) == []
    shown = fresh.grade("03").stdout
    assert "Fix the first failing one" in shown and "grade restart" not in shown

    script = FOLDER / "broken" / "root_used_afterwards.py"
    done = fresh.run([sys.executable, str(script)], cwd=script.parent)
    assert done.returncode == 0, done.stderr
    assert permanent_checks(fresh) == ["root-not-used-after-admin"]
    shown = fresh.grade("03").stdout
    assert "cannot be fixed in this account: `grade restart 03`" in shown
    assert "Start over:" in shown

    restarted = fresh.grade("restart", "03", "--yes")
    assert restarted.returncode == 0, restarted.stderr
    assert permanent_checks(fresh) == []
