"""One real browser on a real `emblemcheck browse` server: the flagged files page renders its images.

Needs Debian's chromium and chromium-driver (.ci/run installs them); skipped
with the reason when they are absent. The screenshot goes to test-artifacts/.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("datasette", reason="the browse extra is not installed")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"

from pictures import flagged_paths  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
        reason="chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)",
    ),
]


@pytest.fixture
def server(scanned_home):
    """`emblemcheck browse --port 0` on the scanned home in a child process; yields its URL."""
    yield from _serve(scanned_home)


@pytest.fixture
def fresh_server(home):
    """`emblemcheck browse --port 0` right after `catalogue build` (no scans.db); yields its URL."""
    assert not home.scans_db.exists()
    yield from _serve(home)


def _serve(home, *options):
    """`emblemcheck [OPTIONS] browse --port 0` on ``home``; yields its URL."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-c", "from emblemcheck.cli import main; main()",
         *options, "browse", "--port", "0", "--home", str(home.root)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 60)
        line = process.stdout.readline() if ready else ""
        assert " http://127.0.0.1:" in line, process.stderr.read() if process.poll() else line
        yield "http://127.0.0.1:" + line.split(" http://127.0.0.1:", 1)[1].split()[0]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def chromium(tmp_path):
    # Imported here, not skipped: where Chromium is installed (CI) a missing
    # selenium (the `test` extra) must fail the test, not hide it.
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--window-size=1400,1000", f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _wait_for_images(driver, seconds: float = 10.0) -> list[dict]:
    deadline = time.monotonic() + seconds
    while True:
        images = driver.execute_script(
            "return Array.from(document.querySelectorAll('td img')).map("
            "i => ({alt: i.alt, complete: i.complete, width: i.naturalWidth}))"
        )
        if all(i["complete"] for i in images) or time.monotonic() > deadline:
            return images
        time.sleep(0.2)


def test_flagged_files_page_shows_thumbnails_and_rows(scanned_home, server, chromium):
    chromium.get(server + "scans/flagged_files")
    images = _wait_for_images(chromium)
    ARTIFACTS.mkdir(exist_ok=True)
    chromium.save_screenshot(str(ARTIFACTS / "browse-flagged-files.png"))

    paths = [td.text for td in chromium.find_elements("css selector", "td.col-path")]
    flagged = flagged_paths(scanned_home)
    assert sorted(set(paths)) == flagged and flagged
    # Each row: the file's preview with the box drawn, and the matched rendering.
    assert len(images) == 2 * len(paths), images
    assert [i for i in images if i["width"] == 0] == [], images
    previews = {i["alt"] for i in images if i["alt"].startswith("file_thumbnail of ")}
    assert previews == {f"file_thumbnail of {p}" for p in flagged}


def test_before_the_first_scan_the_emblems_show_and_the_scan_pages_say_how_to_fill_them(home, fresh_server,
                                                                                         chromium):
    chromium.get(fresh_server + "catalogue/emblem_gallery")
    images = _wait_for_images(chromium)
    ready = [td.text for td in chromium.find_elements("css selector", "td.col-artwork") if td.text == "ready"]
    assert ready and images and [i for i in images if i["width"] == 0] == [], images

    chromium.get(fresh_server + "scans/flagged_files")
    ARTIFACTS.mkdir(exist_ok=True)
    chromium.save_screenshot(str(ARTIFACTS / "browse-before-first-scan.png"))
    assert chromium.find_elements("css selector", "td.col-path") == []
    description = chromium.find_element("css selector", ".metadata-description").text
    assert "Filled by every `emblemcheck scan FOLDER`" in description
