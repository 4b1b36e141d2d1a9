"""The one result model of a grading, shown as text or JSON (`grader.command.report`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class CheckResult:
    id: str
    title: str
    passed: bool
    message: str  # what is wrong with which resource; "" when passed
    hint: str
    why: str
    permanent: bool = False  # a failure the account's record keeps: only a restart clears it


@dataclass(frozen=True)
class ExerciseResult:
    exercise: str
    title: str
    mode: str  # "sandbox" | "live" | "quiz"
    checks: list[CheckResult]
    account_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failed_ids(self) -> list[str]:
        return [c.id for c in self.checks if not c.passed]

    def to_json(self) -> dict[str, Any]:
        """The `grade --json` contract: exercise, passed, checks[id,title,passed,message,hint]."""
        return {
            "exercise": self.exercise,
            "title": self.title,
            "passed": self.passed,
            "mode": self.mode,
            "account": self.account_id,
            "checks": [asdict(c) for c in self.checks],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExerciseResult:
        """The result `to_json` wrote (a grading run by the simulated account's process)."""
        return cls(str(data["exercise"]), str(data["title"]), str(data["mode"]),
                   [CheckResult(**c) for c in data["checks"]], data.get("account"))
