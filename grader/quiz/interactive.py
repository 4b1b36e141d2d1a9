"""Asking a quiz's questions in a terminal: arrow keys to move, space to select.

After each answer the learner sees whether it is right and why. Only
answers of the stated form are taken: a multiple-choice question needs at
least one option, a yes/no question is a choice of yes or no, a date
question takes a date or `none`; anything else is asked again with a
short reason, never graded as wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader.command.report import Style
from grader.quiz.facts import problem
from grader.quiz.model import ACCOUNT_FACTS, Question, Quiz
from grader.quiz.scoring import is_right, lesson_url

CHOOSE_ONE_AT_LEAST = "Choose at least one option: space selects, Enter confirms."


def _need_one(picked: list[str]) -> bool | str:
    return True if picked else CHOOSE_ONE_AT_LEAST


def _form_check(fact: str) -> Callable[[str], bool | str]:
    def check(text: str) -> bool | str:
        wrong = problem(fact, text)
        return f"Please {wrong}." if wrong else True

    return check


def _prompt(question: Question, title: str) -> Any:
    """The questionary question for `question` (not asked yet)."""
    import questionary

    if question.from_account == "root-access-keys-present":
        return questionary.select(f"{title} ({ACCOUNT_FACTS[question.from_account]})",
                                  choices=["yes", "no"])
    if question.from_account:
        return questionary.text(f"{title} ({ACCOUNT_FACTS[question.from_account]})",
                                validate=_form_check(question.from_account))
    choices = [questionary.Choice(f"{letter}) {option}", value=letter)
               for letter, option in zip(question.letters, question.options, strict=True)]
    if question.multiple:
        return questionary.checkbox(title, choices=choices, validate=_need_one)
    return questionary.select(title, choices=choices)


def ask(quiz: Quiz, questions: list[Question],
        fact: Callable[[str], str] | None = None,
        answered: Callable[[Question, str, bool], None] | None = None) -> dict[str, str]:
    """Ask `questions` one by one; `answered(question, answer, right)` after each."""
    import sys

    style = Style(sys.stdout)
    answers: dict[str, str] = {}
    for number, question in enumerate(questions, start=1):
        title = f"({number}/{len(questions)}) {question.prompt}"
        reply = _prompt(question, title).ask()
        if reply is None:  # Ctrl-C: stop asking; what was answered right is remembered
            raise KeyboardInterrupt
        if isinstance(reply, list):
            reply = "".join(sorted(reply))
        reply = str(reply).strip()
        answers[question.id] = reply
        right = is_right(quiz, question, reply, fact)
        if answered is not None:
            answered(question, reply, right)
        verdict = style.good("Right.") if right else style.bad("Not right.")
        print(f"  {verdict} {question.explanation}\n  {style.dim(lesson_url(question))}\n")
    return answers
