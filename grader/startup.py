"""Imports that `grade` and the simulated account skip, to start faster.

Some installed packages are imported only because another package finds
them installed, not because anything here needs them:

- botocore imports urllib3's pyOpenSSL shim whenever pyOpenSSL is installed
  (it is: the account's passkeys use `webauthn`, which needs it), pulling in
  pyOpenSSL and much of `cryptography`: about 0.1 s of every `grade`. Without
  the shim, botocore uses Python's own `ssl`, which is what it uses anyway
  when pyOpenSSL is absent.
- `time_machine` (the account's clock, in the simulated account's process)
  imports pytest to offer a pytest fixture: about 0.2 s of every start of
  the account. The account does run pytest, later, for its gradings
  (`grader.grading.in_account`), and imports it then, in the background.

Marking a module as absent in `sys.modules` makes its import fail with
ImportError, which both packages expect and handle.
"""

from __future__ import annotations

import sys


def skip_unused_imports(account: bool = False) -> None:
    """Call first thing in a process; `account` for the simulated account's server."""
    if "botocore" not in sys.modules:
        sys.modules.setdefault("urllib3.contrib.pyopenssl", None)  # type: ignore[arg-type]
    if account and "time_machine" not in sys.modules and "pytest" not in sys.modules:
        sys.modules["pytest"] = None  # type: ignore[assignment]
        try:
            import time_machine  # noqa: F401  (its pytest plugin skipped)
        finally:
            del sys.modules["pytest"]
