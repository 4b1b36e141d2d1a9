"""Does the admin group require MFA? Judged by evaluating its policies as AWS would.

AWS's documented policy "allows IAM users to self-manage an MFA device" and
denies everything else unless the request was made with MFA
(`BoolIfExists` `aws:MultiFactorAuthPresent` `false`). Any policy with the
same effect passes. The effect is tested on requests an admin makes:

- *everyday actions* in several services (`everyday`), made with long-term
  access keys (which carry no `aws:MultiFactorAuthPresent` at all) or in a
  session without MFA (`false`): the admin group's policies must deny each;
- the same actions in an MFA session (`true`, just begun): all the user's
  policies must allow each;
- setting up one's own MFA without MFA (`self_service`): allowed, or a
  learner could never get MFA in the first place. (sts:GetSessionToken is
  not among them: AWS does not let policies control it, an authentication
  operation, so it always works.)

The classic mistake, `Bool` instead of `BoolIfExists`, denies nothing to
long-term keys: the check says so.
"""

from __future__ import annotations

from typing import Any

from grader.checks.activity import Activity
from grader.checks.admin_since import BEFORE_HISTORY
from grader.checks.admins import admin_groups_of
from grader.checks.iam_state import IamState, Policy, User
from grader.policy import Request, evaluate

REGION = "us-east-1"


def _account(user: User) -> str:
    return user.arn.split(":")[4]


def everyday(user: User) -> list[tuple[str, str]]:
    """(action, resource): what an admin does every day, across services."""
    account = _account(user)
    return [
        ("s3:ListAllMyBuckets", "*"),
        ("s3:CreateBucket", "arn:aws:s3:::a-new-bucket"),
        ("iam:CreateUser", f"arn:aws:iam::{account}:user/a-new-user"),
        ("iam:AttachGroupPolicy", f"arn:aws:iam::{account}:group/a-group"),
        ("ec2:DescribeInstances", "*"),
        ("ec2:RunInstances", f"arn:aws:ec2:{REGION}:{account}:instance/*"),
        ("cloudtrail:CreateTrail", f"arn:aws:cloudtrail:{REGION}:{account}:trail/a-trail"),
        ("lambda:ListFunctions", "*"),
        ("dynamodb:ListTables", "*"),
        ("kms:CreateKey", "*"),
        ("budgets:ViewBudget", f"arn:aws:budgets::{account}:budget/a-budget"),
    ]


def self_service(user: User) -> list[tuple[str, str]]:
    """(action, resource): setting up one's own MFA device."""
    account = _account(user)
    return [
        ("iam:CreateVirtualMFADevice", f"arn:aws:iam::{account}:mfa/{user.name}"),
        ("iam:EnableMFADevice", user.arn),
        ("iam:ListMFADevices", user.arn),
    ]


def _context(user: User, mfa: str | None) -> dict[str, str]:
    context = {"aws:username": user.name, "aws:PrincipalArn": user.arn,
               "aws:PrincipalAccount": _account(user), "aws:PrincipalType": "User"}
    if mfa is not None:
        context["aws:MultiFactorAuthPresent"] = mfa
        if mfa == "true":
            context["aws:MultiFactorAuthAge"] = "0"
    return context


def group_policies(state: IamState, user: User) -> list[Policy]:
    """The policies of the groups that make `user` an admin."""
    return [p for g in admin_groups_of(state, user) for p in state.groups[g].policies]


def all_policies(state: IamState, user: User) -> list[dict[str, Any]]:
    return [p.document for p in user.policies] + [
        p.document for g in user.groups if g in state.groups for p in state.groups[g].policies]


def _decision(documents: list[dict[str, Any]], user: User, action: str, resource: str,
              mfa: str | None) -> str:
    boundary = [user.boundary.document] if user.boundary else None
    return evaluate(documents, Request(action, resource, _context(user, mfa)),
                    boundary).decision


def mfa_problems(state: IamState, user: User) -> list[str]:
    """Why `user`'s admin group does not require MFA the right way (empty: it does)."""
    groups = ", ".join(admin_groups_of(state, user)) or "(none)"
    own_group = [p.document for p in group_policies(state, user)]
    everything = all_policies(state, user)
    problems = []
    keys_through = [a for a, r in everyday(user)
                    if _decision(own_group, user, a, r, None) != "explicitDeny"]
    false_through = [a for a, r in everyday(user)
                     if _decision(own_group, user, a, r, "false") != "explicitDeny"]
    if keys_through and not false_through:
        problems.append(
            f"admin group {groups} denies {keys_through[0]} to sessions without MFA but not "
            "to long-term access keys, which carry no aws:MultiFactorAuthPresent key: use "
            "BoolIfExists, not Bool")
    elif keys_through:
        shown = ", ".join(keys_through[:3])
        problems.append(f"without MFA, admin group {groups} still allows {shown}"
                        + (f" and {len(keys_through) - 3} more" if len(keys_through) > 3
                           else "")
                        + " (every action but setting up MFA must be denied)")
    with_mfa_denied = [a for a, r in everyday(user)
                       if _decision(everything, user, a, r, "true") != "allowed"]
    if with_mfa_denied:
        problems.append(f"even with MFA, {user.name} may not {', '.join(with_mfa_denied[:3])}")
    locked_out = [a for a, r in self_service(user)
                  if _decision(everything, user, a, r, None) != "allowed"]
    if locked_out:
        problems.append(f"without MFA, {user.name} may not {', '.join(locked_out)}: nobody "
                        "could set up MFA in the first place")
    return problems


def _last_put(activity: list[Activity], group: str, policy: Policy) -> int:
    """The index of the last event that gave `group` this policy as it is now."""
    for index in range(len(activity) - 1, -1, -1):
        event = activity[index]
        if not event.succeeded:
            continue
        params = event.parameters
        if policy.arn is None:
            if event.name == "PutGroupPolicy" and params.get("groupName") == group and \
                    params.get("policyName") == policy.name:
                return index
        elif (event.name == "AttachGroupPolicy" and params.get("groupName") == group
              and params.get("policyArn") == policy.arn) or (
                event.name in {"CreatePolicyVersion", "SetDefaultPolicyVersion"}
                and params.get("policyArn") == policy.arn):
            return index
    return BEFORE_HISTORY


def _requires_mfa(policy: Policy, user: User) -> bool:
    """This policy alone denies an everyday action without MFA."""
    return any(_decision([policy.document], user, a, r, None) == "explicitDeny"
               for a, r in everyday(user))


def mfa_required_since(activity: list[Activity], state: IamState, user: User) -> int | None:
    """The index of the event that put the admin group's MFA requirement in place (the
    last change to a policy that requires it); None while no admin group requires MFA."""
    if mfa_problems(state, user):
        return None
    found = [_last_put(activity, g, p) for g in admin_groups_of(state, user)
             for p in state.groups[g].policies if _requires_mfa(p, user)]
    return max(found) if found else None


# CloudTrail's eventName -> IAM's action name, where they differ.
ACTION_OF_EVENT = {"s3:ListBuckets": "s3:ListAllMyBuckets"}


def action_of(event: Activity) -> str:
    name = f"{event.source.split('.')[0]}:{event.name}"
    return ACTION_OF_EVENT.get(name, name)


def in_mfa_session(event: Activity) -> bool:
    identity = event.record.get("userIdentity") or {}
    attributes = (identity.get("sessionContext") or {}).get("attributes") or {}
    return str(attributes.get("mfaAuthenticated", "")).lower() == "true"


def users_own(user: User, event: Activity) -> bool:
    """Whether `event` is `user`'s work: signed with their key or their own session, or
    through a role session they began (an MFA profile's: `role_arn` and `mfa_serial`)."""
    if event.identity_type == "IAMUser":
        return event.user_name == user.name
    return event.identity_type == "AssumedRole" and event.behind == user.arn


def only_mfa_lets_through(state: IamState, user: User, event: Activity) -> bool:
    """A successful call of `user`'s in an MFA session (GetSessionToken's, or a role's
    that they assumed with a code) that the admin group's policies would deny them
    without MFA: everyday work that MFA made possible."""
    if not (users_own(user, event) and event.succeeded and in_mfa_session(event)):
        return False
    own_group = [p.document for p in group_policies(state, user)]
    return _decision(own_group, user, action_of(event), "*", None) == "explicitDeny"
