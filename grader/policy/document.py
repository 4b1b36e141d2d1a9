"""A policy document's text as data: the one parser of IAM policies in the project.

AWS hands policy documents back as JSON, sometimes URL-encoded (IAM's
GetUserPolicy, GetPolicyVersion); learners write them as JSON. A
`Statement` may be one object or a list of them.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any


def parse_document(document: Any) -> dict[str, Any]:
    """A policy document as a dict, whether given as a dict, JSON or URL-encoded JSON."""
    if isinstance(document, dict):
        return document
    text = str(document)
    if text.lstrip().startswith("%7B") or text.lstrip().startswith("%7b"):
        text = urllib.parse.unquote(text)
    parsed = json.loads(text)
    if not isinstance(parsed, dict):
        raise ValueError("a policy document must be a JSON object")
    return parsed


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The document's statements, always as a list of objects."""
    found = document.get("Statement", [])
    if isinstance(found, dict):
        found = [found]
    return [s for s in found if isinstance(s, dict)]


def values(value: Any) -> list[str]:
    """An element that may be one string or a list of them (`Action`, `Resource`...)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]
