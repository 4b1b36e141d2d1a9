"""MkDocs hook: a lesson's self-check is its exercise's practice questions.

`<!-- quiz: 01-shared-responsibility -->` in a page becomes one collapsible
question per question of `exercises/01-shared-responsibility/practice.toml`,
its answer and explanation hidden until opened, and a pointer to the graded
quiz. The graded questions (`quiz.toml`) are other questions, never shown
here with their answers: `grade 01` asks them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from grader.quiz.model import load_quiz
from grader.quiz.practice import load_practice

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"
_MARKER = re.compile(r"<!-- quiz: ([0-9a-z-]+) -->")


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())


def render(exercise: str, page_url: str) -> str:
    folder = EXERCISES / exercise
    graded = len(load_quiz(folder).questions)
    up = "../" * page_url.count("/")
    blocks = []
    for number, question in enumerate(load_practice(folder), start=1):
        title = question.prompt.replace('"', "'")
        options = "\n".join(f"- {letter}) {option}" for letter, option
                            in zip(question.letters, question.options, strict=True))
        page, _, anchor = question.lesson.partition("#")
        link = f"{up}{page}" + (f"#{anchor}" if anchor else "")
        body = (f"{options}\n\n**Answer:** {'; '.join(question.right_options())}.\n\n"
                f"{question.explanation} ([Read more]({link}))")
        blocks.append(f'??? question "{number}. {title}"\n\n{_indent(body)}\n')
    blocks.append(f"These are for practice. The graded quiz, `grade {exercise[:2]}`, asks "
                  f"{graded} other questions on the same ideas and keeps your result (see "
                  f"[the exercise]({up}exercises/{exercise}.md)).")
    return "\n".join(blocks)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    return _MARKER.sub(lambda found: render(found.group(1), page.file.src_uri), markdown)
