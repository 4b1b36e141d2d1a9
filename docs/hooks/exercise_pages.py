"""MkDocs hook: an exercise page gives its text the width the table of contents took.

An exercise's task has few headings and code lines as long as a terminal's
(04's `grade authenticator ...  # comment` is 91 columns): beside the
navigation and the table of contents, at 1280 px, such a line was cut off
behind a scroll bar. Exercise pages (`exercises/`) hide the table of contents
(mkdocs-material's `hide: [toc]`), as a page could in its front matter; the
navigation on the left stays.
"""

from __future__ import annotations

from typing import Any


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if page.file.src_uri.startswith("exercises/"):
        hidden = page.meta.setdefault("hide", [])
        if "toc" not in hidden:
            hidden.append("toc")
    return markdown
