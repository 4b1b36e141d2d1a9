"""A learner's install holds what a learner uses (#23.7), and what a learner runs needs
nothing more.

The instructor server's packages are the `server` extra (`./scripts/install --server`);
a learner's install (`./scripts/course`) leaves them out, and moto comes without its
`server` extra's CloudFormation and friends. Here, from the installed packages' own
metadata: what each install brings; then the learner's code, read (every import, those
inside functions too) and run (every module imported, a simulated account started and an
exercise graded) with the server's packages made impossible to import, as on a learner's
machine; and `grade-server` there, which says how to install them.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import BIN, ROOT, clean_env

# What moto's `server` extra used to bring for nothing the course runs.
HEAVY = {"cfn-lint", "sympy", "mpmath", "networkx", "pydantic", "graphql-core", "docker",
         "aws-xray-sdk", "openapi-spec-validator", "joserfc", "antlr4-python3-runtime"}


def _extras() -> tuple[list[str], list[str], list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    optional = project["optional-dependencies"]
    return list(project["dependencies"]), list(optional["server"]), list(optional["dev"])


def _closure(requirements: list[str]) -> set[str]:
    """Every distribution that installing `requirements` brings, read from the metadata of
    the packages installed here (this environment has all of them: `--dev`)."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        key = (canonicalize_name(requirement.name), frozenset(requirement.extras))
        if key in seen:
            continue
        seen.add(key)
        extras = requirement.extras | {""}
        for line in metadata.requires(requirement.name) or []:
            wanted = Requirement(line)
            if wanted.marker is None or any(wanted.marker.evaluate({"extra": e})
                                            for e in extras):
                todo.append(wanted)
    return {name for name, _ in seen}


@functools.cache
def _installs() -> tuple[set[str], set[str]]:
    """The distributions of a learner's install, and those only the server's adds."""
    learner, server, _ = _extras()
    ours = _closure(learner)
    return ours, _closure(server) - ours


@functools.cache
def _server_only_modules() -> frozenset[str]:
    """The top-level modules that only the server's distributions provide."""
    _, server_only = _installs()
    return frozenset(
        module for module, dists in metadata.packages_distributions().items()
        if all(canonicalize_name(d) in server_only for d in dists))


def _learner_files() -> list[Path]:
    """The code a learner's `grade`, simulated account and course site run."""
    grader = [p for p in (ROOT / "grader").rglob("*.py")
              if (ROOT / "grader" / "server") not in p.parents]
    return grader + sorted((ROOT / "docs" / "hooks").glob("*.py")) + sorted(
        (ROOT / "exercises").rglob("*.py"))


# The modules of what moto's `server` extra would bring that a learner's install leaves
# out (whether or not this environment has them).
MOTO_LEFT_OUT = ("cfnlint", "sympy", "networkx", "pydantic", "graphql", "docker", "joserfc",
                 "openapi_spec_validator", "aws_xray_sdk", "antlr4")


def _blocked(folder: Path) -> dict[str, str]:
    """An environment in which the server's modules (and what moto's `server` extra would
    bring) cannot be imported, as on a learner's machine (a `sitecustomize` on PYTHONPATH,
    so every process started from it too)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        "import sys\n"
        f"for _name in {sorted(_server_only_modules() | set(MOTO_LEFT_OUT))!r}:\n"
        "    sys.modules[_name] = None  # `import` raises ModuleNotFoundError\n",
        encoding="utf-8")
    kept = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return {"PYTHONPATH": os.pathsep.join([str(folder), *kept])}


def test_a_learners_install_leaves_out_the_server_and_motos_extras() -> None:
    learner, server_only = _installs()
    assert {"moto", "flask", "flask-cors", "awscli", "mkdocs-material", "pytest"} <= learner
    assert not HEAVY & learner, HEAVY & learner
    assert {"sqlalchemy", "alembic", "psycopg", "psycopg-binary", "starlette",
            "uvicorn"} <= server_only
    assert {"sqlalchemy", "alembic", "psycopg", "starlette", "uvicorn", "argon2"} <= (
        _server_only_modules())


def test_the_learners_code_never_imports_the_servers() -> None:
    """Read, not run: an import inside a function counts as much as one at the top."""
    banned = _server_only_modules()
    checked = 0
    for path in _learner_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                where = f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
                assert name.split(".")[0] not in banned, where
                assert not (name + ".").startswith("grader.server."), where
        checked += 1
    assert checked > 100


IMPORT_ALL = """
import importlib, importlib.util, pkgutil, sys
import grader
failed = []
for module in pkgutil.walk_packages(grader.__path__, "grader."):
    if module.name == "grader.server" or module.name.startswith("grader.server."):
        continue
    try:
        importlib.import_module(module.name)
    except Exception as error:
        failed.append(f"{module.name}: {type(error).__name__}: {error}")
for path in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location("hook_" + path.rsplit("/", 1)[-1][:-3], path)
    try:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
    except Exception as error:
        failed.append(f"{path}: {type(error).__name__}: {error}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_learner_module_imports_without_the_servers_packages(tmp_path: Path) -> None:
    hooks = [str(p) for p in sorted((ROOT / "docs" / "hooks").glob("*.py"))]
    env = clean_env(tmp_path / "home") | _blocked(tmp_path / "blocked")
    done = subprocess.run([sys.executable, "-c", IMPORT_ALL, *hooks], cwd=ROOT, env=env,
                          text=True, capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    # The block holds: the server itself cannot be imported there.
    server = subprocess.run([sys.executable, "-c", "import grader.server.cli"], cwd=ROOT,
                            env=env, text=True, capture_output=True, timeout=60, check=False)
    assert server.returncode == 1 and "ModuleNotFoundError" in server.stderr


def test_a_learners_loop_runs_without_the_servers_packages(tmp_path: Path) -> None:
    """The simulated account started, an exercise graded, in processes where the server's
    packages cannot be imported (the block is inherited by every process started)."""
    env = clean_env(tmp_path / "home") | _blocked(tmp_path / "blocked")
    grade = str(BIN / "grade")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([grade, *args], env=env, text=True, capture_output=True,
                              timeout=180, check=False)

    started = run("sandbox", "start")
    try:
        assert started.returncode == 0, started.stderr
        graded = run("03", "--json")
        assert graded.returncode == 1, graded.stderr
        assert json.loads(graded.stdout)["exercise"] == "03-stop-using-root"
        assert "Traceback" not in graded.stderr
        # A service moto models with what a learner's install leaves out: not supported
        # (as one moto does not model), not a failure.
        account = env | json.loads(run("sandbox", "env", "--json").stdout)
        stacks = subprocess.run([str(BIN / "aws"), "cloudformation", "list-stacks"],
                                env=account, text=True, capture_output=True, timeout=120,
                                check=False)
        assert stacks.returncode != 0, stacks.stderr
        assert "does not support the cloudformation service" in stacks.stderr, stacks.stderr
    finally:
        run("sandbox", "stop")


def test_grade_server_without_its_packages_says_how_to_install_them(tmp_path: Path) -> None:
    server_home = tmp_path / "server"
    env = (clean_env(tmp_path / "home") | _blocked(tmp_path / "blocked")
           | {"GRADE_SERVER_HOME": str(server_home)})
    done = subprocess.run([str(BIN / "grade-server"), "init", "--email", "t@example.com",
                           "--password-stdin"], env=env, input="a-long-password\n", text=True,
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == 5, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("grade-server: the instructor server's packages are not "
                               "installed (missing: starlette, uvicorn, sqlalchemy"), lines[0]
    assert lines[1].endswith(f"cd {ROOT} && ./scripts/install --server"), lines[1]
    assert done.stdout == ""
    assert not server_home.exists()
