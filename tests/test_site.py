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


def test_lesson_self_checks_come_from_the_quiz_files(tmp_path: Path) -> None:
    from grader.quiz.model import load_quiz
    from grader.quiz.scoring import right_answer_text

    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "--site-dir", str(site)],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    pages = {"01-shared-responsibility": "lessons/shared-responsibility.html",
             "02-root-user": "lessons/root-user.html", "07-checkpoint": "lessons/checkpoint.html"}
    for exercise, page in pages.items():
        html = (site / page).read_text()
        text = re.sub(r"<[^>]+>", "", html)
        quiz = load_quiz(ROOT / "exercises" / exercise)
        summaries = re.findall(r"<summary>\d+\. (.+?)</summary>", html)
        assert len(summaries) == len(quiz.questions), exercise
        for question in quiz.questions:
            if not question.from_account:
                assert "Answer: " + right_answer_text(quiz, question) in text, question.id


def test_every_quiz_question_links_to_a_place_that_exists(tmp_path: Path) -> None:
    """Each question's `lesson = "lessons/page.md#anchor"` names a heading the site has."""
    from grader.quiz.model import load_quiz

    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "--site-dir", str(site)],
                   cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
    checked = 0
    for quiz_file in sorted((ROOT / "exercises").glob("*/quiz.toml")):
        quiz = load_quiz(quiz_file.parent)
        for question in quiz.questions:
            page, _, anchor = question.lesson.partition("#")
            html = (site / page.replace(".md", ".html")).read_text()
            assert not anchor or f'id="{anchor}"' in html, (quiz_file.parent.name, question.id,
                                                            question.lesson)
            checked += 1
    assert checked >= 30
