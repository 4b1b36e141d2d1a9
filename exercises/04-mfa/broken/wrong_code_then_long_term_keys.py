"""GetSessionToken with a wrong code is refused; the work is then done with the
long-term key, which the policy denies.

fails: mfa-session-used
"""
from contextlib import suppress

import _steps as s
from botocore.exceptions import ClientError

s.root_mfa()
serial, phone = s.create_device()
s.enable_device(serial, phone)
s.require_mfa()
right = phone.code()
with suppress(ClientError):
    s.mfa_session(serial, f"{(int(right) + 1) % 1_000_000:06d}")
with suppress(ClientError):
    s.everyday_work(s.me())  # refused: no MFA
