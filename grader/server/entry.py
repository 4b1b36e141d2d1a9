"""The `grade-server` command: first, whether the instructor server's packages are here.

They are the `server` extra of pyproject.toml (`./scripts/install --server`); a learner's
install (`./scripts/install`, `./scripts/course`) leaves them out. Without them,
`grade-server` says which are missing and how to install them, in two lines, and exits
with its own status (5), rather than a traceback from an import. This module imports
nothing of the server's before it has looked.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence

NOT_INSTALLED = 5

# The `server` extra of pyproject.toml: each distribution, and the module it is imported
# as (tests/test_install_files.py keeps the two lists the same).
PACKAGES = {
    "starlette": "starlette",
    "uvicorn": "uvicorn",
    "sqlalchemy": "sqlalchemy",
    "alembic": "alembic",
    "psycopg": "psycopg",
    "argon2-cffi": "argon2",
    "jinja2": "jinja2",
    "itsdangerous": "itsdangerous",
    "python-multipart": "python_multipart",
}


def missing() -> list[str]:
    """The server's distributions that cannot be imported here."""
    return [name for name, module in PACKAGES.items() if importlib.util.find_spec(module) is None]


def main(argv: Sequence[str] | None = None) -> None:
    absent = missing()
    if absent:
        from grader.paths import COURSE_ROOT

        print(f"grade-server: the instructor server's packages are not installed "
              f"(missing: {', '.join(absent)}); a learner's install leaves them out.",
              file=sys.stderr)
        print(f"Install them, then run grade-server again:  cd {COURSE_ROOT} && "
              f"./scripts/install --server", file=sys.stderr)
        sys.exit(NOT_INSTALLED)
    from grader.server.cli import main as run

    run(argv)
