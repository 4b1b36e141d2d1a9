"""For course authors: replace plain answers in a quiz.toml by their hashes.

    python -m grader.quiz.seal exercises/01-shared-responsibility

Write `answer = "b"` (or `"a, c"`) while authoring; sealing rewrites each
such line as `answer = "sha256:..."` and checks that the quiz loads.

It writes nothing else. The learner's `answers.toml` is not part of the
course: `grade NN` writes a blank one from quiz.toml when a learner needs it
(so it always matches the questions), and git ignores it (so a learner's
answers never conflict with a new version of the course). Sealing never
touches an answers file a course author may have filled in to try the quiz.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

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
    load_quiz(folder)  # every hash matches an option, every question is valid
    return sealed


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: sealed {seal(Path(name))} answers")
