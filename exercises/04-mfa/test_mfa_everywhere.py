"""Checks for 04-mfa: MFA on root, on your IAM admin user, and required by policy.

"Your IAM admin user" is exercise 03's (`grader.checks.admins`): a user with a
console password who is a full admin through a group. Any user, group,
device or policy name passes, and so does any way of doing it (the AWS CLI,
boto3, a notebook, the console). The policy is judged by evaluating it
(`grader.policy`), as AWS would for the requests an admin makes, not by
its wording: AWS's documented "deny everything except managing your own
MFA unless signed in with MFA" policy passes, and so does any policy with
the same effect.
"""

from __future__ import annotations

from grader.checks import check
from grader.checks.activity import Activity
from grader.checks.admins import admin_groups_of, admin_users
from grader.checks.iam_state import IamState, User
from grader.checks.mfa_requirement import (
    mfa_problems,
    mfa_required_since,
    only_mfa_lets_through,
    users_own,
)
from grader.checks.mfa_state import MfaState

NO_ADMIN = "no IAM admin user from exercise 03 yet (a user with a console password, admin " \
           "through a group)"


@check(
    id="root-has-mfa",
    title="The root user signs in with MFA",
    why="Root can do anything in the account and no policy limits it: its password alone "
        "must never be enough. AWS now requires MFA for root.",
    hint="In the console, as root: `grade console root-mfa create`, scan the QR code, then "
         "`grade console root-mfa enable CODE1 CODE2` (or add a passkey in the web console).",
)
def test_root_has_mfa(mfa_state: MfaState) -> None:
    waiting = mfa_state.unassigned_named("root")
    assert mfa_state.root_has_mfa, (
        "the root user has no MFA device" + (
            f" ({', '.join(waiting)} was created but never enabled: enable it with two "
            "consecutive codes)" if waiting else ""))


@check(
    id="admin-has-mfa",
    title="Your IAM admin user has an MFA device",
    why="A password can be phished or guessed; with MFA, a stolen password alone does not "
        "open the account.",
    hint="Create a virtual MFA device (`aws iam create-virtual-mfa-device --outfile qr.png "
         "--bootstrap-method QRCodePNG`), add it to your app (or `grade authenticator add`), "
         "then `aws iam enable-mfa-device` with two consecutive codes.",
)
def test_admin_has_mfa(iam_state: IamState, mfa_state: MfaState) -> None:
    admins = admin_users(iam_state)
    assert admins, NO_ADMIN
    if any(mfa_state.devices.get(u.name) for u in admins):
        return
    waiting = [s for u in admins for s in mfa_state.unassigned_named(u.name)]
    names = ", ".join(u.name for u in admins)
    assert not waiting, (f"{', '.join(waiting)} was created but never enabled for {names}: "
                         "enable it with two consecutive codes from the device")
    raise AssertionError(f"IAM admin user {names} has no MFA device")


@check(
    id="admin-group-requires-mfa",
    title="Your admin group denies everything but setting up MFA to anyone without MFA",
    why="MFA protects only if it is required: without such a policy, a stolen password or "
        "access key still does everything your admin user can.",
    hint="Attach to the admin group a policy that denies all actions except managing your own "
         "MFA device (NotAction) with the condition BoolIfExists aws:MultiFactorAuthPresent "
         "false. `Bool` is not enough: long-term access keys send no such key at all.",
)
def test_admin_group_requires_mfa(iam_state: IamState) -> None:
    admins = admin_users(iam_state)
    assert admins, NO_ADMIN
    problems = {u.name: mfa_problems(iam_state, u) for u in admins}
    if any(not found for found in problems.values()):
        return
    raise AssertionError("; ".join(f"{p}" for found in problems.values() for p in found[:2]))


@check(
    id="mfa-session-used",
    title="You worked as your admin user in an MFA session once the policy was in place",
    why="Setting MFA up is half the job: working with it (an MFA session: your MFA "
        "profile's role session, or GetSessionToken's) is what the policy now requires of "
        "every admin.",
    hint="Use your MFA profile (`export AWS_PROFILE=sandbox-mfa`: `role_arn` of a role that "
         "requires MFA, `source_profile` of your key, `mfa_serial` of your device): the AWS "
         "CLI asks for a code once, then `aws s3 ls` works for an hour. Or get a session by "
         "hand: `aws sts get-session-token --serial-number YOUR-DEVICE-ARN --token-code "
         "CODE`, and export its three values.",
)
def test_mfa_session_used(iam_state: IamState, activity: list[Activity]) -> None:
    admins = admin_users(iam_state)
    assert admins, NO_ADMIN
    reasons = []
    for user in admins:
        since = mfa_required_since(activity, iam_state, user)
        if since is None:
            reasons.append(f"no policy of {user.name}'s admin group requires MFA yet")
            continue
        later = activity[since + 1:]
        if any(only_mfa_lets_through(iam_state, user, event) for event in later):
            return
        reasons.append(_why_no_session(user, later))
    raise AssertionError("; ".join(reasons))


SESSION_CALLS = ("GetSessionToken", "AssumeRole")


def _why_no_session(user: User, later: list[Activity]) -> str:
    own = [a for a in later if users_own(user, a)]
    refused = [a for a in own if a.name in SESSION_CALLS and not a.succeeded]
    denied = [a for a in own if not a.succeeded and a.name not in SESSION_CALLS]
    said = (f"{user.name} has made no successful everyday call in an MFA session since the "
            "policy requiring MFA was put in place")
    if refused:
        said += (f" ({len(refused)} {' or '.join(sorted({a.name for a in refused}))} with an "
                 "MFA code refused: AWS says \"invalid MFA one time pass code\" both for a "
                 "wrong code and for a code already used once; wait for the next code, or "
                 "check that the device is the user's, or the role's trust policy)")
    if denied:
        said += f"; calls refused for lack of MFA: {', '.join(a.describe() for a in denied[:2])}"
    return said


@check(
    id="admin-mfa-enabled-with-its-codes",
    title="Your admin user's MFA device was enabled with codes from its own seed",
    why="A device proves who you are only if its codes come from the secret you keep in your "
        "app; a device whose enabling was refused protects nothing.",
    hint="Enable the device with two consecutive codes shown by the app that scanned its QR "
         "code (`aws iam enable-mfa-device --authentication-code1 ... "
         "--authentication-code2 ...`). If enabling was refused, wait for the next code.",
)
def test_admin_mfa_enabled_with_its_codes(iam_state: IamState, mfa_state: MfaState,
                                          activity: list[Activity]) -> None:
    admins = admin_users(iam_state)
    assert admins, NO_ADMIN
    refused: list[str] = []
    for user in admins:
        for serial in mfa_state.devices.get(user.name, []):
            enables = [a for a in activity if a.name == "EnableMFADevice"
                       and a.parameters.get("serialNumber") == serial
                       and a.parameters.get("userName") == user.name]
            if enables and enables[-1].succeeded:
                return
            refused += [f"{serial} ({a.describe()}: refused)" for a in enables
                        if not a.succeeded]
    assert not refused, "enabling was refused for " + ", ".join(refused[:3])
    names = ", ".join(u.name for u in admins)
    groups = ", ".join(g for u in admins for g in admin_groups_of(iam_state, u))
    raise AssertionError(f"the event history holds no successful EnableMFADevice of a device "
                         f"that {names} (admin through {groups}) uses now")
