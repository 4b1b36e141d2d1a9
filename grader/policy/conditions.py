"""IAM condition operators, as AWS documents them.

A condition block is `{operator: {key: value(s)}}`; every operator and every
key must match (AND), any value of a key may match (OR). `...IfExists`
makes a missing key match; `ForAnyValue:` / `ForAllValues:` compare sets.
A key missing from the request makes any other operator fail, except `Null`.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import ipaddress
from collections.abc import Callable
from typing import Any

Context = dict[str, list[str]]


def _like(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def _number(text: str) -> float:
    return float(text)


def _date(text: str) -> dt.datetime:
    if text.replace(".", "", 1).isdigit():
        return dt.datetime.fromtimestamp(float(text), dt.UTC)
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _ip(value: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


# operator -> (does one request value match one policy value?)
_MATCH: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda v, p: v == p,
    "StringEqualsIgnoreCase": lambda v, p: v.lower() == p.lower(),
    "StringLike": lambda v, p: _like(p, v),
    "NumericEquals": lambda v, p: _number(v) == _number(p),
    "NumericLessThan": lambda v, p: _number(v) < _number(p),
    "NumericLessThanEquals": lambda v, p: _number(v) <= _number(p),
    "NumericGreaterThan": lambda v, p: _number(v) > _number(p),
    "NumericGreaterThanEquals": lambda v, p: _number(v) >= _number(p),
    "DateEquals": lambda v, p: _date(v) == _date(p),
    "DateLessThan": lambda v, p: _date(v) < _date(p),
    "DateLessThanEquals": lambda v, p: _date(v) <= _date(p),
    "DateGreaterThan": lambda v, p: _date(v) > _date(p),
    "DateGreaterThanEquals": lambda v, p: _date(v) >= _date(p),
    "Bool": lambda v, p: v.lower() == p.lower(),
    "BinaryEquals": lambda v, p: v == p,
    "IpAddress": _ip,
    "ArnEquals": lambda v, p: _like(p, v),
    "ArnLike": lambda v, p: _like(p, v),
}
# negated operator -> the operator it negates
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


class UnknownOperator(ValueError):
    pass


def _values(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).lower() if isinstance(v, bool) else str(v) for v in value]
    return [str(value).lower() if isinstance(value, bool) else str(value)]


def _key_matches(operator: str, key: str, wanted: list[str], context: Context) -> bool:
    qualifier = ""
    if ":" in operator and operator.split(":", 1)[0] in {"ForAnyValue", "ForAllValues"}:
        qualifier, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    present = context.get(key.lower())
    if base == "Null":
        is_null = present is None or present == []
        return any(is_null == (w.lower() == "true") for w in wanted)
    if not present:
        if qualifier == "ForAllValues":
            return True
        return if_exists
    negate = base in _NEGATED
    match = _MATCH.get(_NEGATED.get(base, base))
    if match is None:
        raise UnknownOperator(operator)

    def one(value: str) -> bool:
        hit = any(match(value, w) for w in wanted)
        return not hit if negate else hit

    if qualifier == "ForAllValues":
        return all(one(v) for v in present)
    return any(one(v) for v in present)


def conditions_hold(block: dict[str, dict[str, Any]], context: Context,
                    substitute: Callable[[str], str]) -> bool:
    """True when every operator and key of a Condition block matches the request."""
    for operator, keys in block.items():
        for key, value in keys.items():
            wanted = [substitute(v) for v in _values(value)]
            if not _key_matches(operator, key, wanted, context):
                return False
    return True
