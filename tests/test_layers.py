"""Who may import whom, directly or through anything it imports (imports inside functions
included: they run too, only later): the simulated account and the checks both stand on
`grader.policy`, and neither reaches the other (nor does the policy code reach them).

The account knows nothing of grading: its process hosts gradings only because the
command that serves it composes them on top (`grader.grading.account_process` installs
`grader.grading.in_account` through `assemble`'s `extensions`)."""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

GRADER = ROOT / "grader"
GRADING = ("grader.checks", "grader.grading", "grader.command.grade_exercise", "pytest",
           "_pytest")
FORBIDDEN = {
    "grader.policy": ("grader.checks", "grader.sandbox", "grader.cloudtrail", "grader.billing"),
    "grader.cloudtrail": ("grader.checks", "grader.sandbox"),
    "grader.billing": ("grader.checks", "grader.sandbox"),
    "grader.sandbox": GRADING,
    "grader.checks": ("grader.sandbox",),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in GRADER.rglob("*.py") if "__pycache__" not in p.parts}


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:` (never run)."""
    found: list[ast.AST] = []
    waiting = [tree]
    while waiting:
        node = waiting.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            waiting.extend(node.orelse)
            continue
        found.append(node)
        waiting.extend(ast.iter_child_nodes(node))
    return found


def _with_packages(name: str) -> set[str]:
    """`name` and the packages it is in (importing a module runs their `__init__`)."""
    parts = name.split(".")
    return {".".join(parts[:n]) for n in range(1, len(parts) + 1)}


@functools.cache
def imports_of(module: str) -> frozenset[str]:
    """What `module` imports when it runs: our modules (with their packages) and the
    top-level names of others."""
    path = _modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in _modules() else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] == "grader":
                found |= {m for m in _with_packages(target) if m in _modules()}
            else:
                found.add(target.split(".")[0])
    found.discard(module)
    return frozenset(found)


def reached_from(module: str) -> dict[str, str]:
    """Every module `module` imports, directly or not: {module: the one that imports it}."""
    via: dict[str, str] = {}
    waiting = [module]
    while waiting:
        current = waiting.pop()
        for imported in imports_of(current) if current in _modules() else ():
            if imported not in via and imported != module:
                via[imported] = current
                waiting.append(imported)
    return via


def _path_to(module: str, target: str, via: dict[str, str]) -> str:
    chain = [target]
    while chain[-1] != module:
        chain.append(via[chain[-1]])
    return " -> ".join(reversed(chain))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_the_layers_reach_only_what_they_stand_on(layer: str) -> None:
    members = [m for m in _modules() if m == layer or m.startswith(layer + ".")]
    assert len(members) > 2
    banned = FORBIDDEN[layer]
    for module in members:
        via = reached_from(module)
        wrong = sorted(m for m in via if m.startswith(banned))
        assert not wrong, f"{module} reaches {wrong[0]}: {_path_to(module, wrong[0], via)}"


def test_an_import_inside_a_function_counts(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The test sees a lazy import of grading, and one reached through another module."""
    probe = tmp_path / "_layer_probe.py"
    probe.write_text("def later() -> None:\n    from grader.command import grade_exercise\n")
    known = {**_modules(), "grader.sandbox._layer_probe": probe}
    monkeypatch.setattr(sys.modules[__name__], "_modules", lambda: known)
    imports_of.cache_clear()
    try:
        via = reached_from("grader.sandbox._layer_probe")
        assert "grader.command.grade_exercise" in via  # and, through it, grading's
        assert "grader.checks.target" in via
        with pytest.raises(AssertionError, match="_layer_probe reaches"):
            test_the_layers_reach_only_what_they_stand_on("grader.sandbox")
    finally:
        imports_of.cache_clear()


def test_the_account_process_composes_grading_on_the_account() -> None:
    """What `grade sandbox start` runs is the account with gradings on top."""
    from grader.sandbox import control

    assert control.ACCOUNT_PROCESS == "grader.grading.account_process"
    assert {"grader.grading.in_account", "grader.sandbox.server"} <= set(
        imports_of("grader.grading.account_process"))


# The packages whose docstring is a map of their rooms: every folder and module in them
# is named there (the others' docstrings say what they are, not every module they hold).
MAPPED = ("grader", "grader.command", "grader.course", "grader.grading", "grader.sandbox",
          "grader.sandbox.front_desk", "grader.sandbox.history", "grader.sandbox.start_over",
          "grader.sandbox.services")


@pytest.mark.parametrize("package", MAPPED)
def test_the_package_map_names_every_room(package: str) -> None:
    """A mapped package's docstring names each of its folders and modules."""
    import importlib

    text = importlib.import_module(package).__doc__ or ""
    folder = ROOT.joinpath(*package.split("."))
    rooms = {p.name + "/" for p in folder.iterdir() if (p / "__init__.py").exists()}
    rooms |= {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    missing = sorted(room for room in rooms if f"`{room}`" not in text)
    assert not missing, f"not in {package}'s map: {missing}"


def test_the_readme_maps_every_room_of_grader_and_the_account() -> None:
    """The README's map of the code names every folder of grader/ and grader/sandbox/."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code_map = readme[readme.index("\ngrader/ "):readme.index("\ntests/ ")]
    rooms = [p for room in (GRADER, GRADER / "sandbox") for p in room.iterdir()
             if (p / "__init__.py").exists()]
    missing = sorted(str(p.relative_to(ROOT)) for p in rooms if f"{p.name}/" not in code_map)
    assert not missing, f"not in the README's map: {missing}"


def test_no_module_is_over_400_lines() -> None:
    """A module holds one idea: past 400 lines it holds several (split it by concept)."""
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400}
    assert not long, long
