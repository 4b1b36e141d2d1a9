"""AWS's patterns (Java regular expressions) as Python's `re` patterns.

The service models give their constraints on strings as Java regular
expressions, matched against the whole value: `\\w`, `\\d` and `\\s` are ASCII
there, `\\p{L}` (letters), `\\p{N}` (numbers) and `\\p{Z}` (separators) are
Unicode; a pattern is UTF-16, where a surrogate pair stands for one code point.
`java_pattern` translates one for Python's `re` (`\\p{L}\\p{N}` as Python's
alphanumeric characters, `\\p{L}` alone as those that are not decimal digits);
a pattern that cannot be translated (other Unicode categories, nested classes,
flags in the middle) is None, and `validation` does not check it.
"""

from __future__ import annotations

import functools
import re

_ASCII_CLASSES = {  # Java's \w \d \s (ASCII there) and their complements, inside [...]
    "w": "A-Za-z0-9_", "d": "0-9", "s": " \\t\\n\\x0b\\f\\r",
    "W": "\\x00-/:-@\\[-^`{-\\U0010ffff", "D": "\\x00-/:-\\U0010ffff",
    "S": "\\x00-\\x08\\x0e-\\x1f!-\\U0010ffff",
}
_POSIX = {  # Java's \p{...} POSIX classes (ASCII)
    "Lower": "a-z", "Upper": "A-Z", "ASCII": "\\x00-\\x7f", "Alpha": "A-Za-z",
    "Digit": "0-9", "Alnum": "A-Za-z0-9", "Punct": "!-/:-@\\[-`{-~", "Graph": "!-~",
    "Print": " -~", "Blank": " \\t", "Cntrl": "\\x00-\\x1f\\x7f", "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0b\\f\\r",
}
# Unicode's separators (general category Z: Zs, Zl, Zp), a set that does not change.
_SEPARATORS = "\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
_ESCAPE = re.compile(r"\\(?:p\{(\w+)\}|(.))", re.DOTALL)


def _unicode(categories: set[str]) -> str:
    """Python for a set of Unicode categories among L, N and Z (an alternation)."""
    parts = []
    if {"L", "N"} <= categories:
        parts.append("(?u:[^\\W_])")  # letters and numbers: alphanumeric
    elif "L" in categories:
        parts.append("(?u:[^\\W\\d_])")
    elif "N" in categories:
        parts.append("(?u:\\d)")
    if "Z" in categories:
        parts.append(f"[{_SEPARATORS}]")
    return "|".join(parts)


@functools.cache
def java_pattern(java: str) -> re.Pattern[str] | None:
    """A Java regular expression as a Python one; None when it cannot be translated."""
    try:
        return re.compile(_translate(java), re.ASCII)
    except (re.error, ValueError):
        return None


# Java patterns are UTF-16: a surrogate pair stands for one code point.
_PAIR = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)


def _code_point(pair: re.Match[str]) -> str:
    high, low = int(pair.group(1), 16), int(pair.group(2), 16)
    return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08x}"


def _translate(java: str) -> str:
    java = _PAIR.sub(_code_point, java)
    out: list[str] = []
    index = 0
    while index < len(java):
        char = java[index]
        if char == "\\":
            escape = _ESCAPE.match(java, index)
            if escape is None:
                raise ValueError("a lone backslash")
            index = escape.end()
            out.append(_outside(escape))
        elif char == "[":
            index = _class(java, index, out)
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _outside(escape: re.Match[str]) -> str:
    category, letter = escape.groups()
    if category is not None:
        if category in _POSIX:
            return f"[{_POSIX[category]}]"
        if category in ("L", "N", "Z"):
            return f"(?:{_unicode({category})})"
        raise ValueError(f"\\p{{{category}}}")
    if letter in _ASCII_CLASSES:
        return f"[{_ASCII_CLASSES[letter]}]"
    return escape.group(0)


def _class(java: str, start: int, out: list[str]) -> int:
    """Translate the character class at `start`; returns the index after it."""
    index = start + 1
    negated = java.startswith("^", index)
    index += negated
    plain: list[str] = []
    categories: set[str] = set()
    while True:
        if index >= len(java):
            raise ValueError("an unclosed class")
        char = java[index]
        if char == "]" and index > start + 1 + negated:
            index += 1
            break
        if char == "[" or java.startswith("&&", index):
            raise ValueError("nested classes")
        if char == "\\":
            escape = _ESCAPE.match(java, index)
            if escape is None:
                raise ValueError("a lone backslash")
            index = escape.end()
            category, letter = escape.groups()
            if category in ("L", "N", "Z"):
                categories.add(category)
            elif category is not None:
                if category not in _POSIX:
                    raise ValueError(f"\\p{{{category}}}")
                plain.append(_POSIX[category])
            elif letter in _ASCII_CLASSES:
                plain.append(_ASCII_CLASSES[letter])
                if java.startswith("-", index) and not java.startswith("-]", index):
                    plain.append("\\-")  # Java: no range from a class, "-" is itself
                    index += 1
            else:
                plain.append(escape.group(0))
        else:
            plain.append(char)
            index += 1
    chars = f"[{''.join(plain)}]" if plain else ""
    if not categories:
        out.append(f"[{'^' if negated else ''}{''.join(plain)}]")
        return index
    if {"L", "N"} <= categories and chars and re.fullmatch(chars, "_", re.ASCII):
        # One class, and so faster: Python's \w is letters, numbers and "_".
        spaces = _SEPARATORS if "Z" in categories else ""
        out.append(f"(?u:[{'^' if negated else ''}\\w{''.join(plain)}{spaces}])")
        return index
    either = "|".join(part for part in (chars, _unicode(categories)) if part)
    out.append(f"(?:(?!{either})(?s:.))" if negated else f"(?:{either})")
    return index
