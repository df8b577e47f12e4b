"""The wheel carries assets/ and data/: a non-editable install works from any folder."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile

import pytest

pytestmark = pytest.mark.slow


def test_a_built_wheel_installs_and_runs_outside_the_checkout(tmp_path, built_home):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path / "dist"), root], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("emblemcheck-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("emblemcheck/_assets/catalogue.toml", "emblemcheck/_assets/canada-flag.svg",
                    "emblemcheck/_data/guidelines.toml", "emblemcheck/_data/scan-output.schema.json"):
        assert shipped in names
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    # Dependencies come from this environment; emblemcheck itself from the installed wheel only.
    env = {**os.environ, "PYTHONPATH": str(site), "EMBLEMCHECK_HOME": str(tmp_path / "home")}
    env["PATH"] = str(tmp_path)  # no npm: the shipped parts must build on their own
    out = subprocess.run([sys.executable, "-m", "emblemcheck", "catalogue", "build"], cwd=tmp_path, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    check = subprocess.run([sys.executable, "-c", "import emblemcheck; print(emblemcheck.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True)
    assert check.stdout.startswith(str(site))
    listed = subprocess.run([sys.executable, "-m", "emblemcheck", "catalogue", "list"], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert "canada-flag" in listed.stdout and "ready" in listed.stdout
