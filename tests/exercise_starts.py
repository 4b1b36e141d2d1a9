"""Where an exercise begins, in a test's simulated account: what the course's own tests do
before they run one of its scripts (tests/test_hands_on_exercises.py).

An exercise says where it begins in its exercise.toml: `begins_after` names the earlier
exercise whose end is its beginning; without it, it begins in a new account, worked in as
root. Here each such end is reached the quick way (boto3, not a reference solution), in
the two ways the exercise's scripts are run:

- a script of the AWS CLI (`.sh`) runs in the learner's terminal as the course's texts
  set it up: the course's own AWS config with a profile of the admin user's key after 03,
  the MFA profile after 04 (the AWS CLI asks for a code: such a script runs detached from
  any terminal, as in a pipe, and gets the codes from `grade authenticator`);
- a Python script or notebook (the API) runs as the admin user's long-term key, in an
  account where 03 is done. After 04 too: boto3 cannot answer the MFA profile's question
  for a code, and nothing an exercise after 04 checks depends on 04's MFA requirement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.course.exercises import Exercise
from tests.admin_user import after_03
from tests.conftest import Course
from tests.mfa_profile import after_03_with_profile, after_04_with_profile

USER = "dana"  # the admin user's name, unless a test says otherwise


@dataclass(frozen=True)
class End:
    """How a test reaches the end of an exercise that others begin after."""

    api: Callable[[Course, str], dict[str, str]]  # (course, user name): the admin's env
    terminal: Callable[[Course, Path, str], dict[str, str]]  # (course, HOME, user name)
    done: tuple[str, ...]  # the exercises whose every check passes there


ENDS = {
    "03-stop-using-root": End(after_03, after_03_with_profile, ("03",)),
    # 04's own end, but for root's MFA (the checks after it do not look at root's MFA).
    "04-mfa": End(after_03, after_04_with_profile, ("03",)),
}


@dataclass(frozen=True)
class Begun:
    """The account an exercise begins in, and the environment its script runs in."""

    env: dict[str, str]
    detached: bool  # run detached from any terminal: the AWS CLI may ask for MFA codes
    done: tuple[str, ...]  # the earlier exercises done in the account, which must still pass


def uses_the_terminal(script: Path) -> bool:
    return script.suffix == ".sh"


def begin(course: Course, exercise: Exercise, script: Path | None, home: Path,
          user: str = USER) -> Begun:
    """The shared account made into where `exercise` begins, for `script` (None: to grade
    the starting account); `home`: the learner's HOME (their AWS CLI's cache of sessions);
    `user`: the admin user's name, when the exercise begins after 03."""
    if exercise.begins_after is None:
        return Begun(course.sandbox_env(), detached=False, done=())
    end = ENDS.get(exercise.begins_after)
    assert end is not None, (f"{exercise.id} begins after {exercise.begins_after}: "
                             "tests/exercise_starts.py's ENDS must say how a test gets there")
    if script is not None and uses_the_terminal(script):
        return Begun(end.terminal(course, home, user), detached=True, done=end.done)
    return Begun(end.api(course, user), detached=False, done=end.done)
