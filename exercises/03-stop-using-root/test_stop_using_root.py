"""Checks for 03-stop-using-root: the five steps of the lesson, on the account.

Checks a to d are about one and the same user: the learner's IAM admin
user. Any user or group name passes, and so does any way of doing it
(AWS CLI, boto3, Terraform, the console).
"""

from __future__ import annotations

from grader.checks import PermanentFailure, check
from grader.checks.activity import Activity
from grader.checks.admin_since import BEFORE_HISTORY, admin_since, first_use_as_admin
from grader.checks.admins import admin_groups_of, admin_problems, admin_users, users_with_password
from grader.checks.iam_state import IamState
from grader.policy.full_admin import why_not_full_admin

# Root-only tasks, as the API names them: what root may still do once the IAM
# admin user is in use. Managing root's own credentials (no user name given),
# signing in, and account-level settings that only root can change.
ROOT_OWN_CREDENTIALS = {
    "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey",
    "CreateVirtualMFADevice", "EnableMFADevice", "DeactivateMFADevice",
    "DeleteVirtualMFADevice", "ResyncMFADevice",
    "UploadSigningCertificate", "UpdateSigningCertificate", "DeleteSigningCertificate",
}
# Reads whose names do not say so: making the credential report changes nothing.
READS_BY_ANOTHER_NAME = {"GenerateCredentialReport"}
ROOT_ONLY_TASKS = {
    "ConsoleLogin", "CloseAccount", "UpdateAccountName", "UpdateAccountEmailAddress",
    "DeleteBucketPolicy",  # unlocking a bucket whose policy denies everyone
    # Activating IAM user and role access to billing information (and reading the switch
    # on the page where only root can turn it).
    "UpdateIAMAccessPreference", "GetIAMAccessPreference",
}


def signed_in(activity: list[Activity], user: str) -> list[Activity]:
    """The user's own successful calls: a role session's calls are not the user's sign-in,
    even in a session the user began or one named after the user."""
    return [a for a in activity
            if a.identity_type == "IAMUser" and a.user_name == user and a.succeeded]


def root_at_work(event: Activity) -> bool:
    """Root's own call, or one through a role session root began: that is root's work
    too. (AWS no longer lets root assume a role, but an older record may hold one.)"""
    return event.behind_root


# How CloudTrail names root in its own MFA events (made in the console).
ROOT_USER_NAME = "AWS ROOT USER"


def is_root_only_task(event: Activity) -> bool:
    if event.name in ROOT_ONLY_TASKS:
        return True
    return event.name in ROOT_OWN_CREDENTIALS and \
        event.parameters.get("userName") in (None, "", ROOT_USER_NAME)


@check(
    id="iam-user-with-password",
    title="An IAM user for you exists, with a console password",
    why="Without your own IAM user you keep signing in as root, whose power no policy can limit.",
    hint="Create a user (`aws iam create-user`) and give it a console password "
         "(`aws iam create-login-profile`).",
)
def test_iam_user_with_password(iam_state: IamState) -> None:
    assert iam_state.users, "the account has no IAM users yet"
    names = ", ".join(sorted(iam_state.users))
    assert users_with_password(iam_state), f"no IAM user has a console password ({names})"


@check(
    id="admin-group",
    title="A group has full administrator permissions",
    why="Giving rights to a group, not to each person, keeps permissions consistent and easy "
        "to review as people join and leave.",
    hint="Create a group and attach arn:aws:iam::aws:policy/AdministratorAccess to it "
         "(or a policy allowing \"Action\": \"*\" on \"Resource\": \"*\").",
)
def test_admin_group(iam_state: IamState) -> None:
    assert iam_state.groups, "the account has no IAM groups yet"
    reasons = [f"group {g.name}: {why_not_full_admin(p.document for p in g.policies)}"
               for g in iam_state.groups.values() if not g.full_admin]
    assert any(g.full_admin for g in iam_state.groups.values()), \
        "no group has full administrator permissions (" + "; ".join(reasons) + ")"


@check(
    id="user-in-admin-group",
    title="Your user is in that group and gets its admin rights from it",
    why="Rights attached to a user one by one drift apart and get forgotten; a group is one "
        "place to see and change them.",
    hint="Add your user to the admin group (`aws iam add-user-to-group`) and detach any "
         "admin policy attached to the user itself (`aws iam detach-user-policy`).",
)
def test_user_in_admin_group(iam_state: IamState) -> None:
    candidates = users_with_password(iam_state)
    assert candidates, "no IAM user with a console password yet (see the first check)"
    problems = [p for u in candidates for p in admin_problems(iam_state, u)]
    assert admin_users(iam_state), "; ".join(problems)


@check(
    id="signed-in-as-admin",
    title="You have signed in as your IAM admin user",
    why="Until you actually work as your IAM user, root stays your everyday identity.",
    hint="Sign in as your user: `grade console signin NAME`, or give it an access key and "
         "run `aws sts get-caller-identity` with it.",
)
def test_signed_in_as_admin(iam_state: IamState, activity: list[Activity]) -> None:
    admins = admin_users(iam_state)
    assert admins, "no IAM admin user is set up yet (see the checks above)"
    names = ", ".join(u.name for u in admins)
    # The event history (LookupEvents) keeps 90 days; the credential report remembers
    # the last use of a password or key for longer.
    assert any(signed_in(activity, u.name) or u.last_used for u in admins), \
        f"nobody has signed in or made a call as {names} yet"


@check(
    id="root-has-no-access-keys",
    title="The root user has no access keys",
    why="A root access key can do anything in the account and cannot be limited; if it leaks, "
        "the whole account is lost.",
    hint="As root, list its keys (`aws iam list-access-keys`), check they are unused "
         "(`aws iam get-access-key-last-used`), then delete them (`aws iam delete-access-key`).",
)
def test_root_has_no_access_keys(iam_state: IamState) -> None:
    keys = iam_state.root_keys
    assert keys is not None, "the root user's keys could not be read"
    if keys.inactive and not keys.active:
        raise AssertionError(f"the root user still has {keys.inactive} deactivated access "
                             "key(s): deactivating is not enough, delete them")
    assert not keys.present, (f"the root user still has {keys.active} active and "
                              f"{keys.inactive} deactivated access key(s)")


@check(
    id="root-not-used-after-admin",
    title="Once your IAM admin user was in use, root did only root-only tasks",
    why="Every time root is used for everyday work its credentials are exposed again, and "
        "nothing can limit what a mistake or a thief does with them.",
    hint="After switching to your IAM user, do everything as that user; use root only for the "
         "tasks only root can do (such as removing root's own access keys). Check who your "
         "terminal is with `aws sts get-caller-identity` before each change.",
)
def test_root_not_used_after_admin(iam_state: IamState, activity: list[Activity]) -> None:
    switched = switch_to_admin(iam_state, activity)
    assert switched is not None, "your IAM admin user has not been used yet (see the checks above)"
    everyday = [a for a in activity[switched + 1:]
                if root_at_work(a) and not a.read_only and a.name not in READS_BY_ANOTHER_NAME
                and not is_root_only_task(a)]
    shown = ", ".join(a.describe() for a in everyday[:3])
    more = f" and {len(everyday) - 3} more" if len(everyday) > 3 else ""
    if everyday:  # in the record for good: no later action undoes them
        raise PermanentFailure(f"root was used for everyday work after you had switched to "
                               f"your IAM user: {shown}{more}. The account's record keeps "
                               "those calls.")


def switch_to_admin(state: IamState, activity: list[Activity]) -> int | None:
    """The index of the first call an admin user made *as the admin* (after the last event
    that made it one: trying the new password before the group is done is no switch);
    -1 when that happened before the event history begins; None when not yet."""
    found = []
    for user in admin_users(state):
        since = admin_since(activity, state, user, admin_groups_of(state, user))
        first = first_use_as_admin(activity, user, since)
        if first is not None:
            found.append(first)
        elif since == BEFORE_HISTORY and user.last_used:
            found.append(-1)  # used, as the admin, before the event history begins
    return min(found, default=None)
