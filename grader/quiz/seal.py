"""For course authors: replace plain answers in a quiz.toml by their hashes.

    python -m grader.quiz.seal exercises/01-shared-responsibility

Write `answer = "b"` (or `"a, c"`) while authoring; sealing rewrites each
such line as `answer = "sha256:..."` and writes a blank `answers.toml`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from grader.quiz.answers import ANSWERS_FILE, blank_answers_file
from grader.quiz.model import QUIZ_FILE, answer_hash, load_quiz

_ID = re.compile(r'^id\s*=\s*"([^"]+)"')
_PLAIN = re.compile(r'^answer\s*=\s*"([a-h][a-h, ]*)"\s*$')


def seal(folder: Path) -> int:
    path = folder / QUIZ_FILE
    lines = path.read_text(encoding="utf-8").splitlines()
    current = ""
    sealed = 0
    for index, line in enumerate(lines):
        found = _ID.match(line)
        if found:
            current = found.group(1)
        plain = _PLAIN.match(line)
        if plain:
            lines[index] = f'answer = "{answer_hash(folder.name, current, plain.group(1))}"'
            sealed += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    quiz = load_quiz(folder)
    (folder / ANSWERS_FILE).write_text(blank_answers_file(quiz) + "\n", encoding="utf-8")
    return sealed


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: sealed {seal(Path(name))} answers")
