"""The pytest plugin that runs an exercise's checks.

It gives checks their fixtures (`target`, `iam_state`, `mfa_state`, `activity`, `inbox`,
`recorded`, and `aws` for a read-only client of any service), refuses a test without
`@check` metadata, and turns each test's outcome into a `CheckResult`.
A fixture that cannot get its data raises `GradeError`: the grading then
stops with exit 2 and that reason, and no check is counted as passed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grader.checks import activity as activity_module
from grader.checks import alerts as alerts_module
from grader.checks import answers as answers_module
from grader.checks import billing as billing_module
from grader.checks import iam_state as iam_state_module
from grader.checks import inbox as inbox_module
from grader.checks import mfa_state as mfa_state_module
from grader.checks import recorded as recorded_module
from grader.checks import trails as trails_module
from grader.checks.metadata import PermanentFailure, info_of
from grader.checks.target import Target
from grader.errors import GradeError
from grader.grading.results import CheckResult

TARGET = pytest.StashKey[Target]()
ANSWERS = pytest.StashKey["Path | None"]()


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    """The account being graded (simulated or live)."""
    return request.config.stash[TARGET]


@pytest.fixture(scope="session")
def aws(target: Target) -> Callable[[str], Any]:
    """`aws("iam")`: a read-only boto3 client for the target account."""
    return target.client


@pytest.fixture(scope="session")
def iam_state(target: Target) -> iam_state_module.IamState:
    """The account's users, groups, policies and root keys, read once."""
    return iam_state_module.collect(target)


@pytest.fixture(scope="session")
def mfa_state(target: Target,
              iam_state: iam_state_module.IamState) -> mfa_state_module.MfaState:
    """Root's MFA and each user's MFA devices, read once."""
    return mfa_state_module.collect(target, iam_state)


@pytest.fixture(scope="session")
def answers(request: pytest.FixtureRequest) -> answers_module.LearnerAnswers:
    """The learner's answers to the exercise's questions (`answers.toml`)."""
    from grader.course.exercises import load

    folder = Path(str(request.config.rootpath))  # the exercise's folder (`grader.grading.runner`)
    return answers_module.read(request.config.stash[ANSWERS], load(folder).questions)


@pytest.fixture(scope="session")
def trails(target: Target) -> trails_module.Trails:
    """The account's trails, their status and selectors, and their buckets."""
    return trails_module.collect(target)


@pytest.fixture(scope="session")
def alert_rules(target: Target) -> list[alerts_module.AlertRule]:
    """EventBridge's rules on the default bus of us-east-1, with their targets."""
    return alerts_module.collect(target)


@pytest.fixture(scope="session")
def billing(target: Target, activity: list[activity_module.Activity]) -> billing_module.Billing:
    """The account's exports (with who created them), legacy reports and budgets."""
    creators = {}
    for event in activity:
        if event.name == "CreateExport" and event.succeeded:
            name = str((event.parameters.get("Export") or {}).get("Name", ""))
            who = event.identity_type
            creators[name] = f"{who}:{event.user_name}" if event.user_name else who
    return billing_module.collect(target, creators)


@pytest.fixture(scope="session")
def activity(target: Target) -> list[activity_module.Activity]:
    """Who did what, oldest first, from CloudTrail's event history."""
    return activity_module.collect(target)


@pytest.fixture(scope="session")
def inbox(target: Target) -> list[inbox_module.Mail] | None:
    """The e-mails the simulated account sent, oldest first (None: a real account)."""
    return inbox_module.collect(target)


@pytest.fixture(scope="session")
def recorded(target: Target) -> Callable[..., list[recorded_module.Call] | None]:
    """`recorded("GetObject", "ListPublicKeys")`: the account's recorded calls of those
    operations, S3's object reads included, oldest first (None: a real account)."""
    return functools.partial(recorded_module.collect, target)


class GradingPlugin:
    """One grading: the target account in, check results out."""

    def __init__(self, target: Target, answers: Path | None = None,
                 folder: Path | None = None, reused: dict[Path, list[str]] | None = None,
                 ) -> None:
        self._target = target
        self._answers = answers
        # The exercise's own folder (None: every check collected); other exercises'
        # folders, and the ids of their checks it reuses.
        self._folder = folder.resolve() if folder else None
        self._reused = {f.resolve(): ids for f, ids in (reused or {}).items()}
        self.results: list[CheckResult] = []
        self.error: GradeError | None = None
        self.collection_errors: list[str] = []

    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[TARGET] = self._target
        config.stash[ANSWERS] = self._answers
        # A failing check's report needs no traceback read from the checks' source (the
        # verdict is the assertion's message): Python's own is cheap, and enough for a log.
        # (`--tb` itself belongs to the terminal plugin, which gradings do not load.)
        config.option.tbstyle = "native"

    # -- results --------------------------------------------------------------

    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        for item in items:
            function = getattr(item, "function", None)
            if info_of(function) is None:
                self.collection_errors.append(
                    f"{item.nodeid} has no @check(...) metadata")
        if self._folder is None or self.collection_errors:
            return
        kept, left = self._reused_first(items)
        if left:
            config.hook.pytest_deselected(items=left)
        items[:] = kept

    def _reused_first(self, items: list[pytest.Item]) -> tuple[list[pytest.Item],
                                                                list[pytest.Item]]:
        """The reused checks of other exercises, in the order named, then the exercise's
        own; and the other exercises' checks it does not reuse (`grader.grading.reused_checks`)."""
        own = [i for i in items if self._folder in i.path.parents]  # its subfolders too
        by_place = {(i.path.parent, _id_of(i)): i for i in items if i not in own}
        reused = []
        for folder, ids in self._reused.items():
            for check_id in ids:
                found = by_place.pop((folder, check_id), None)
                if found is None:
                    self.collection_errors.append(
                        f"it reuses {folder.name}/{check_id}, which {folder.name} does not have")
                else:
                    reused.append(found)
        mine = {_id_of(i) for i in own}
        twice = sorted(_id_of(i) for i in reused if _id_of(i) in mine)
        if twice:
            self.collection_errors.append(f"it reuses checks with the ids of its own: {twice}")
        return reused + own, list(by_place.values())

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(str(report.longrepr).strip().splitlines()[-1])

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report = outcome.get_result()
        info = info_of(getattr(item, "function", None))
        if info is None:
            return
        excinfo = call.excinfo
        if excinfo is not None and isinstance(excinfo.value, GradeError):
            self.error = self.error or excinfo.value
            return
        if excinfo is not None and not isinstance(excinfo.value, AssertionError):
            # Not a verdict: the data could not be read, or the check itself broke.
            what = "read the account for" if report.when == "setup" else "run"
            self.error = self.error or GradeError(
                f"Could not {what} the check {info.id!r}: "
                f"{type(excinfo.value).__name__}: {excinfo.value}",
                "Nothing was graded. If this persists, please report it.",
            )
            return
        if report.when == "call":
            failure = excinfo.value if report.failed and excinfo is not None else None
            self.results.append(CheckResult(
                id=info.id, title=info.title, passed=report.passed,
                message="" if failure is None else _message(failure),
                hint=info.hint, why=info.why,
                permanent=isinstance(failure, PermanentFailure),
            ))


def _id_of(item: pytest.Item) -> str:
    info = info_of(getattr(item, "function", None))
    return info.id if info else ""


def _message(error: BaseException) -> str:
    """What a check's assertion said: what is wrong with which resource."""
    text = str(error).strip()
    return text.split("\nassert ")[0].strip() or "the check's condition is not met"
