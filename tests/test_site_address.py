"""The course site as `./scripts/course` serves it: on the port asked for, found again
by `grade` for its links, and a second start says where it already runs."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path

from tests.conftest import EXERCISES, ROOT, Course


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _site(home: Course, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "grader.course.site", str(port)], cwd=ROOT,
                            env=home.env, text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _wait_until_it_answers(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)  # mkdocs is still building the site
    raise AssertionError(f"the site never answered at {url}")


def _wrong_answers(path: Path) -> Path:
    quiz = tomllib.loads((EXERCISES / "01-shared-responsibility" / "quiz.toml").read_text())
    answers = path / "answers.toml"
    answers.write_text("".join(f'{q["id"]} = "a"\n' for q in quiz["question"]))
    return answers


def test_links_follow_the_port_the_site_runs_on(home: Course, tmp_path: Path) -> None:
    port = _free_port()
    site = _site(home, port)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_until_it_answers(url, site)
        remembered = home.home / "site.json"
        assert remembered.stat().st_mode & 0o077 == 0
        assert json.loads(remembered.read_text())["url"] == url
        graded = home.grade("01", "--answers", str(_wrong_answers(tmp_path)))
        assert graded.returncode == 1, graded.stderr
        assert f"{url}lessons/shared-responsibility.html" in graded.stdout
        assert ":8000/" not in graded.stdout

        again = _site(home, port + 1 if port < 65535 else port - 1)
        out, err = again.communicate(timeout=60)
        assert again.returncode == 0, err
        assert f"already running at {url}" in out and "Traceback" not in err
    finally:
        site.send_signal(signal.SIGINT)
        site.wait(timeout=30)
    assert not (home.home / "site.json").exists()
    after = home.grade("01", "--answers", str(_wrong_answers(tmp_path)))
    assert "http://127.0.0.1:8000/lessons/" in after.stdout  # not running: the default


def test_a_port_taken_by_another_program_is_said_plainly(home: Course) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _site(home, port)
        _, err = done.communicate(timeout=60)
    assert done.returncode == 3
    assert f"Port {port} is already used by another program" in err
    assert "PORT=" in err and "Traceback" not in err


def test_the_home_page_does_not_hard_code_a_port() -> None:
    for page in (ROOT / "docs").rglob("*.md"):
        assert "127.0.0.1:8000" not in page.read_text(encoding="utf-8"), page
