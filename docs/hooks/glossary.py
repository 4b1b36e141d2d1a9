"""MkDocs hook: the glossary page lists the terms of docs/includes/glossary.md.

That one file gives every page its hover definitions (appended as
abbreviations by pymdownx.snippets) and this page its list.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

GLOSSARY = Path(__file__).resolve().parent.parent / "includes" / "glossary.md"
_TERM = re.compile(r"^\*\[(.+?)\]:\s*(.+)$")


def terms() -> list[tuple[str, str]]:
    found = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        match = _TERM.match(line)
        if match:
            found.append((match.group(1), match.group(2)))
    return sorted(found, key=lambda term: term[0].lower())


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if "<!-- glossary -->" not in markdown:
        return markdown
    listing = "\n".join(f"**{term}**\n:   {meaning}\n" for term, meaning in terms())
    return markdown.replace("<!-- glossary -->", listing)
