"""IAM users' passwords meet the account's password policy (or AWS's default one), as in AWS."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import Course, client

MESSAGE = "Password does not conform to the account password policy."
GOOD = "Correct-Horse-Battery-Staple-42"


def refused(call: Any, **parameters: Any) -> dict[str, Any]:
    """The error AWS answers to `call(**parameters)` (which must fail)."""
    with pytest.raises(ClientError) as error:
        call(**parameters)
    return {"code": error.value.response["Error"]["Code"],
            "message": error.value.response["Error"]["Message"],
            "status": error.value.response["ResponseMetadata"]["HTTPStatusCode"]}


VIOLATION = {"code": "PasswordPolicyViolation", "message": MESSAGE, "status": 400}


def has_login_profile(iam: Any, user_name: str) -> bool:
    try:
        iam.get_login_profile(UserName=user_name)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "NoSuchEntity"
        return False
    return True


def user_client(iam: Any, env: dict[str, str], user_name: str) -> Any:
    """The IAM client of `user_name`, signing with a new key of its own."""
    key = iam.create_access_key(UserName=user_name)["AccessKey"]
    return client({**env, "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                   "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}, "iam")


def test_short_password_refused_with_awss_code_and_message(fresh: Course) -> None:
    iam = client(fresh.sandbox_env(), "iam")
    iam.create_user(UserName="alice")
    assert refused(iam.create_login_profile, UserName="alice", Password="short") == VIOLATION
    assert refused(iam.create_login_profile, UserName="alice", Password="Sh0rt-1") == VIOLATION
    assert not has_login_profile(iam, "alice")
    # The user's existence is checked first, as before.
    missing = refused(iam.create_login_profile, UserName="nobody", Password="short")
    assert missing["code"] == "NoSuchEntity"


def test_short_password_refused_through_the_aws_cli(fresh: Course) -> None:
    assert fresh.run(["aws", "iam", "create-user", "--user-name", "alice"]).returncode == 0
    done = fresh.run(["aws", "iam", "create-login-profile", "--user-name", "alice",
                      "--password", "short"])
    assert done.returncode != 0
    assert ("An error occurred (PasswordPolicyViolation) when calling the CreateLoginProfile "
            f"operation: {MESSAGE}") in done.stderr
    done = fresh.run(["aws", "iam", "create-login-profile", "--user-name", "alice",
                      "--password", GOOD])
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["LoginProfile"]["UserName"] == "alice"


DEFAULT_POLICY_CASES = [
    ("alllowercaseletters", False),  # one kind of character
    ("ALLUPPERCASE1234", False),  # two kinds
    ("lowercase-and-symbols", False),  # two kinds
    ("Abcdef1", False),  # three kinds, but 7 characters
    ("Learner@Example.com", False),  # the account's e-mail address
    ("Upper-and-lower", True),  # three kinds: uppercase, lowercase, symbols
    ("lowercase-and-1", True),  # lowercase, symbols, numbers
    ("Lower1case", True),  # uppercase, lowercase, numbers
]


def test_default_policy_wants_8_characters_of_three_kinds(fresh: Course) -> None:
    iam = client(fresh.sandbox_env(), "iam")
    assert fresh.account()["root_email"] == "learner@example.com"
    outcomes = {}
    for number, (password, _) in enumerate(DEFAULT_POLICY_CASES):
        iam.create_user(UserName=f"user{number}")
        try:
            iam.create_login_profile(UserName=f"user{number}", Password=password)
            outcomes[password] = True
        except ClientError as error:
            assert error.response["Error"]["Code"] == "PasswordPolicyViolation"
            assert error.response["Error"]["Message"] == MESSAGE
            assert not has_login_profile(iam, f"user{number}")
            outcomes[password] = False
    assert outcomes == dict(DEFAULT_POLICY_CASES)


@pytest.mark.parametrize(("option", "without", "with_it"), [
    ("RequireUppercaseCharacters", "lower-case-1", "Lower-case-1"),
    ("RequireLowercaseCharacters", "UPPER-CASE-1", "UPPER-CASe-1"),
    ("RequireNumbers", "Upper-and-lower", "Upper-and-lower-1"),
    ("RequireSymbols", "UpperAndLower1", "UpperAndLower1!"),
])
def test_each_character_kind_a_policy_requires(fresh: Course, option: str, without: str,
                                               with_it: str) -> None:
    iam = client(fresh.sandbox_env(), "iam")
    iam.create_user(UserName="carol")
    iam.update_account_password_policy(MinimumPasswordLength=6, **{option: True})
    assert refused(iam.create_login_profile, UserName="carol", Password=without) == VIOLATION
    iam.create_login_profile(UserName="carol", Password=with_it)
    assert has_login_profile(iam, "carol")


def test_custom_policy_replaces_the_default_one(fresh: Course) -> None:
    iam = client(fresh.sandbox_env(), "iam")
    iam.create_user(UserName="dan")
    iam.create_user(UserName="eve")
    iam.update_account_password_policy(MinimumPasswordLength=6)
    iam.create_login_profile(UserName="dan", Password="abcdef")  # the default would refuse it
    iam.update_account_password_policy(MinimumPasswordLength=20)
    assert refused(iam.create_login_profile, UserName="eve", Password=GOOD[:19]) == VIOLATION
    iam.delete_account_password_policy()  # back to the default policy
    assert refused(iam.create_login_profile, UserName="eve", Password="abcdefgh") == VIOLATION
    iam.create_login_profile(UserName="eve", Password=GOOD[:19])


def test_policy_applies_to_update_login_profile_and_change_password(fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName="frank")
    iam.create_login_profile(UserName="frank", Password="Frank-Pass-1")
    iam.update_account_password_policy(
        MinimumPasswordLength=14, RequireSymbols=True, RequireNumbers=True,
        AllowUsersToChangePassword=True)
    assert refused(iam.update_login_profile, UserName="frank",
                   Password="Frank-Pass-12") == VIOLATION  # 13 characters
    assert refused(iam.update_login_profile, UserName="frank",
                   Password="FrankPassword12") == VIOLATION  # no symbol
    iam.update_login_profile(UserName="frank", Password="Frank-Password-12")
    # Without a new password, UpdateLoginProfile keeps the password.
    iam.update_login_profile(UserName="frank", PasswordResetRequired=True)
    assert iam.get_login_profile(UserName="frank")["LoginProfile"]["PasswordResetRequired"]
    # Frank changes his own password, signing with his own key: the policy's
    # AllowUsersToChangePassword lets him, and the policy applies.
    frank = user_client(iam, env, "frank")
    assert refused(frank.change_password, OldPassword="Frank-Password-12",
                   NewPassword="Frank-Pass-2") == VIOLATION
    frank.change_password(OldPassword="Frank-Password-12", NewPassword="Frank-Password-2026")
    assert not iam.get_login_profile(UserName="frank")["LoginProfile"]["PasswordResetRequired"]
    signin = fresh.grade("console", "signin", "frank", "--password", "Frank-Password-2026")
    assert signin.returncode == 0, signin.stderr


def test_change_password_needs_the_old_one_and_an_iam_user(fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName="gina")
    gina = user_client(iam, env, "gina")
    iam.put_user_policy(UserName="gina", PolicyName="own-password", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "iam:ChangePassword",
            "Resource": "arn:aws:iam::*:user/${aws:username}"}]}))
    no_profile = refused(gina.change_password, OldPassword="x", NewPassword=GOOD)
    assert no_profile["code"] == "NoSuchEntity"
    assert no_profile["message"] == "Login Profile for User gina cannot be found."
    iam.create_login_profile(UserName="gina", Password="Gina-Pass-1")
    wrong = refused(gina.change_password, OldPassword="Gina-Pass-2", NewPassword=GOOD)
    assert wrong["code"] == "AccessDenied" and wrong["status"] == 403
    assert refused(gina.change_password, OldPassword="Gina-Pass-1",
                   NewPassword="gina") == VIOLATION  # the default policy
    as_root = refused(iam.change_password, OldPassword="Gina-Pass-1", NewPassword=GOOD)
    assert as_root["code"] == "InvalidUserType"
    gina.change_password(OldPassword="Gina-Pass-1", NewPassword=GOOD)
    assert fresh.grade("console", "signin", "gina", "--password", GOOD).returncode == 0
    assert fresh.grade("console", "signin", "gina", "--password", "Gina-Pass-1").returncode == 1


def test_password_reuse_prevention(fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName="hugo")
    iam.create_login_profile(UserName="hugo", Password="Hugo-Pass-1")
    iam.update_login_profile(UserName="hugo", Password="Hugo-Pass-2")
    iam.update_account_password_policy(PasswordReusePrevention=2, AllowUsersToChangePassword=True)
    hugo = user_client(iam, env, "hugo")
    for reused in ("Hugo-Pass-2", "Hugo-Pass-1"):  # the current one, the one before
        assert refused(hugo.change_password, OldPassword="Hugo-Pass-2",
                       NewPassword=reused) == VIOLATION
    hugo.change_password(OldPassword="Hugo-Pass-2", NewPassword="Hugo-Pass-3")
    assert refused(iam.update_login_profile, UserName="hugo",
                   Password="Hugo-Pass-2") == VIOLATION
    iam.update_login_profile(UserName="hugo", Password="Hugo-Pass-1")  # 3 passwords ago


def lookup(course: Course) -> list[tuple[str, str | None, str | None]]:
    """(event, error code, error message) of every event in the record, newest first."""
    account = course.account()
    grader = {**course.sandbox_env(), "AWS_ACCESS_KEY_ID": account["grader_key_id"],
              "AWS_SECRET_ACCESS_KEY": account["grader_secret"]}
    events = client(grader, "cloudtrail").lookup_events()["Events"]
    records = [json.loads(e["CloudTrailEvent"]) for e in events]
    return [(r["eventName"], r.get("errorCode"), r.get("errorMessage")) for r in records]


def test_refusals_survive_restart_and_replay(fresh: Course) -> None:
    env = fresh.sandbox_env()
    iam = client(env, "iam")
    iam.create_user(UserName="ivy")
    iam.create_user(UserName="jay")
    assert refused(iam.create_login_profile, UserName="ivy", Password="short") == VIOLATION
    iam.create_login_profile(UserName="jay", Password="Jay-Pass-1")
    assert refused(iam.update_login_profile, UserName="jay", Password="weak") == VIOLATION
    iam.update_account_password_policy(PasswordReusePrevention=1, AllowUsersToChangePassword=True)
    jay = user_client(iam, env, "jay")
    assert refused(jay.change_password, OldPassword="Jay-Pass-1",
                   NewPassword="Jay-Pass-1") == VIOLATION
    jay.change_password(OldPassword="Jay-Pass-1", NewPassword="Jay-Pass-2")
    before = lookup(fresh)
    assert ("CreateLoginProfile", "PasswordPolicyViolation", MESSAGE) in before
    assert ("UpdateLoginProfile", "PasswordPolicyViolation", MESSAGE) in before
    assert ("ChangePassword", "PasswordPolicyViolation", MESSAGE) in before

    assert fresh.grade("sandbox", "stop").returncode == 0
    assert fresh.grade("sandbox", "start").returncode == 0

    assert lookup(fresh) == before
    iam = client(fresh.sandbox_env(), "iam")
    assert not has_login_profile(iam, "ivy")
    # Had a refused request been accepted on replay, Jay's password would be another.
    assert fresh.grade("console", "signin", "jay", "--password", "Jay-Pass-2").returncode == 0
    # The password history came back too: the current password is still refused.
    assert refused(iam.update_login_profile, UserName="jay", Password="Jay-Pass-2") == VIOLATION
    iam.update_login_profile(UserName="jay", Password="Jay-Pass-1")



def test_a_password_accepted_before_the_rules_existed_survives_replay(fresh: Course) -> None:
    """The record is history: a password an older simulated account accepted is not
    refused when the account is rebuilt from it (replay does not judge it again)."""
    import sqlite3

    strong = "Correct-Horse-Battery-Staple-42"
    iam = client(fresh.sandbox_env(), "iam")
    iam.create_user(UserName="olduser")
    iam.create_login_profile(UserName="olduser", Password=strong)
    assert fresh.grade("sandbox", "stop").returncode == 0
    record = sqlite3.connect(fresh.home / "sandbox" / "record.sqlite")
    with record:  # as an older version, without password rules, would have recorded it
        changed = record.execute(
            "UPDATE events SET body = CAST(REPLACE(CAST(body AS TEXT), ?, ?) AS BLOB) "
            "WHERE operation = 'CreateLoginProfile'", (strong, "weak")).rowcount
    record.close()
    assert changed == 1
    assert fresh.grade("sandbox", "start").returncode == 0
    signin = fresh.grade("console", "signin", "olduser", "--password", "weak")
    assert signin.returncode == 0, signin.stderr
