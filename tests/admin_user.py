"""Exercise 03's work, done in a test's simulated account as its reference solution does
it: an IAM user with a password in a group with AdministratorAccess, and root's key gone.
`make_admin_user` leaves the console sign-in as that user to the test (several tests need
the account just before it); `after_03` does all of 03, and is where the exercises that
begin after 03 begin (tests/exercise_starts.py)."""

from __future__ import annotations

from tests.conftest import Course, client

USER = "alice"
PASSWORD = "Correct-Horse-Battery-Staple-42"


def make_admin_user(course: Course, with_key: bool = False) -> dict[str, str] | None:
    """Do 03 but the sign-in, as root; with `with_key`, the admin's environment (a key of
    theirs, made before root's was deleted)."""
    root = course.sandbox_env()
    iam = client(root, "iam")
    iam.create_user(UserName=USER)
    iam.create_login_profile(UserName=USER, Password=PASSWORD)
    iam.create_group(GroupName="Admins")
    iam.attach_group_policy(GroupName="Admins",
                            PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.add_user_to_group(GroupName="Admins", UserName=USER)
    admin = None
    if with_key:
        key = iam.create_access_key(UserName=USER)["AccessKey"]
        admin = {**root, "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                 "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    iam.delete_access_key(AccessKeyId=root["AWS_ACCESS_KEY_ID"])
    return admin


ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def after_03(course: Course, name: str = "dana") -> dict[str, str]:
    """Exercise 03 done as its CLI solution does it; the environment of the admin user."""
    env = course.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName=name)
    iam.create_login_profile(UserName=name, Password=PASSWORD)
    iam.create_group(GroupName="Admins")
    iam.attach_group_policy(GroupName="Admins", PolicyArn=ADMIN)
    iam.add_user_to_group(GroupName="Admins", UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    admin = env | {"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                   "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    client(admin, "sts").get_caller_identity()
    iam.delete_access_key(AccessKeyId=env["AWS_ACCESS_KEY_ID"])
    return admin
