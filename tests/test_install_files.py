"""The install names packages on the package index only, with one pinned set of versions.

A pin such as `name @ file:///tmp/...` (what `pip freeze` writes after a local
install) works on one machine only: these tests keep it from coming back.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

from tests.conftest import ROOT

PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[a-z0-9,_-]+\])?==[A-Za-z0-9.+!_-]+$")
TEST_TOOLS = {"playwright", "axe-playwright-python", "ruff", "mypy", "pytest-xdist",
              "ipykernel", "nbclient", "nbformat"}


def _tracked_install_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, text=True, capture_output=True,
                            check=True).stdout.splitlines()
    return [p for p in listed if re.search(r"(^|/)(constraints|requirements)[^/]*\.txt$", p)
            or p.endswith("pyproject.toml")]


def _name(requirement: str) -> str:
    return re.split(r"[\[=<>!~ @;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _pyproject() -> dict:  # type: ignore[type-arg]
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _requirements() -> tuple[list[str], list[str]]:
    project = _pyproject()["project"]
    return list(project["dependencies"]), list(project["optional-dependencies"]["dev"])


def _server_requirements() -> list[str]:
    return list(_pyproject()["project"]["optional-dependencies"]["server"])


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            pins[_name(line)] = line
    return pins


def test_every_install_file_pins_registry_packages_only() -> None:
    files = _tracked_install_files()
    assert "constraints.txt" in files and "pyproject.toml" in files
    for path in files:
        if path.endswith(".txt"):
            lines = [x.strip() for x in (ROOT / path).read_text(encoding="utf-8").splitlines()]
            requirements = [x for x in lines if x and not x.startswith("#")]
        else:
            data = tomllib.loads((ROOT / path).read_text(encoding="utf-8"))
            project = data.get("project", {})
            requirements = list(project.get("dependencies", []))
            for extra in project.get("optional-dependencies", {}).values():
                requirements += extra
            requirements += data.get("build-system", {}).get("requires", [])
        for requirement in requirements:
            assert PIN.match(requirement), f"{path}: {requirement!r} is not `name==version`"
            assert "://" not in requirement and " @ " not in requirement, (path, requirement)


def test_pyproject_and_constraints_are_one_set_of_versions() -> None:
    pins = _constraints()
    learner, dev = _requirements()
    for requirement in learner + _server_requirements() + dev:
        name = _name(requirement)
        assert name in pins, f"{name} is not in constraints.txt"
        version = requirement.split("==", 1)[1]
        assert pins[name].split("==", 1)[1] == version, (requirement, pins[name])


def test_the_learners_install_leaves_out_the_test_tools() -> None:
    learner, dev = _requirements()
    assert not TEST_TOOLS & {_name(r) for r in learner}
    assert {_name(r) for r in dev} >= TEST_TOOLS
    script = (ROOT / "scripts" / "install").read_text(encoding="utf-8")
    course = (ROOT / "scripts" / "course").read_text(encoding="utf-8")
    assert "./scripts/install\n" in course and "--dev" not in course
    assert '-e "$target"' in script and "-c constraints.txt" in script


def test_the_learners_install_leaves_out_the_instructor_server() -> None:
    """The server's packages are an extra: `--server` and `--dev` install it, a learner's
    install (`./scripts/course`) does not; `grade-server` looks for exactly those."""
    from grader.server.entry import PACKAGES

    learner, _ = _requirements()
    server = {_name(r) for r in _server_requirements()}
    assert {"sqlalchemy", "alembic", "psycopg", "starlette", "uvicorn"} <= server
    assert not server & {_name(r) for r in learner}
    assert set(PACKAGES) == server
    script = (ROOT / "scripts" / "install").read_text(encoding="utf-8")
    course = (ROOT / "scripts" / "course").read_text(encoding="utf-8")
    assert 'target=".[server]"' in script and 'target=".[dev,server]"' in script
    assert "--server" not in course
    scripts = _pyproject()["project"]["scripts"]
    assert scripts["grade-server"] == "grader.server.entry:main"


def test_moto_comes_without_what_the_course_does_not_run() -> None:
    """moto's `server` extra (and `all`, `proxy`, `cloudformation`...) brings cfn-lint,
    sympy, networkx, pydantic, graphql and docker: the course names Flask itself instead,
    and moto's extras for the services it serves."""
    learner, _ = _requirements()
    moto = next(r for r in learner if _name(r) == "moto")
    extras = set(re.search(r"\[([a-z0-9,_-]+)\]", moto).group(1).split(","))  # type: ignore[union-attr]
    assert extras.isdisjoint({"server", "all", "proxy", "cloudformation", "awslambda",
                              "resourcegroupstaggingapi", "appsync", "batch"})
    assert {"flask", "flask-cors"} <= {_name(r) for r in learner}


def test_everything_installed_here_is_pinned() -> None:
    """What the project's environment holds is exactly constraints.txt: nothing unpinned."""
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable",
                             "--disable-pip-version-check"], text=True, capture_output=True,
                            check=True).stdout.splitlines()
    installed = {_name(x): x for x in frozen if x and not x.startswith("#")}
    assert not [x for x in installed.values() if "@" in x]
    assert set(installed) == set(_constraints()), set(installed) ^ set(_constraints())
