"""The pre-commit hook, run by the real pre-commit tool from this repository's path (no network)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bulk_tree import badge, make_home, photo, save

REPO = Path(__file__).resolve().parents[1]
PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).with_name("pre-commit"))
EMBLEMCHECK = shutil.which("emblemcheck") or str(Path(sys.executable).with_name("emblemcheck"))


def _git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.mark.slow
@pytest.mark.skipif(not Path(PRE_COMMIT).exists(), reason="pre-commit not installed (pip install pre-commit)")
def test_hook_blocks_a_commit_with_an_emblem(tmp_path):
    rev = _git("rev-parse", "HEAD", cwd=REPO)
    if _git("log", "-1", "--format=%H", "--", ".pre-commit-hooks.yaml", cwd=REPO) == "":
        pytest.skip(".pre-commit-hooks.yaml is not committed yet")
    home = make_home(tmp_path / "home")
    site = tmp_path / "site"
    site.mkdir()
    _git("init", "-q", cwd=site)
    _git("config", "user.email", "t@example.invalid", cwd=site)
    _git("config", "user.name", "t", cwd=site)
    # language: system uses the emblemcheck already installed; the manifest
    # itself (id, types, require_serial) comes from cloning this repository's path.
    (site / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {REPO}\n  rev: {rev}\n  hooks:\n  - id: emblemcheck\n"
        f"    language: system\n    entry: {EMBLEMCHECK} scan --quiet\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "EMBLEMCHECK_HOME": str(home.root)}
    save(photo(1), site / "clean.png")
    (site / "notes.md").write_text("text files are not passed to the hook\n")
    _git("add", ".", cwd=site)
    clean = subprocess.run([PRE_COMMIT, "run", "--all-files"], cwd=site, env=env, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    save(badge(300), site / "logo.png")
    _git("add", "logo.png", cwd=site)
    blocked = subprocess.run([PRE_COMMIT, "run", "--all-files"], cwd=site, env=env, capture_output=True, text=True)
    assert blocked.returncode == 1, blocked.stdout + blocked.stderr
    assert "logo.png: FLAGGED" in blocked.stdout
    assert "notes.md" not in blocked.stdout
