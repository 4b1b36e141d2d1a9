"""`grader.cli:main`, where the `grade` scripts of earlier installs point: the learner's
command is `grader.command.main`."""

from grader.command.main import main as main
