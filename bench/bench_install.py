"""Benchmark: a learner's install (#23.7), the way the README gives it (not run as tests).

    .venv/bin/python bench/bench_install.py [--rev REV] [--before REV] [--write bench/RESULTS.md]

In a temporary folder: a fresh clone of this repository at REV (default HEAD), a clean
HOME, and `./scripts/course` run in a terminal (a pseudo-terminal, as a learner's, so
that the installer shows what it shows a person). Measured, each from a fresh clone and venv:

- with an empty package cache (a learner's first install: every package downloaded), and
  again with the cache that run filled (a second course, or a reinstall): the time until
  the simulated account runs and until the course site answers, and the longest stretch
  in which nothing new appeared on the terminal;
- `./scripts/course` run again on the installed clone, as a learner coming back does;
- the size of the `.venv` it made (`du`), and its largest parts.

With `--before REV`, the same for REV too (the install as it was), shown beside.
Budget: the learner's `.venv` at most 500 MB (sizes are shown in MiB, as `du -sh` gives).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import platform
import pty
import re
import resource
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.results import replace_section  # noqa: E402

HEADING = "## A learner's install"
BUDGET_MB = 500
ACCOUNT_RUNS = re.compile(rb"The simulated AWS account .{0,40}running at")
TIMEOUT = 1800.0


@dataclass
class Run:
    """One `./scripts/course`, from its start until the course site answered."""

    account: float = 0.0  # seconds until the simulated account ran
    site: float = 0.0  # seconds until the course site answered
    silence: float = 0.0  # the longest stretch without new output, in seconds
    cpu: float = 0.0  # CPU seconds (user and system) of the processes it waited for
    load: float = 0.0  # the machine's load average (1 minute) as it began
    output: bytes = b""


@dataclass
class Install:
    rev: str
    cold: Run = field(default_factory=Run)
    warm: Run = field(default_factory=Run)
    again: Run = field(default_factory=Run)
    size_mb: float = 0.0
    largest: list[tuple[str, float]] = field(default_factory=list)
    packages: int = 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(home: Path, cache: Path) -> dict[str, str]:
    """A learner's environment: nothing of this project's venv, AWS or grade settings."""
    kept = {k: v for k, v in os.environ.items()
            if not k.startswith(("AWS_", "GRADE_", "MOTO_", "VIRTUAL_ENV", "PYTHON",
                                 "PIP_CACHE", "UV_"))}
    path = os.pathsep.join(p for p in kept.get("PATH", "").split(os.pathsep)
                           if "/.venv/" not in p + "/")
    return kept | {"HOME": str(home), "PATH": path, "PIP_CACHE_DIR": str(cache / "pip"),
                   "UV_CACHE_DIR": str(cache / "uv"),
                   "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}


def _clone(rev: str, folder: Path) -> Path:
    sha = subprocess.run(["git", "rev-parse", rev], cwd=ROOT, text=True, capture_output=True,
                         check=True).stdout.strip()
    clone = folder / "secure-your-aws-account"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "checkout", "--quiet", sha], cwd=clone, check=True)
    return clone


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _course(clone: Path, env: dict[str, str]) -> Run:
    """`./scripts/course` in a terminal until the site answers; then Ctrl-C and the
    simulated account stopped."""
    port = _free_port()
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    run = Run(load=os.getloadavg()[0])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    course = subprocess.Popen(["./scripts/course"], cwd=clone, env=env | {"PORT": str(port)},
                              stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    last = started
    next_probe = started
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            now = time.monotonic()
            if now - started > TIMEOUT:
                raise RuntimeError(f"./scripts/course: no site after {TIMEOUT:.0f} s")
            ready, _, _ = select.select([master], [], [], 0.1)
            now = time.monotonic()
            chunk = b""
            if ready:
                with contextlib.suppress(OSError):  # EIO: nothing holds the terminal now
                    chunk = os.read(master, 65536)
                if chunk:
                    run.silence = max(run.silence, now - last)
                    last = now
                    run.output += chunk
                    if not run.account and ACCOUNT_RUNS.search(run.output):
                        run.account = now - started
            if not chunk and course.poll() is not None:
                tail = run.output[-3000:].decode(errors="replace")
                raise RuntimeError(f"./scripts/course stopped ({course.returncode}):\n{tail}")
            if ready and not chunk:
                time.sleep(0.1)
            if now >= next_probe:
                next_probe = now + 0.25
                if _answers(url):
                    run.site = now - started
                    run.silence = max(run.silence, now - last)
                    break
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(course.pid, signal.SIGINT)
        try:
            course.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(course.pid, signal.SIGKILL)
            course.wait()
        with contextlib.suppress(OSError):
            while select.select([master], [], [], 0)[0] and os.read(master, 65536):
                pass
        os.close(master)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        run.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        grade = clone / ".venv" / "bin" / "grade"
        if grade.exists():
            subprocess.run([str(grade), "sandbox", "stop"], cwd=clone, env=env,
                           capture_output=True, timeout=120, check=False)
    return run


def _du_mb(path: Path) -> float:
    out = subprocess.run(["du", "-sk", str(path)], text=True, capture_output=True,
                         check=True).stdout
    return int(out.split()[0]) / 1024


def _largest(venv: Path, count: int = 6) -> tuple[list[tuple[str, float]], int]:
    """The largest folders of the venv's site-packages, and how many distributions it holds."""
    site = next((venv / "lib").glob("python3.*/site-packages"))
    sizes = [(p.name, _du_mb(p)) for p in site.iterdir()
             if p.is_dir() and not p.name.endswith((".dist-info", ".egg-info", "__pycache__"))]
    dists = sum(1 for p in site.iterdir() if p.name.endswith(".dist-info"))
    return sorted(sizes, key=lambda s: -s[1])[:count], dists


def measure(rev: str) -> Install:
    result = Install(rev=subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT,
                                        text=True, capture_output=True, check=True).stdout.strip())
    with tempfile.TemporaryDirectory(prefix="bench-install-") as tmp:
        folder = Path(tmp)
        cache = folder / "package-cache"
        for label in ("cold", "warm"):
            home = folder / f"home-{label}"
            home.mkdir()
            place = folder / label
            place.mkdir()
            clone = _clone(rev, place)
            env = _env(home, cache)
            print(f"{result.rev}: ./scripts/course, {label} package cache...", flush=True)
            setattr(result, label, _course(clone, env))
            done = getattr(result, label)
            print(f"  site after {done.site:.1f} s, longest silence {done.silence:.1f} s, "
                  f"CPU {done.cpu:.0f} s, load {done.load:.1f}", flush=True)
            if label == "warm":
                print(f"{result.rev}: ./scripts/course again...", flush=True)
                result.again = _course(clone, env)
                result.size_mb = _du_mb(clone / ".venv")
                result.largest, result.packages = _largest(clone / ".venv")
            (folder / f"{label}.log").write_bytes(getattr(result, label).output)
            shutil.rmtree(place, ignore_errors=True)
    return result


def _rows(install: Install, label: str) -> list[str]:
    def row(what: str, run: Run) -> str:
        return (f"| {label}: {what} | {run.account:.0f} s | {run.site:.0f} s | "
                f"{run.silence:.0f} s | {run.cpu:.0f} s | {run.load:.1f} |")

    return [row("`./scripts/course`, empty package cache", install.cold),
            row("`./scripts/course`, package cache filled", install.warm),
            row("`./scripts/course` again (installed)", install.again)]


def _text(after: Install, before: Install | None) -> str:
    load = os.getloadavg()[0]
    verdict = "ok" if after.size_mb * 1.048576 <= BUDGET_MB else "OVER"  # MiB to MB
    sizes = [f"| {after.rev} (this) | {after.size_mb:.0f} MiB | {after.packages} | "
             f"{BUDGET_MB} MB ({verdict}) |"]
    runs = _rows(after, after.rev)
    if before is not None:
        sizes.append(f"| {before.rev} (before) | {before.size_mb:.0f} MiB | {before.packages} "
                     f"| |")
        runs += _rows(before, f"{before.rev} (before)")
    largest = ", ".join(f"{name} {mb:.0f}" for name, mb in after.largest)
    return f"""{HEADING}

Machine: {os.cpu_count()} cores, {platform.python_implementation()} \
{platform.python_version()}, {platform.machine()}, load average {load:.1f} at the end \
(each run's as it began is in its row: others' work shares the cores, so the times vary \
with it; CPU is the CPU time of what `./scripts/course` ran and waited for). Produced by \
`bench/bench_install.py`: a fresh clone, a clean HOME, `./scripts/course` in a terminal \
(a pseudo-terminal) until the course site answers; the first time with an empty package \
cache (the packages downloaded from the package index), then in another fresh clone with \
the cache that filled, then again on that installed clone (a learner coming back).

| Revision | `.venv` (`du`) | Distributions | Budget |
|---|---|---|---|
{chr(10).join(sizes)}

| Run | Simulated account running | Course site answers | Longest silence | CPU | Load |
|---|---|---|---|---|---|
{chr(10).join(runs)}

The largest parts of the learner's site-packages (MiB): {largest}.

What a learner's install leaves out since #23.7: moto's `server` extra (cfn-lint, sympy, \
mpmath, networkx, pydantic, graphql-core, docker, aws-xray-sdk, openapi-spec-validator...: \
moto's CloudFormation, AppSync, Lambda and the like, which the course never runs; Flask and \
flask-cors, what the simulated account runs of that extra, are named beside moto), and the \
instructor's server (SQLAlchemy, alembic, psycopg, starlette, uvicorn, argon2: \
`./scripts/install --server`). `./scripts/install` says which step it is on, and installs \
with uv (pinned in constraints.txt, installed into `.venv/` by the venv's own pip): in a \
terminal uv shows its progress. A learner's install is not byte-compiled (Python compiles \
what it imports, the first time: the first `grade sandbox start` is slower than later ones); \
the server's and the tests' are. Run again, `./scripts/install` installs nothing when \
`pyproject.toml` and `constraints.txt` are as they were.
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rev", default="HEAD", help="the revision measured (default HEAD)")
    parser.add_argument("--before", help="a revision to measure too, shown as before")
    parser.add_argument("--write", type=Path, help="put the section in this results file")
    options = parser.parse_args()
    after = measure(options.rev)
    before = measure(options.before) if options.before else None
    text = _text(after, before)
    print(text)
    if options.write:
        replace_section(options.write, HEADING, text)


if __name__ == "__main__":
    main()
