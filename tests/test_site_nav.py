"""The site's nav (mkdocs.yml) follows the exercises the course finds in their folders: each
has its page (`docs/exercises/NN-name.md`, which shows the folder's README.md) in the nav,
in course order, labelled with its number; no page or nav entry is left without a folder."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from grader.course.exercises import all_exercises
from tests.conftest import ROOT

PAGES = ROOT / "docs" / "exercises"


def exercise_entries(nav: Any) -> list[tuple[str, str]]:
    """(label, page) of every nav entry, at any depth, whose page is under `exercises/`."""
    found: list[tuple[str, str]] = []
    for item in nav if isinstance(nav, list) else [nav]:
        for label, target in (item.items() if isinstance(item, dict) else [("", item)]):
            if isinstance(target, str) and target.startswith("exercises/"):
                found.append((label, target))
            elif isinstance(target, list | dict):
                found += exercise_entries(target)
    return found


def nav_problems(entries: Sequence[tuple[str, str]], ids: Sequence[str],
                 pages: Sequence[str]) -> list[str]:
    """What is wrong with the nav's exercise `entries`, given the exercises' `ids` (in course
    order) and the exercise pages in docs/exercises/ (`pages`, their file names)."""
    listed = [page.removeprefix("exercises/").removesuffix(".md") for _, page in entries]
    problems = [f"{i}: no entry in mkdocs.yml's nav" for i in ids if i not in listed]
    problems += [f"{page}: in the nav, but there is no exercise folder {name}"
                 for name, (_, page) in zip(listed, entries, strict=True) if name not in ids]
    problems += [f"docs/exercises/{p}: no exercise folder {p.removesuffix('.md')}"
                 for p in pages if p.removesuffix(".md") not in ids]
    problems += [f"{i}: no page docs/exercises/{i}.md" for i in ids if f"{i}.md" not in pages]
    known = [name for name in listed if name in ids]
    if known != [i for i in ids if i in known]:
        problems.append(f"the nav's order {known} is not the course's")
    problems += [f"{page}: its label {label!r} does not start with its number"
                 for label, page in entries
                 if not label.startswith(page.removeprefix("exercises/")[:2] + " ")]
    return problems


def test_the_nav_lists_every_exercise_found_and_only_them() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    ids = [e.id for e in all_exercises()]
    pages = sorted(p.name for p in PAGES.glob("*.md"))
    assert nav_problems(exercise_entries(config["nav"]), ids, pages) == []


def test_each_exercise_page_shows_its_folders_task() -> None:
    for exercise in all_exercises():
        page = (PAGES / f"{exercise.id}.md").read_text(encoding="utf-8")
        assert f'--8<-- "{exercise.id}/README.md"' in page, exercise.id


def test_a_folder_missing_from_the_nav_or_an_entry_without_a_folder_is_a_problem() -> None:
    nav = [{"Home": "index.md"}, {"Exercises": [{"00 A": "exercises/00-a.md"},
                                                {"02 C": "exercises/02-c.md"}]}]
    entries = exercise_entries(nav)
    assert entries == [("00 A", "exercises/00-a.md"), ("02 C", "exercises/02-c.md")]
    assert nav_problems(entries, ["00-a", "02-c"], ["00-a.md", "02-c.md"]) == []
    assert nav_problems(entries, ["00-a", "01-b", "02-c"], ["00-a.md", "01-b.md", "02-c.md"]) \
        == ["01-b: no entry in mkdocs.yml's nav"]
    assert nav_problems(entries, ["00-a"], ["00-a.md", "02-c.md"]) == [
        "exercises/02-c.md: in the nav, but there is no exercise folder 02-c",
        "docs/exercises/02-c.md: no exercise folder 02-c"]
    assert nav_problems(entries, ["00-a", "02-c"], ["00-a.md"]) == [
        "02-c: no page docs/exercises/02-c.md"]
    assert nav_problems(list(reversed(entries)), ["00-a", "02-c"], ["00-a.md", "02-c.md"]) == [
        "the nav's order ['02-c', '00-a'] is not the course's"]
    assert nav_problems([("C", "exercises/02-c.md")], ["02-c"], ["02-c.md"]) == [
        "exercises/02-c.md: its label 'C' does not start with its number"]
