"""Whether a resource policy is *public*, as S3's Block Public Access judges it.

AWS calls a bucket policy public when one of its Allow statements grants
something to everyone (`"Principal": "*"`, or `{"AWS": "*"}`) without pinning
the request to fixed values: a condition on a known, non-wildcard value of
one of the keys below makes the statement non-public (Amazon S3 User Guide,
"The meaning of 'public'"). An IP range counts only when it is not all of
the internet (`0.0.0.0/0`, `::/0`).
"""

from __future__ import annotations

from typing import Any

from grader.policy.document import parse_document, statements, values

# Condition keys whose fixed values restrict who can use a grant to everyone.
FIXING_KEYS = frozenset({
    "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceowner",
    "aws:sourceaccount", "aws:principalaccount", "aws:principalarn", "aws:principalorgid",
    "aws:userid", "aws:sourceip", "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:datasourceaccount", "aws:principalservicename", "aws:principalservicenameslist",
})
_EVERYWHERE = {"0.0.0.0/0", "::/0"}
_NEGATIONS = ("StringNotEquals", "StringNotLike", "ArnNotEquals", "ArnNotLike",
              "NotIpAddress", "ForAnyValue:StringNotEquals", "ForAllValues:StringNotEquals")


def _to_everyone(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    return isinstance(principal, dict) and "*" in values(principal.get("AWS"))


def _fixed(condition: dict[str, Any]) -> bool:
    """Whether the statement's conditions pin it to fixed values of a restricting key."""
    for operator, clauses in condition.items():
        if not isinstance(clauses, dict) or operator.startswith(_NEGATIONS) \
                or operator.endswith("IfExists"):
            continue
        for key, given in clauses.items():
            if key.lower() not in FIXING_KEYS:
                continue
            given_values = values(given)
            if not given_values or any("*" in v for v in given_values):
                continue
            if key.lower() == "aws:sourceip" and set(given_values) & _EVERYWHERE:
                continue
            return True
    return False


def public_statements(policy: Any) -> list[dict[str, Any]]:
    """The Allow statements of `policy` that make it public."""
    found = []
    for statement in statements(parse_document(policy)):
        if statement.get("Effect") != "Allow" or not _to_everyone(statement):
            continue
        if not _fixed(statement.get("Condition") or {}):
            found.append(statement)
    return found


def is_public(policy: Any) -> bool:
    return bool(public_statements(policy))
