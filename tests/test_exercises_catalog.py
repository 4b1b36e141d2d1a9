"""The course finds its exercises in their folders (no list names them), in course order,
each valid data; a bad folder, or two with one number, is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.course.exercises import (
    ExerciseDefinitionError,
    all_exercises,
    course_path,
    find,
    load,
)
from grader.errors import GradeError
from tests.conftest import EXERCISES

# The numbered course path (a contract of DESIGN.md): later exercises may follow.
CONTRACT = ("00-setup", "01-shared-responsibility", "02-root-user", "03-stop-using-root",
            "04-mfa", "05-cloudtrail", "06-billing-reports", "07-checkpoint", "08-key-leak",
            "09-capstone")


def test_every_exercise_loads_in_course_order() -> None:
    path = course_path()
    exercises = path.exercises
    assert [e.id for e in exercises] == sorted(e.id for e in exercises)
    found = sorted(e.id for e in (*exercises, *path.planned))
    assert tuple(found[:len(CONTRACT)]) == CONTRACT
    for exercise in exercises:
        assert len(exercise.hints) >= 2, exercise.id
        if exercise.kind == "hands-on":
            assert list((exercise.folder / "solution").iterdir()), exercise.id
            assert list((exercise.folder / "broken").iterdir()), exercise.id
            assert list(exercise.folder.glob("test_*.py")), exercise.id


def test_find_by_id_or_number() -> None:
    assert find("3").id == find("03").id == find("03-stop-using-root").id


def test_a_planned_exercise_is_named_but_not_offered() -> None:
    """08 has its folder, saying it is planned: `grade 08` says it is not in this version;
    the exercises `grade list`, the progress and the site show do not include it."""
    planned = [e.id for e in course_path().planned]
    assert "08-key-leak" in planned
    assert "08-key-leak" not in [e.id for e in all_exercises()]
    for name in ("08", "8", "08-key-leak"):
        with pytest.raises(GradeError, match="08-key-leak is not in this version"):
            find(name)


def test_the_exercises_folder_is_where_the_catalog_looks() -> None:
    assert all_exercises()[0].folder.parent == EXERCISES


def _write(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / "exercise.toml").write_text(text)
    (folder / "README.md").write_text("# Task\n")
    return folder


def _exercise(root: Path, name: str, kind: str = "hands-on", more: str = "") -> Path:
    return _write(root / name, f'id = "{name}"\ntitle = "T"\nkind = "{kind}"\n'
                               f'lesson = "x.md"\nsummary = "s"\nhints = ["a", "b"]\n{more}')


def test_a_new_folder_is_a_new_exercise_in_its_place(tmp_path: Path) -> None:
    for name in ("10-later", "02-two", "01-one"):
        _exercise(tmp_path, name)
    _write(tmp_path / "05-soon", 'id = "05-soon"\ntitle = "Soon"\nplanned = true\n')
    (tmp_path / "notes.md").write_text("a file beside the folders is no exercise")
    for ignored in (".ipynb_checkpoints", "__pycache__"):
        (tmp_path / ignored).mkdir()
    path = course_path(tmp_path)
    assert [e.id for e in path.exercises] == ["01-one", "02-two", "10-later"]
    assert [(e.id, e.title) for e in path.planned] == [("05-soon", "Soon")]
    assert find("10", tmp_path).id == find("later", tmp_path).id == "10-later"
    with pytest.raises(GradeError, match="05-soon is not in this version"):
        find("5", tmp_path)


def test_the_course_reads_the_folder_grade_exercises_names(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           ) -> None:
    _exercise(tmp_path, "11-elsewhere")
    monkeypatch.setenv("GRADE_EXERCISES", str(tmp_path))
    assert [e.id for e in all_exercises()] == ["11-elsewhere"]
    monkeypatch.setenv("GRADE_EXERCISES", str(tmp_path / "nowhere"))
    with pytest.raises(ExerciseDefinitionError, match="There is no exercises folder at"):
        all_exercises()


def test_two_folders_with_one_number_are_refused(tmp_path: Path) -> None:
    _exercise(tmp_path, "03-one-way")
    _exercise(tmp_path, "03-another-way")
    _exercise(tmp_path, "04-fine")
    with pytest.raises(ExerciseDefinitionError,
                       match="03-another-way and 03-one-way have the same number, 03"):
        course_path(tmp_path)


def test_a_planned_folder_shares_no_number_either(tmp_path: Path) -> None:
    _exercise(tmp_path, "08-written")
    _write(tmp_path / "08-key-leak", 'id = "08-key-leak"\ntitle = "Soon"\nplanned = true\n')
    with pytest.raises(ExerciseDefinitionError, match="have the same number, 08"):
        course_path(tmp_path)


@pytest.mark.parametrize("name", ["notes", "3-short", "03_underscores", "03-Capitals",
                                  "003-three-digits", "03-", "03-trailing-"])
def test_a_folder_not_named_nn_words_is_refused(tmp_path: Path, name: str) -> None:
    _exercise(tmp_path, "01-fine")
    (tmp_path / name).mkdir()
    with pytest.raises(ExerciseDefinitionError, match="must be NN-words-with-dashes") as refused:
        course_path(tmp_path)
    assert name in refused.value.reason and "move it out" in refused.value.fix


def test_a_folder_without_exercise_toml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "04-unfinished").mkdir()
    (tmp_path / "04-unfinished" / "README.md").write_text("# Task\n")
    with pytest.raises(ExerciseDefinitionError, match=r"04-unfinished: exercise\.toml is missing"):
        course_path(tmp_path)


def test_every_bad_folder_is_named_at_once(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    _write(tmp_path / "02-broken", "id = \n")
    with pytest.raises(ExerciseDefinitionError) as refused:
        course_path(tmp_path)
    assert "notes" in refused.value.reason and "02-broken" in refused.value.reason


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
    with pytest.raises(ExerciseDefinitionError, match="cannot be read"):
        course_path(tmp_path)


def test_a_planned_exercise_has_an_id_and_a_title_only(tmp_path: Path) -> None:
    _write(tmp_path / "08-soon", 'id = "08-soon"\ntitle = "Soon"\nplanned = true\nhints = []\n')
    with pytest.raises(ExerciseDefinitionError, match="unknown keys \\['hints'\\]"):
        course_path(tmp_path)
    with pytest.raises(ExerciseDefinitionError, match="planned exercise"):
        load(tmp_path / "08-soon")


def test_planned_must_be_true(tmp_path: Path) -> None:
    _write(tmp_path / "08-soon", 'id = "08-soon"\ntitle = "Soon"\nplanned = false\n')
    with pytest.raises(ExerciseDefinitionError, match="planned must be true"):
        course_path(tmp_path)


def test_an_exercise_begins_after_an_earlier_hands_on_exercise(tmp_path: Path) -> None:
    _exercise(tmp_path, "03-admin")
    _exercise(tmp_path, "04-quiz", kind="quiz")
    _exercise(tmp_path, "05-next", more='begins_after = "03-admin"\n')
    assert find("05", tmp_path).begins_after == "03-admin"
    wrong = (('begins_after = "04-quiz"\n', "not a hands-on exercise of this course"),
             ('begins_after = "02-gone"\n', "not a hands-on exercise of this course"),
             ('begins_after = "07-later"\n', "must name an earlier exercise"),
             ('begins_after = "three"\n', "must name an exercise by its id"))
    for case, (more, said) in enumerate(wrong):
        root = tmp_path / "cases" / str(case)
        root.mkdir(parents=True)
        _exercise(root, "03-admin")
        _exercise(root, "04-quiz", kind="quiz")
        _exercise(root, "06-after", more=more)
        with pytest.raises(ExerciseDefinitionError, match=said):
            course_path(root)


def test_a_quiz_begins_nowhere(tmp_path: Path) -> None:
    _exercise(tmp_path, "03-admin")
    _exercise(tmp_path, "04-quiz", kind="quiz", more='begins_after = "03-admin"\n')
    with pytest.raises(ExerciseDefinitionError, match="only hands-on exercises begin after"):
        course_path(tmp_path)
