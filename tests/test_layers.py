"""Who may import whom: the simulated account and the checks both stand on
`grader.policy`, and neither imports the other (nor does the policy code import them).

The account's server process also hosts gradings (`grader.grading_service`, outside
both layers): `sandbox/server.py` installs it beside the account, and nothing of the
account's own behaviour depends on it."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

GRADER = ROOT / "grader"
FORBIDDEN = {
    "grader/policy": ("grader.checks", "grader.sandbox", "grader.cloudtrail", "grader.billing"),
    "grader/cloudtrail": ("grader.checks", "grader.sandbox"),
    "grader/billing": ("grader.checks", "grader.sandbox"),
    "grader/sandbox": ("grader.checks",),
    "grader/checks": ("grader.sandbox",),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_layers_import_only_what_they_stand_on() -> None:
    checked = 0
    for folder, banned in FORBIDDEN.items():
        for path in (ROOT / folder).rglob("*.py"):
            checked += 1
            wrong = sorted(m for m in _imports(path) if m.startswith(banned))
            assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"
    assert checked > 20
