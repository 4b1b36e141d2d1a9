"""One simulated account process per record: two `grade sandbox start` at once
make one process, and a process never serves a record another live one serves."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox.server import RECORD_IN_USE
from tests.conftest import BIN, ROOT, Course

ENDPOINT = re.compile(r"http://127\.0\.0\.1:\d+")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def servers(folder: Path) -> list[int]:
    """The pids of the simulated account processes serving `folder` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        serving = {b"grader.sandbox.server", b"grader.grading.account_process"} & set(args)
        if serving and str(folder).encode() in args and state != "Z":
            found.append(int(entry.name))
    return sorted(found)


needs_proc = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(),
                                reason="counts processes with Linux's /proc")


@needs_proc
def test_two_starts_at_once_make_one_account(home: Course) -> None:
    folder = home.home / "sandbox"
    starts = [subprocess.Popen([str(BIN / "grade"), "sandbox", "start"], env=home.env,
                               text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
              for _ in range(2)]
    try:
        outputs = [start.communicate(timeout=120) for start in starts]
        for start, (_, err) in zip(starts, outputs, strict=True):
            assert start.returncode == 0, err
        endpoints = {ENDPOINT.search(out).group() for out, _ in outputs}  # type: ignore[union-attr]
        assert len(endpoints) == 1, outputs
        assert sum("already running" in out for out, _ in outputs) == 1, outputs
        runtime = json.loads((folder / "runtime.json").read_text())
        assert runtime["endpoint"] in endpoints
        assert servers(folder) == [runtime["pid"]]
        stopped = home.grade("sandbox", "stop")
        assert stopped.returncode == 0, stopped.stderr
        assert not alive(runtime["pid"])
        assert servers(folder) == []
    finally:
        for pid in servers(folder):  # what a failed run left behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes()
            for name in ("record.sqlite", "record.sqlite-wal", "runtime.json", "account.json")
            if (folder / name).exists()}


def test_a_second_process_refuses_a_record_in_use(home: Course) -> None:
    assert home.grade("sandbox", "start").returncode == 0
    folder = home.home / "sandbox"
    try:
        before = snapshot(folder)
        pid = json.loads((folder / "runtime.json").read_text())["pid"]
        second = subprocess.run(
            [sys.executable, "-m", "grader.grading.account_process", str(folder), "0"],
            env=home.env, cwd=ROOT, text=True, capture_output=True, timeout=120, check=False)
        assert second.returncode == RECORD_IN_USE, second.stderr
        assert "another process serves the record" in second.stderr
        assert snapshot(folder) == before
        status = home.grade("sandbox", "status")
        assert status.returncode == 0 and f"pid {pid}" in status.stdout

        # A process `grade` does not know of (its runtime.json lost) still holds the
        # record: starting another says so, and how to end it.
        runtime = (folder / "runtime.json").read_bytes()
        (folder / "runtime.json").unlink()
        refused = home.grade("sandbox", "start")
        assert refused.returncode == 2, refused.stdout
        assert "Traceback" not in refused.stderr
        assert refused.stderr.startswith(
            f"grade: Another simulated account process (pid {pid}) is using this record")
        assert f"kill {pid}" in refused.stderr
        assert alive(pid)
        (folder / "runtime.json").write_bytes(runtime)
    finally:
        home.grade("sandbox", "stop")
    assert not alive(pid)
