"""`grade start NN` (grader/command/exercise_start.py): 05's start happens once, with the learner's
credentials, and makes the colleagues' users; an exercise without a start says so."""

from __future__ import annotations

from tests.admin_user import after_03
from tests.conftest import Course, client


def test_the_start_happens_once_and_needs_credentials(fresh: Course) -> None:
    admin = after_03(fresh)
    bare = {k: v for k, v in admin.items() if not k.startswith("AWS_ACCESS_KEY_ID")
            and not k.startswith("AWS_SECRET")}
    refused = fresh.grade("start", "05", env=bare | {"AWS_CONFIG_FILE": "/dev/null",
                                                       "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"})
    assert refused.returncode == 2 and "No AWS credentials" in refused.stderr
    done = fresh.grade("start", "05", env=admin)
    assert done.returncode == 0, done.stderr
    assert "team-reports-" in done.stdout
    again = fresh.grade("start", "05", env=admin)
    assert again.returncode == 2 and "started already" in again.stderr
    users = {u["UserName"] for u in client(admin, "iam").list_users()["Users"]}
    assert {"amira.haddad", "deploy-bot", "tom.becker"} <= users
    nothing = fresh.grade("start", "03", env=admin)
    assert nothing.returncode == 2 and "nothing to start" in nothing.stderr
