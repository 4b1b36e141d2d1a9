"""Facts a quiz question can ask about the account, read at grading time.

Both are read from the `<root_account>` row of the credential report, which
any identity allowed to read IAM (an IAM administrator) can read, whether or
not root still has keys:

- `root-access-keys-present`: `yes` when a key exists (its
  `access_key_N_last_rotated` is a date), else `no`;
- `root-access-key-last-used`: the latest `access_key_N_last_used_date` of
  root's current keys as YYYY-MM-DD, or `none` when the report shows no use
  (root has no keys, or has never used them; a deleted key's uses are not
  in the report).
"""

from __future__ import annotations

import datetime as dt
import re

_YES_NO = {"yes": "yes", "y": "yes", "true": "yes", "no": "no", "n": "no", "false": "no"}
# Ways of saying "the report shows no use of a current root key".
NO_USE = frozenset({
    "none", "never", "no", "n/a", "na", "nil", "null", "-", "no keys", "no key",
    "no access keys", "no access key", "no root keys", "no root access keys",
    "no date", "not used", "never used", "unused", "no use", "nothing",
})
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:$|[t ])")


def _plain(value: str) -> str:
    """Lower case, single spaces, without quotes or a final full stop around it."""
    return " ".join(value.strip().strip("`'\".").lower().split())


def normalise(fact: str, value: str) -> str:
    """A learner's answer in the form the fact is compared in."""
    text = _plain(value)
    if fact == "root-access-keys-present":
        return _YES_NO.get(text, text)
    if text in NO_USE:
        return "none"
    found = _DATE.match(text)
    return found.group(1) if found else text


def problem(fact: str, value: str) -> str:
    """Why `value` is not an answer of the fact's form ("" when it is one)."""
    text = normalise(fact, value)
    if fact == "root-access-keys-present":
        return "" if text in ("yes", "no") else "answer yes or no"
    if text == "none":
        return ""
    try:
        if _DATE.match(text):
            dt.date.fromisoformat(text)
            return ""
    except ValueError:
        return f"{text} is not a day of the calendar; answer YYYY-MM-DD, or none"
    return "answer with a date, YYYY-MM-DD, or none"


def read_fact(fact: str, row: dict[str, str]) -> str:
    """The account's true value, from root's credential report row, normalised."""
    if fact == "root-access-keys-present":
        present = any(row.get(f"access_key_{n}_last_rotated", "N/A") != "N/A" for n in (1, 2))
        return "yes" if present else "no"
    dates = sorted(row.get(f"access_key_{n}_last_used_date", "N/A")[:10] for n in (1, 2)
                   if row.get(f"access_key_{n}_last_used_date", "N/A") != "N/A")
    return dates[-1] if dates else "none"
