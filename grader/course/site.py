"""The course site on the learner's machine: served by `./scripts/course`, found by `grade`.

`python -m grader.course.site [PORT]` serves the lessons with mkdocs on
127.0.0.1 (port 8000 unless `PORT` or the argument says otherwise) and
remembers where in `GRADE_HOME/site.json` while it runs, so that links
that `grade` prints (quiz feedback, failure messages) point at the site
that is actually running. Run a second time while the site is up, it says
where the site already is instead of failing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from grader.paths import COURSE_ROOT, grade_home, write_private
from grader.sandbox.control import loopback_open
from grader.sandbox.server import port_refusal

SITE_FILE = "site.json"
HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def default_port() -> int:
    """The port the site is served on when none is given: `PORT`, else 8000."""
    try:
        port = int(os.environ.get("PORT", DEFAULT_PORT))
    except ValueError:
        return DEFAULT_PORT
    return port if 1 <= port <= 65535 else DEFAULT_PORT


def _running() -> str | None:
    """The URL of the site this GRADE_HOME is serving, None when it is not up."""
    path = grade_home() / SITE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        pid, url = int(data["pid"]), str(data["url"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        path.unlink(missing_ok=True)
        return None
    except PermissionError:
        pass
    return url


def site_url() -> str:
    """The course site's address, ending in `/`: the running site's, else the default one."""
    return _running() or f"http://{HOST}:{default_port()}/"


def page_url(page: str) -> str:
    """The address of a lesson page (`lessons/mfa.md#anchor`) on the course site."""
    path, _, anchor = page.partition("#")
    url = site_url() + path.removesuffix(".md") + ".html"
    return f"{url}#{anchor}" if anchor else url


def _answers(url: str) -> bool:
    try:
        with loopback_open(urllib.request.Request(url), timeout=1.0) as answer:
            return bool(answer.status == 200)
    except (OSError, ValueError):
        return False


def serve(port: int) -> int:
    """Serve the site until Ctrl-C; 0 also when it is already up, 3 when the port is taken."""
    running = _running()
    if running and _answers(running):
        print(f"The course site is already running at {running}")
        return 0
    url = f"http://{HOST}:{port}/"
    if port_refusal(port) is not None:
        print(f"Port {port} is already used by another program, so the course site cannot "
              f"use it.\nPick another port:  PORT={port + 1 if port < 65535 else 8001} "
              "./scripts/course", file=sys.stderr)
        return 3
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    mkdocs = Path(sys.executable).parent / "mkdocs"
    process = subprocess.Popen(
        [str(mkdocs), "serve", "--dev-addr", f"{HOST}:{port}", "--no-livereload", "--quiet"],
        cwd=COURSE_ROOT, env=env)
    path = grade_home() / SITE_FILE
    write_private(path, json.dumps({"pid": process.pid, "url": url}) + "\n")
    print(f"The course site is at {url} (Ctrl-C stops the site; the simulated account "
          "keeps running until `grade sandbox stop`).")
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)
        with contextlib.suppress(KeyboardInterrupt):
            process.wait(timeout=10)
        return 0
    finally:
        if process.poll() is None:
            process.kill()
        path.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    try:
        port = int(args[0]) if args else default_port()
    except ValueError:
        print(f"{args[0]!r} is not a port number.", file=sys.stderr)
        raise SystemExit(2) from None
    raise SystemExit(serve(port))


if __name__ == "__main__":
    main()
