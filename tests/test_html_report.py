"""The HTML report, opened in headless Chromium: what a person sees."""

from __future__ import annotations

import html
import os
import shutil
import subprocess

import pytest
from bulk_tree import cli, make_home, wordpress_tree

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    home = make_home(tmp_path_factory.mktemp("home"))
    root = tmp_path_factory.mktemp("site")
    uploads = wordpress_tree(root, originals=2, flagged=(1,))
    (uploads / "<img src=x onerror=alert(1)>.jpg").write_text("not a picture")
    (uploads / "new\nline.png").write_text("not a picture")
    out = root / "report.html"
    result = cli("scan", str(uploads), "--format", "html", "-o", str(out), home=home.root)
    assert result.exit_code == 3, result.output
    return out


def _dom(path, tmp_path) -> str:
    profile = tmp_path / "profile"
    run = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", path.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_report_is_self_contained_and_escaped(report):
    text = report.read_text("utf-8")
    assert "<img src=x" not in text and html.escape("<img src=x onerror=alert(1)>.jpg") in text
    assert "new\\nline.png" in text
    assert "src=\"http" not in text and "Content-Security-Policy" in text
    assert text.count("data:image/jpeg;base64,") >= 1  # the preview with the box drawn
    assert text.count("data:image/png;base64,") >= 1  # the emblem's catalogue thumbnail


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_chromium_shows_summary_flagged_original_copies_and_errors(report, tmp_path):
    dom = _dom(report, tmp_path)
    assert "<h1>emblemcheck report</h1>" in dom
    assert dom.count('data-status="flagged"') == 1  # one section for photo1 and its copies
    assert "photo1.jpg</code>" in dom and "Copies (3):" in dom
    assert "Test badge" in dom and "restricted" in dom
    assert "&lt;img src=x onerror=alert(1)&gt;.jpg" in dom  # shown as text, not run
    assert "<h2>Errors (2)</h2>" in dom


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_chromium_renders_a_screenshot(report, tmp_path):
    shot = tmp_path / "shot.png"
    run = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'p2'}", f"--screenshot={shot}",
                          "--window-size=1200,1600", report.as_uri()], capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr
    from PIL import Image

    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # text and pictures, not a blank page
    os.makedirs("test-artifacts", exist_ok=True)
    shutil.copy(shot, "test-artifacts/html-report.png")


def test_report_lists_the_catalogue_entries_it_cannot_find_once(report):
    text = report.read_text("utf-8")
    # make_home builds without the official artwork: those entries are unavailable; the drawn
    # badge has too few keypoints to be found inside a larger picture.
    assert text.count("<h2>Catalogue entries this scan cannot find, or finds only as the whole picture (") == 1
    table = text.split('<table class="list undetectable">', 1)[1].split("</table>", 1)[0]
    assert "<code>cbsa-badge</code>" in table and "<code>gc-signature-en</code>" in table
    assert html.escape("`emblemcheck catalogue add FILE --id cbsa-badge`") in table
    assert "<code>test-badge</code></td><td>Test badge: too little detail to locate inside a bigger picture" in table
