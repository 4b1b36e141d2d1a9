"""Asking a quiz's questions in a terminal: arrow keys to move, space to select.

After each answer the learner sees whether it is right and why.
"""

from __future__ import annotations

from collections.abc import Callable

from grader.quiz.model import ACCOUNT_FACTS, Question, Quiz
from grader.quiz.scoring import is_right, lesson_url
from grader.report import Style


def ask(quiz: Quiz, questions: list[Question],
        fact: Callable[[str], str] | None = None) -> dict[str, str]:
    import sys

    import questionary

    style = Style(sys.stdout)
    answers: dict[str, str] = {}
    for number, question in enumerate(questions, start=1):
        title = f"({number}/{len(questions)}) {question.prompt}"
        if question.from_account:
            reply = questionary.text(f"{title} ({ACCOUNT_FACTS[question.from_account]})").ask()
        elif question.multiple:
            choices = [questionary.Choice(f"{letter}) {option}", value=letter)
                       for letter, option in zip(question.letters, question.options, strict=True)]
            picked = questionary.checkbox(title, choices=choices).ask()
            reply = None if picked is None else "".join(sorted(picked))
        else:
            choices = [questionary.Choice(f"{letter}) {option}", value=letter)
                       for letter, option in zip(question.letters, question.options, strict=True)]
            reply = questionary.select(title, choices=choices).ask()
        if reply is None:  # Ctrl-C: stop asking, grade what was answered
            raise KeyboardInterrupt
        answers[question.id] = reply
        verdict = style.good("Right.") if is_right(quiz, question, reply, fact) \
            else style.bad("Not right.")
        print(f"  {verdict} {question.explanation}\n  {style.dim(lesson_url(question))}\n")
    return answers
