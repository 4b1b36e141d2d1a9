"""Since when a user has been an admin the way the account has it now, from the event history.

Exercise 03 asks "once your IAM admin user was in use, did root do only
root-only tasks?". "In use" means used *as the admin*: a learner who tries
the new user's password before the group is finished, then finishes the
group as root, has not switched yet. So the switch is the user's first
successful call after the last of the events that made it the admin it is
now: the user's creation, its password, its joining the admin group, the
group's creation, and the group's admin policy (the policies it needs; a
later, unneeded policy does not move the moment, or root could hide work
behind it). An event older than the history counts as "before it began".
"""

from __future__ import annotations

from collections.abc import Iterable

from grader.checks.activity import Activity
from grader.checks.iam_state import Group, IamState, User
from grader.policy.full_admin import grants_full_admin

BEFORE_HISTORY = -1  # an index before the first event


def _last(activity: list[Activity], name: str, **params: str) -> int:
    """The index of the last successful `name` event with these parameters."""
    for index in range(len(activity) - 1, -1, -1):
        event = activity[index]
        if event.name == name and event.succeeded and all(
                str(event.parameters.get(key, "")) == value for key, value in params.items()):
            return index
    return BEFORE_HISTORY


def _policy_set_at(activity: list[Activity], group: Group, names: Iterable[str]) -> int:
    at = BEFORE_HISTORY
    by_name = {p.name: p for p in group.policies}
    for name in names:
        policy = by_name[name]
        if policy.arn:
            at = max(at, _last(activity, "AttachGroupPolicy", groupName=group.name,
                               policyArn=policy.arn))
        else:
            at = max(at, _last(activity, "PutGroupPolicy", groupName=group.name,
                               policyName=policy.name))
    return at


def admin_policy_at(activity: list[Activity], group: Group) -> int:
    """When the group got the policies its admin rights rest on."""
    documents = {p.name: p.document for p in group.policies}
    alone = [name for name, document in documents.items() if grants_full_admin([document])]
    if alone:  # any one of them would do: the first of them to arrive counts
        return min(_policy_set_at(activity, group, [name]) for name in alone)
    needed = [name for name in documents
              if not grants_full_admin(d for n, d in documents.items() if n != name)]
    return _policy_set_at(activity, group, needed or list(documents))


def admin_since(activity: list[Activity], state: IamState, user: User,
                admin_groups: list[str]) -> int:
    """The index of the last event that made `user` the admin it is now (through the
    earliest-complete of its admin groups); BEFORE_HISTORY when all of it is older."""
    own = max(_last(activity, "CreateUser", userName=user.name),
              _last(activity, "CreateLoginProfile", userName=user.name))
    through_groups = []
    for name in admin_groups:
        group = state.groups[name]
        through_groups.append(max(
            _last(activity, "CreateGroup", groupName=name),
            _last(activity, "AddUserToGroup", groupName=name, userName=user.name),
            admin_policy_at(activity, group),
        ))
    return max(own, min(through_groups, default=BEFORE_HISTORY))


def first_use_as_admin(activity: list[Activity], user: User, since: int) -> int | None:
    """The index of the user's first successful call after `since` (None: not yet)."""
    return next((index for index in range(since + 1, len(activity))
                 if activity[index].identity_type == "IAMUser"
                 and activity[index].user_name == user.name and activity[index].succeeded),
                None)
