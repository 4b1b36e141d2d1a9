"""MkDocs hook: a lesson's self-check questions come from its exercise's quiz.toml.

`<!-- quiz: 01-shared-responsibility -->` in a page becomes one collapsible
question per quiz question, its answer and explanation hidden until opened:
the same questions `grade 01` asks, from the same file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from grader.quiz.model import ACCOUNT_FACTS, load_quiz
from grader.quiz.scoring import right_answer_text

EXERCISES = Path(__file__).resolve().parents[2] / "exercises"
_MARKER = re.compile(r"<!-- quiz: ([0-9a-z-]+) -->")


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())


def render(exercise: str, page_url: str) -> str:
    quiz = load_quiz(EXERCISES / exercise)
    depth = page_url.count("/")
    up = "../" * depth
    blocks = []
    for number, question in enumerate(quiz.questions, start=1):
        title = question.prompt.replace('"', "'")
        if question.from_account:
            body = (f"Find out in your simulated account ({ACCOUNT_FACTS[question.from_account]}),"
                    f" then check with `grade {exercise[:2]}`.\n\n{question.explanation}")
        else:
            options = "\n".join(f"- {letter}) {option}" for letter, option
                                in zip(question.letters, question.options, strict=True))
            body = (f"{options}\n\n**Answer:** {right_answer_text(quiz, question)}.\n\n"
                    f"{question.explanation}")
        page, _, anchor = question.lesson.partition("#")
        link = f"{up}{page}" + (f"#{anchor}" if anchor else "")
        body += f" ([Read more]({link}))"
        blocks.append(f'??? question "{number}. {title}"\n\n{_indent(body)}\n')
    blocks.append(f"Graded version: `grade {exercise[:2]}` (see "
                  f"[the exercise]({up}exercises/{exercise}.md)).")
    return "\n".join(blocks)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    return _MARKER.sub(lambda found: render(found.group(1), page.file.src_uri), markdown)
