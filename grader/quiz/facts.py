"""Facts a quiz question can ask about the account, read at grading time."""

from __future__ import annotations

import re


def normalise(fact: str, value: str) -> str:
    """A learner's answer in the form the fact is compared in."""
    text = value.strip().lower()
    if fact == "root-access-keys-present":
        return {"yes": "yes", "y": "yes", "true": "yes", "no": "no", "n": "no",
                "false": "no"}.get(text, text)
    found = re.match(r"^(\d{4}-\d{2}-\d{2})", text)
    return found.group(1) if found else text


def read_fact(fact: str, row: dict[str, str]) -> str:
    """The account's true value, from root's credential report row, normalised."""
    if fact == "root-access-keys-present":
        present = any(row.get(f"access_key_{n}_last_rotated", "N/A") != "N/A" for n in (1, 2))
        return "yes" if present else "no"
    dates = sorted(row.get(f"access_key_{n}_last_used_date", "N/A")[:10] for n in (1, 2)
                   if row.get(f"access_key_{n}_last_used_date", "N/A") != "N/A")
    return dates[-1] if dates else "never"
