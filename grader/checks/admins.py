"""Who the learner's IAM admin user is: exercise 03's definition, which later exercises
(04's MFA) build on.

An admin user has a console password and gets full administrator permissions
from a group (`grants_full_admin`: a Deny that applies only without MFA does
not count against it), not from policies attached to the user itself, with
no permissions boundary or other policy taking some of it away.
"""

from __future__ import annotations

from grader.checks.iam_state import IamState, User
from grader.policy.full_admin import grants_full_admin


def users_with_password(state: IamState) -> list[User]:
    return [u for u in state.users.values() if u.has_password]


def admin_groups_of(state: IamState, user: User) -> list[str]:
    return [g for g in user.groups if g in state.groups and state.groups[g].full_admin]


def admin_problems(state: IamState, user: User) -> list[str]:
    """Why `user` is not an admin through its group (empty when it is)."""
    problems = []
    if not admin_groups_of(state, user):
        problems.append(f"user {user.name} is not in a group with full administrator "
                        "permissions")
    direct = [p.name for p in user.policies if grants_full_admin([p.document])]
    if direct:
        problems.append(f"user {user.name} also gets admin rights from "
                        f"{', '.join(direct)} attached to the user itself")
    if user.boundary and not grants_full_admin([user.boundary.document]):
        problems.append(f"user {user.name}'s permissions boundary {user.boundary.name} "
                        "limits what the group grants")
    every_policy = [p.document for p in user.policies] + [
        p.document for g in user.groups if g in state.groups for p in state.groups[g].policies]
    if not problems and not grants_full_admin(every_policy):
        problems.append(f"another policy of user {user.name} (on the user or in one of its "
                        "groups) denies some actions, so the user is not a full admin")
    return problems


def admin_users(state: IamState) -> list[User]:
    """The users who could be the learner's admin: password, admin through a group."""
    return [u for u in users_with_password(state) if not admin_problems(state, u)]
