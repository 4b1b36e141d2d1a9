"""The course site builds with --strict, offline, and its exercise pages come
from the exercise folders' README (one source)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_site_builds_strict_and_offline(tmp_path: Path) -> None:
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                           "--site-dir", str(site)], cwd=ROOT, env=env, text=True,
                          capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    page = (site / "exercises" / "03-stop-using-root.html").read_text()
    readme = (ROOT / "exercises" / "03-stop-using-root" / "README.md").read_text()
    assert "Any names work" in readme and "Any names work" in page
    for html in site.rglob("*.html"):
        text = html.read_text()
        remote = re.findall(r'(?:src|href)="(https?://[^"]+)"', text)
        assert not [u for u in remote if "fonts.g" in u or u.endswith(".js")], (html, remote)
