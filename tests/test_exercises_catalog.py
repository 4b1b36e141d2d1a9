"""Every exercise folder is valid data, and bad metadata is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.exercises import COURSE_PATH, ExerciseDefinitionError, all_exercises, find, load
from tests.conftest import EXERCISES


def test_every_exercise_loads_in_course_order() -> None:
    exercises = all_exercises()
    assert [e.id for e in exercises] == sorted(e.id for e in exercises)
    assert all(e.id in COURSE_PATH for e in exercises)
    for exercise in exercises:
        assert len(exercise.hints) >= 2, exercise.id
        if exercise.kind == "hands-on":
            assert list((exercise.folder / "solution").iterdir()), exercise.id
            assert list((exercise.folder / "broken").iterdir()), exercise.id
            assert list(exercise.folder.glob("test_*.py")), exercise.id


def test_find_by_id_or_number() -> None:
    assert find("3").id == find("03").id == find("03-stop-using-root").id


def _write(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / "exercise.toml").write_text(text)
    (folder / "README.md").write_text("# Task\n")
    return folder


def test_bad_metadata_is_refused(tmp_path: Path) -> None:
    folder = _write(tmp_path / "09-extra", 'id = "09-other"\ntitle = "X"\nkind = "game"\n'
                    'lesson = "x.md"\nsummary = "s"\nhints = []\ncolour = 1\n')
    with pytest.raises(ExerciseDefinitionError) as refused:
        load(folder)
    message = str(refused.value)
    for part in ("unknown keys ['colour']", "differs from the folder name", "kind must be",
                 "hints must be"):
        assert part in message


def test_broken_toml_is_refused(tmp_path: Path) -> None:
    folder = _write(tmp_path / "09-extra", "id = \n")
    with pytest.raises(ExerciseDefinitionError, match="cannot be read"):
        load(folder)


def test_the_exercises_folder_is_where_the_catalog_looks() -> None:
    assert all_exercises()[0].folder.parent == EXERCISES
