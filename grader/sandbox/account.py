"""The simulated account's identity, kept in `GRADE_HOME/sandbox/account.json`.

Made once when the account is created (and again by `grade sandbox reset`):
the account id, the root user's e-mail and password, the seed from which
every id and secret is drawn, the moment the account was opened, and the
grader's own access key. The grader's key is not an IAM key: the learner
cannot see, deactivate or delete it, and its calls are not the learner's
activity.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import string
from dataclasses import asdict, dataclass
from pathlib import Path

from grader.errors import GradeError
from grader.paths import write_private

ACCOUNT_FILE = "account.json"
REGION = "us-east-1"


@dataclass(frozen=True)
class Account:
    """Everything that makes one simulated account itself."""

    account_id: str
    root_email: str
    root_password: str
    seed: int
    opened_at: str  # ISO 8601, UTC: when the account was "created"
    grader_key_id: str
    grader_secret: str
    region: str = REGION

    @property
    def opened(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.opened_at)

    @property
    def root_arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:root"


def new_account(now: dt.datetime | None = None) -> Account:
    """A fresh identity: random account id, root password, seed and grader key."""
    now = now or dt.datetime.now(dt.UTC)
    opened = (now - dt.timedelta(days=30)).replace(microsecond=0)
    alphabet = string.ascii_letters + string.digits
    upper = string.ascii_uppercase + "234567"
    return Account(
        account_id=str(secrets.randbelow(9 * 10**11) + 10**11),
        root_email="learner@example.com",
        root_password="Root-" + "".join(secrets.choice(alphabet) for _ in range(16)),
        seed=secrets.randbelow(2**31),
        opened_at=opened.isoformat(),
        grader_key_id="AKIAGRADER" + "".join(secrets.choice(upper) for _ in range(10)),
        grader_secret="".join(secrets.choice(alphabet) for _ in range(40)),
    )


def save_account(folder: Path, account: Account) -> None:
    write_private(folder / ACCOUNT_FILE, json.dumps(asdict(account), indent=2) + "\n")


def load_account(folder: Path) -> Account | None:
    """The saved account, None if there is none; a damaged file is an error."""
    path = folder / ACCOUNT_FILE
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        account = Account(**data)
        account.opened  # noqa: B018 - validates the timestamp
        int(account.account_id)
    except (ValueError, TypeError, json.JSONDecodeError) as error:
        raise GradeError(
            f"The simulated account's identity file {path} is damaged ({error}).",
            "Run `grade sandbox reset` to start a new account (your progress is kept).",
        ) from None
    return account
