"""Scoring a quiz: each question is a check, right or wrong, with its explanation."""

from __future__ import annotations

from collections.abc import Callable

from grader.course.exercises import Exercise
from grader.course.site import page_url
from grader.grading.results import CheckResult, ExerciseResult
from grader.quiz.facts import normalise
from grader.quiz.model import Question, Quiz, answer_hash


def lesson_url(question: Question) -> str:
    """The question's lesson section on the running course site."""
    return page_url(question.lesson)


def is_right(quiz: Quiz, question: Question, answer: str,
             fact: Callable[[str], str] | None = None) -> bool:
    if question.from_account:
        if fact is None:
            return False
        return normalise(question.from_account, answer) == fact(question.from_account)
    return answer_hash(quiz.exercise, question.id, answer) == question.answer


def describe(question: Question, answer: str) -> str:
    if question.from_account or not answer:
        return answer or "(no answer)"
    return "; ".join(f"{letter}) {question.option(letter)}" for letter in answer)


def score(exercise: Exercise, quiz: Quiz, answers: dict[str, str],
          fact: Callable[[str], str] | None = None) -> ExerciseResult:
    checks = []
    for question in quiz.questions:
        answer = answers.get(question.id, "")
        right = is_right(quiz, question, answer, fact)
        if right:
            message = ""
        elif question.from_account:
            message = f"you answered {describe(question, answer)}; the account says otherwise"
        else:
            message = f"you answered {describe(question, answer)}: not right"
        checks.append(CheckResult(
            id=question.id, title=question.prompt, passed=right, message=message,
            hint=f"Read {lesson_url(question)}", why=question.explanation,
        ))
    return ExerciseResult(exercise.id, exercise.title, "quiz", checks)


