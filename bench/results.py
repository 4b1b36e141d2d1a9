"""Writing a benchmark's section of bench/RESULTS.md, leaving the others as they are."""

from __future__ import annotations

from pathlib import Path


def replace_section(path: Path, heading: str, text: str) -> None:
    """Put `text` (which starts with `heading`, a `## ` line) in place of that section of
    `path`, or at its end if it has none."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    start = old.find(heading + "\n")
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text.strip("\n") + "\n"
    else:
        end = old.find("\n## ", start + len(heading))
        rest = old[end:] if end >= 0 else "\n"
        new = old[:start] + text.strip("\n") + "\n" + rest
    path.write_text(new, encoding="utf-8")
