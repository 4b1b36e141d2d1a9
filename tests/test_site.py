"""The course site builds with --strict, offline, and its exercise pages come
from the exercise folders' README (one source)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_site_builds_strict_and_offline(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                           "--site-dir", str(site)], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    page = (site / "exercises" / "03-stop-using-root.html").read_text()
    readme = (ROOT / "exercises" / "03-stop-using-root" / "README.md").read_text()
    assert "Any names work" in readme and "Any names work" in page
    for html in site.rglob("*.html"):
        text = html.read_text()
        remote = re.findall(r'(?:src|href)="(https?://[^"]+)"', text)
        assert not [u for u in remote if "fonts.g" in u or u.endswith(".js")], (html, remote)


def test_lesson_self_checks_are_practice_and_keep_the_graded_answers_off_the_site(
        tmp_path: Path) -> None:
    """The site shows each quiz's practice questions with their answers, and none of the
    graded questions (whose answers `grade` keeps hashed)."""
    from grader.quiz.model import load_quiz
    from grader.quiz.practice import load_practice

    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "--site-dir", str(site)],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    pages = {"01-shared-responsibility": "lessons/shared-responsibility.html",
             "02-root-user": "lessons/root-user.html", "07-checkpoint": "lessons/checkpoint.html"}
    asked_anywhere = {title for p in site.rglob("*.html")
                      for title in re.findall(r"<summary>\d+\. (.+?)</summary>", p.read_text())}
    for exercise, page in pages.items():
        html = (site / page).read_text()
        text = re.sub(r"<[^>]+>", "", html)
        practice = load_practice(ROOT / "exercises" / exercise)
        summaries = re.findall(r"<summary>\d+\. (.+?)</summary>", html)
        assert len(summaries) == len(practice) >= 5, exercise
        for question in practice:
            assert "Answer: " + "; ".join(question.right_options()) in text, question.prompt
        graded = load_quiz(ROOT / "exercises" / exercise)
        assert f"asks {len(graded.questions)} other questions" in text
        for question in graded.questions:
            assert question.prompt.replace('"', "'") not in asked_anywhere, (exercise, question.id)
            assert question.prompt not in [p.prompt for p in practice], (exercise, question.id)


def test_every_quiz_question_links_to_a_place_that_exists(tmp_path: Path) -> None:
    """Each question's `lesson = "lessons/page.md#anchor"` names a heading the site has."""
    from grader.quiz.model import load_quiz

    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "--site-dir", str(site)],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    from grader.quiz.practice import load_practice

    checked = 0
    for quiz_file in sorted((ROOT / "exercises").glob("*/quiz.toml")):
        quiz = load_quiz(quiz_file.parent)
        for question in [*quiz.questions, *load_practice(quiz_file.parent)]:
            page, _, anchor = question.lesson.partition("#")
            html = (site / page.replace(".md", ".html")).read_text()
            assert not anchor or f'id="{anchor}"' in html, (quiz_file.parent.name,
                                                            question.prompt, question.lesson)
            checked += 1
    assert checked >= 30
