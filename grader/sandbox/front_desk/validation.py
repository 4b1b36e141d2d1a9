"""Input AWS refuses before any service sees it, refused here the same way.

`refuse_invalid` runs for every authenticated request, after its signature is
checked and before it is authorized or run. It makes AWS's two checks, in
AWS's order:

1. the Region the request is signed for. The simulated account is an account
   of the `aws` partition. A Region of another partition (`cn-north-1`,
   `us-gov-west-1`, ...) is where its keys do not exist: AWS answers
   "The security token included in the request is invalid" (moto would
   instead create `arn:aws-cn` resources that the grader never sees). A name
   that is no Region at all (`moon-1`) is refused as AWS refuses a credential
   scope it does not serve: "Credential should be scoped to a valid region".
   The Regions are botocore's (`partitions.json`).
2. the parameters, against the constraints of the operation's input in AWS's
   own service model (botocore's, the one moto parsed the request with):
   string lengths and patterns, number ranges, enum values, list and map
   sizes, required members, at any depth. AWS's answer is one message for all
   that is wrong: "2 validation errors detected: Value at 'tags.1.member.value'
   failed to satisfy constraint: Member must have length less than or equal
   to 256; ..." (code `ValidationError` for the query protocol, HTTP 400;
   `ValidationException` for JSON). Member paths are the members' names with
   a lower-case first letter, list items are `NAME.N.member`, counted from 1.
   Most services show the value (`Value 'x' at 'name'`); IAM no longer does
   (`Value at 'userName'`), nor does any service for a sensitive member.
   IAM answers a name or path outside its characters in words of its own
   ("The specified value for userName is invalid. It must contain only
   alphanumeric characters and/or the following: +=,.@_-"), once nothing else
   is wrong.

What the model does not say (IAM's quotas on policy sizes and tags per
resource) is IAM's own business: `grader.sandbox.services.iam`.

AWS's patterns are Java regular expressions, matched against the whole
value; they are translated for Python's `re` by `java_patterns`, and a pattern
that cannot be translated is not checked.

A request being replayed from the record is not judged again: what the record
says was accepted stays accepted.

Sources (the wording of each message): AWS answers quoted in public issues
and logs: IAM's nixops#328 (the XML, `Sender`, `ValidationError`),
aws/eks-hybrid#113 (2024: `Value at 'roleName'`, no value shown), IAM tag
errors (`tags.6.member.value`, `Value at 'tags' ... less than or equal to
50`), openshift/rosa and CloudFormation logs for "The specified value for
roleName is invalid ..."; "Credential should be scoped to a valid region,
not 'ap-southeast-2'. " (cognitect-labs/aws-api#27, JuliaCloud/AWS.jl#565).
"""

from __future__ import annotations

import functools
import re
from typing import Any

from werkzeug.wrappers import Response

from grader.sandbox.front_desk import aws_errors
from grader.sandbox.front_desk.java_patterns import java_pattern
from grader.sandbox.history.record import REPLAYING

# Services that no longer show the value that failed (IAM, since 2024 at least).
_QUIET = frozenset({"iam"})

_NAME = ("The specified value for {member} is invalid. It must contain only "
         "alphanumeric characters and/or the following: +=,.@_-")
_PATH = ("The specified value for {member} is invalid. It must begin and end with / "
         "and contain only alphanumeric characters and/or / characters.")
# IAM's own words for its names and paths (the model's pattern, then the message).
_OWN_MESSAGES = {
    ("iam", r"[\w+=,.@-]+"): _NAME,
    ("iam", r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)"): _PATH,
}


def refuse_invalid(service: str, operation: str, parameters: dict[str, Any],
                   region: str) -> Response | None:
    """AWS's error response for input AWS would refuse; None when the input is acceptable."""
    if REPLAYING.get() or not operation:
        return None
    rule = _input_rule(service, operation)
    if rule is None:
        return None
    found = _Found(echo=service not in _QUIET)
    _check(rule, parameters, "", found)
    if found.errors:
        count = len(found.errors)
        message = (f"{count} validation error{'s' if count > 1 else ''} detected: "
                   + "; ".join(found.errors))
        code = "ValidationException" if aws_errors.protocol_of(service) == "json" \
            else "ValidationError"
        return aws_errors.error_response(service, 400, code, message)
    if found.own:
        return aws_errors.error_response(service, 400, "ValidationError", found.own[0])
    return None


# -- 1. the Region ------------------------------------------------------------

@functools.cache
def _partitions() -> tuple[frozenset[str], tuple[tuple[str, frozenset[str], re.Pattern[str]], ...]]:
    """(the `aws` partition's Regions, (id, Regions, Region pattern) of the others)."""
    from botocore.loaders import create_loader

    data = create_loader().load_data("partitions")
    ours: frozenset[str] = frozenset()
    others = []
    for partition in data["partitions"]:
        regions = frozenset(r for r in partition["regions"] if not r.endswith("-global"))
        if partition["id"] == "aws":
            ours = regions
        else:
            others.append((partition["id"], regions, re.compile(partition["regionRegex"])))
    return ours, tuple(others)


def refuse_region(service: str, region: str) -> Response | None:
    """AWS's answer to a request signed for a Region outside the `aws` partition, or for
    no Region at all; None for the `aws` partition's Regions."""
    ours, others = _partitions()
    if region in ours:
        return None
    protocol = aws_errors.protocol_of(service)
    for partition, regions, pattern in others:
        if region in regions or pattern.match(region):
            note = (f" The simulated account is an account of the aws partition, where its keys "
                    f"exist; {region} is a Region of the {partition} partition. Sign your "
                    "requests for a Region of the aws partition, such as us-east-1.")
            if service == "s3":
                return aws_errors.error_response(
                    service, 403, "InvalidAccessKeyId",
                    "The AWS Access Key Id you provided does not exist in our records." + note)
            if protocol == "json":
                return aws_errors.error_response(service, 400, "UnrecognizedClientException",
                                                 aws_errors.INVALID_TOKEN + note)
            return aws_errors.error_response(service, 403, "InvalidClientTokenId",
                                             aws_errors.INVALID_TOKEN + note)
    if service == "s3":
        return aws_errors.error_response(
            service, 400, "AuthorizationHeaderMalformed",
            f"The authorization header is malformed; the region '{region}' is wrong; "
            "expecting 'us-east-1'")
    # AWS's message ends with a space.
    message = f"Credential should be scoped to a valid region, not '{region}'. "
    if protocol == "json":
        return aws_errors.error_response(service, 400, "InvalidSignatureException", message)
    return aws_errors.error_response(service, 403, "SignatureDoesNotMatch", message)


# -- 2. the parameters: the model's constraints, compiled once per operation --

class _Rule:
    """The constraints of one shape of the model."""

    __slots__ = ("enum", "key", "kind", "max", "member", "members", "min", "own",
                 "pattern", "pattern_text", "required", "scalar", "sensitive", "value")

    def __init__(self, kind: str, metadata: dict[str, Any]) -> None:
        self.kind = kind
        self.scalar = kind not in ("structure", "list", "map")
        self.min: int | float | None = metadata.get("min")
        self.max: int | float | None = metadata.get("max")
        self.sensitive = bool(metadata.get("sensitive"))
        self.enum: tuple[str, ...] = ()
        self.pattern: re.Pattern[str] | None = None
        self.pattern_text = ""
        self.own: str | None = None
        self.members: tuple[tuple[str, str, _Rule], ...] = ()
        self.required: frozenset[str] = frozenset()
        self.member: _Rule | None = None
        self.key: _Rule | None = None
        self.value: _Rule | None = None


@functools.cache
def _input_rule(service: str, operation: str) -> _Rule | None:
    """The rule of an operation's input; None when the service's errors are not
    in a protocol the front desk answers in (query, JSON) or it has no input."""
    from moto.core.utils import get_service_model

    try:
        model = get_service_model(service)
        shape = model.operation_model(operation).input_shape
    except Exception:
        return None
    if shape is None or model.protocol not in ("query", "json") \
            or model.protocol != aws_errors.protocol_of(service):
        return None
    return _rule(service, shape, _SHAPES.setdefault(service, {}))


_SHAPES: dict[str, dict[str, _Rule]] = {}  # per service, its shapes' rules by name


def _rule(service: str, shape: Any, memo: dict[str, _Rule]) -> _Rule:
    found = memo.get(shape.name)
    if found is not None:
        return found
    rule = _Rule(shape.type_name, shape.metadata)
    memo[shape.name] = rule  # before the members: shapes may contain themselves
    if shape.type_name == "string":
        rule.enum = tuple(getattr(shape, "enum", None) or ())
        text = shape.metadata.get("pattern")
        if text:
            rule.pattern_text = text
            rule.pattern = java_pattern(text)
            rule.own = _OWN_MESSAGES.get((service, text))
    elif shape.type_name == "structure":
        rule.members = tuple((name, name[:1].lower() + name[1:], _rule(service, member, memo))
                             for name, member in shape.members.items())
        rule.required = frozenset(shape.required_members)
    elif shape.type_name == "list":
        rule.member = _rule(service, shape.member, memo)
    elif shape.type_name == "map":
        rule.key = _rule(service, shape.key, memo)
        rule.value = _rule(service, shape.value, memo)
    return rule


# -- checking a request against its rule ----------------------------------------

_MISSING = object()


class _Found:
    """What is wrong with a request, in AWS's words."""

    def __init__(self, echo: bool) -> None:
        self.echo = echo
        self.errors: list[str] = []
        self.own: list[str] = []

    def add(self, rule: _Rule, value: Any, path: str, constraint: str) -> None:
        shown = _show(value) if self.echo and not rule.sensitive else None
        if value is _MISSING and self.echo:
            at = "Value null at"
        elif shown is None:
            at = "Value at"
        else:
            at = f"Value '{shown}' at"
        self.errors.append(f"{at} '{path}' failed to satisfy constraint: {constraint}")


def _check(rule: _Rule, value: Any, path: str, found: _Found) -> None:
    if rule.scalar:
        for constraint in _broken(rule, value):
            if constraint is None:  # the member's own words (IAM's names and paths)
                found.own.append(str(rule.own).format(member=path.rsplit(".", 1)[-1]))
            else:
                found.add(rule, value, path, constraint)
    elif rule.kind == "structure":
        if not isinstance(value, dict):
            return
        for name, wire, member in rule.members:
            item = value.get(name)
            where = f"{path}.{wire}" if path else wire
            if item is None:
                if name in rule.required:
                    found.add(member, _MISSING, where, "Member must not be null")
            else:
                _check(member, item, where, found)
    elif rule.kind == "list" and isinstance(value, list):
        for constraint in _sizes(rule, len(value)):
            found.add(rule, value, path, constraint)
        each = rule.member
        assert each is not None
        if each.scalar:
            if any(_broken(each, item) for item in value):
                found.add(rule, value, path, "Member must satisfy constraint: "
                          f"[{', '.join(_constraints(each))}]")
        else:
            for index, item in enumerate(value, 1):
                _check(each, item, f"{path}.{index}.member", found)
    elif rule.kind == "map" and isinstance(value, dict):
        for constraint in _sizes(rule, len(value)):
            found.add(rule, value, path, constraint)
        for part, items, name in ((rule.key, value.keys(), "keys"),
                                  (rule.value, value.values(), "value")):
            if part is not None and part.scalar and any(_broken(part, item) for item in items):
                found.add(rule, value, path, f"Map {name} must satisfy constraint: "
                          f"[{', '.join(_constraints(part))}]")


def _broken(rule: _Rule, value: Any) -> list[str | None]:
    """The constraints a scalar breaks, in AWS's order (None: the member's own words)."""
    if rule.kind == "string":
        text = value if isinstance(value, str) else str(value)
        broken: list[str | None] = list(_sizes(rule, len(text)))
        if rule.pattern is not None and rule.pattern.fullmatch(text) is None:
            broken.append(None if rule.own else
                          f"Member must satisfy regular expression pattern: {rule.pattern_text}")
        if rule.enum and text not in rule.enum:
            broken.append(f"Member must satisfy enum value set: [{', '.join(rule.enum)}]")
        return broken
    if rule.kind in ("integer", "long", "float", "double") and not isinstance(value, bool):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return []
        broken = []
        if rule.min is not None and number < rule.min:
            broken.append(f"Member must have value greater than or equal to {rule.min}")
        if rule.max is not None and number > rule.max:
            broken.append(f"Member must have value less than or equal to {rule.max}")
        return broken
    if rule.kind == "blob" and isinstance(value, (bytes, str)):
        return list(_sizes(rule, len(value)))
    return []


def _sizes(rule: _Rule, size: int) -> list[str]:
    if rule.min is not None and size < rule.min:
        return [f"Member must have length greater than or equal to {rule.min}"]
    if rule.max is not None and size > rule.max:
        return [f"Member must have length less than or equal to {rule.max}"]
    return []


def _constraints(rule: _Rule) -> list[str]:
    """All the constraints of a scalar, as AWS lists them for the items of a list or map."""
    noun = "value" if rule.kind in ("integer", "long", "float", "double") else "length"
    listed = []
    if rule.max is not None:
        listed.append(f"Member must have {noun} less than or equal to {rule.max}")
    if rule.min is not None:
        listed.append(f"Member must have {noun} greater than or equal to {rule.min}")
    if rule.pattern is not None:
        listed.append(f"Member must satisfy regular expression pattern: {rule.pattern_text}")
    if rule.enum:
        listed.append(f"Member must satisfy enum value set: [{', '.join(rule.enum)}]")
    return listed


def _show(value: Any) -> str | None:
    """A value as AWS (Java) prints it; None for what it does not print."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list):
        items = [_show(item) for item in value]
        return None if None in items else f"[{', '.join(str(i) for i in items)}]"
    if isinstance(value, dict):
        pairs = [(_show(k), _show(v)) for k, v in value.items()]
        if any(k is None or v is None for k, v in pairs):
            return None
        return "{" + ", ".join(f"{k}={v}" for k, v in pairs) + "}"
    return None
