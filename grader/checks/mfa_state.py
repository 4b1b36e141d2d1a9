"""Who has MFA in the account: the root user, and each IAM user's devices.

Read once per grading, with read-only calls, for the checks that ask for
the `mfa_state` fixture (exercise 04). Root's MFA is GetAccountSummary's
`AccountMFAEnabled` (virtual devices, security keys and passkeys alike);
a user's devices are ListMFADevices'; the devices nobody uses yet are
ListVirtualMFADevices' "Unassigned" ones (created, never enabled).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.checks.calls import call, pages
from grader.checks.iam_state import IamState
from grader.checks.target import Target


@dataclass
class MfaState:
    root_has_mfa: bool
    devices: dict[str, list[str]] = field(default_factory=dict)  # user -> serial numbers
    unassigned: list[str] = field(default_factory=list)  # virtual devices nobody uses

    def unassigned_named(self, name: str) -> list[str]:
        """Unassigned devices whose name contains `name` (a user's, or root's)."""
        return [s for s in self.unassigned if name.lower() in s.rsplit("/", 1)[-1].lower()]


def collect(target: Target, iam_state: IamState) -> MfaState:
    iam = target.client("iam")
    summary = call(iam, "get_account_summary")["SummaryMap"]
    state = MfaState(root_has_mfa=bool(summary.get("AccountMFAEnabled")))
    for name in iam_state.users:
        state.devices[name] = [d["SerialNumber"] for d in
                               pages(iam, "list_mfa_devices", "MFADevices", UserName=name)]
    state.unassigned = [d["SerialNumber"] for d in
                        pages(iam, "list_virtual_mfa_devices", "VirtualMFADevices",
                              AssignmentStatus="Unassigned")]
    return state
