"""Markdown (an exercise's README, a worked solution) rendered for a terminal.

Prose is wrapped to the terminal's width, between words only: a `command`
in inline code is never broken across lines (its spaces are held together
while rich wraps, and given back after). A code block is never wrapped at
all: each of its lines is printed whole, as in the file, so that a comment
after a command stays on the command's line and what is copied runs as it
is (a line longer than the terminal is folded by the terminal itself).

Code blocks are drawn apart, each at its own width, and stand in the page
as placeholders (one short mark per line) while rich lays out the rest, so
that the indentation of a list or a quote around them is kept.
"""

from __future__ import annotations

import io
import re
import textwrap
from typing import Any, ClassVar

_ADMONITION = re.compile(r'^!!! *(\w+)(?: +"([^"]*)")? *\n((?:(?: {4}.*)?\n)+)', re.MULTILINE)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_NBSP = "\u00a0"
_MARK = re.compile("\ue000(\\d+)\ue001(?:\x1b\\[[0-9;]*m| )*")
_TRAILING = re.compile(r"(?:\x1b\[[0-9;]*m| )+$")  # spaces (and colours) that end a line
_RESET = "\x1b[0m"
_TAB_SIZE = 4


def quote_admonitions(text: str) -> str:
    """The site's `!!! warning "Title"` boxes as block quotes, which a terminal can show."""
    def quote(found: re.Match[str]) -> str:
        title = found.group(2) or found.group(1).capitalize()
        body = textwrap.dedent(found.group(3)).strip("\n")
        # A blank line after each: two boxes in a row stay two quotes, not one.
        return "\n".join([f"> **{title}**", ">"] + [f"> {line}".rstrip()
                                                   for line in body.splitlines()]) + "\n\n"

    return _ADMONITION.sub(quote, text)


def render(text: str, columns: int, terminal: bool) -> str:
    """`text` as a terminal shows it, `columns` wide (colours when `terminal`)."""
    from rich import _wrap
    from rich.console import Console
    from rich.markdown import CodeBlock, Markdown, MarkdownElement

    drawn: list[str] = []  # the code blocks' lines, drawn whole; placeholders point here

    def console(width: int, out: io.StringIO) -> Console:
        return Console(file=out, width=width, no_color=not terminal, force_terminal=terminal,
                       highlight=False, emoji=False)

    class UnwrappedCode(CodeBlock):
        def __rich_console__(self, _console: Any, _options: Any) -> Any:
            from rich.cells import cell_len
            from rich.syntax import Syntax
            from rich.text import Text

            code = str(self.text).rstrip()
            longest = max((cell_len(line.expandtabs(_TAB_SIZE)) for line in code.splitlines()),
                          default=0)
            out = io.StringIO()
            console(longest + 2, out).print(Syntax(
                code, self.lexer_name, theme=self.theme, word_wrap=False, padding=1,
                code_width=longest, tab_size=_TAB_SIZE))
            for line in out.getvalue().splitlines():
                yield Text(f"\ue000{len(drawn)}\ue001", no_wrap=True, overflow="ignore")
                # Without the padding to its own width, which a narrower terminal would fold.
                drawn.append(_TRAILING.sub(_RESET if terminal else "", line))

    class TerminalMarkdown(Markdown):
        elements: ClassVar[dict[str, type[MarkdownElement]]] = {
            **Markdown.elements, "fence": UnwrappedCode, "code_block": UnwrappedCode}

    text = quote_admonitions(text)
    text = _INLINE_CODE.sub(lambda found: found.group(0).replace(" ", _NBSP), text)
    out = io.StringIO()
    breakable = _wrap.re_word
    _wrap.re_word = re.compile(r"[ \t\n\r\f\v]*[^ \t\n\r\f\v]+[ \t\n\r\f\v]*")
    try:
        console(columns, out).print(TerminalMarkdown(text, code_theme="ansi_dark",
                                                     hyperlinks=False))
    finally:
        _wrap.re_word = breakable
    rendered = _MARK.sub(lambda found: drawn[int(found.group(1))], out.getvalue())
    rendered = rendered.replace(_NBSP, " ")
    if not terminal:  # rich pads every line to the width: not wanted in a file
        rendered = "\n".join(line.rstrip() for line in rendered.splitlines()) + "\n"
    return rendered
