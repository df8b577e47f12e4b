"""The check page (/-/check) in a real headless Chromium on a real `emblemcheck browse` server.

A new user's first check: a phone screenshot with the GC signature and a
holiday photo, chosen in the form and submitted, read on one screen; then the
same in French with `--lang fr`. Needs Debian's chromium and chromium-driver
(.ci/run installs them); skipped with the reason when they are absent.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import time

import pytest
from test_browse_e2e import ARTIFACTS, CHROMEDRIVER, CHROMIUM, _serve, chromium  # noqa: F401 - the fixture
from test_check_page import holiday_photo, screenshot_with_signature

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)),
        reason="chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)",
    ),
]


@pytest.fixture
def pictures(home, tmp_path):
    """The two files a new user drops: a screenshot with the signature, and a holiday photo."""
    screenshot = tmp_path / "phone-screenshot.png"
    screenshot.write_bytes(screenshot_with_signature(home))
    photo = tmp_path / "holiday.jpg"
    photo.write_bytes(holiday_photo(tmp_path))
    return screenshot, photo


def _check(driver, url: str, files, artifact: str) -> list[dict]:
    """Open the check page, choose ``files``, submit, wait for the verdicts; save a screenshot."""
    driver.get(url + "-/check")
    chooser = driver.find_element("css selector", "input[type=file]")
    chooser.send_keys("\n".join(str(f) for f in files))
    driver.find_element("css selector", "form.emblemcheck-check button[type=submit]").click()
    deadline = time.monotonic() + 120
    while not driver.find_elements("css selector", "section.verdict") and time.monotonic() < deadline:
        time.sleep(0.3)
    images = driver.execute_script(
        "return Array.from(document.querySelectorAll('section.verdict img')).map("
        "i => ({cls: i.className, complete: i.complete, width: i.naturalWidth}))")
    driver.set_window_size(1400, max(1000, driver.execute_script("return document.body.scrollHeight")))
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / artifact))
    return images


def _verdicts(driver) -> list[tuple[str, str, str]]:
    return [(s.get_attribute("data-tone"), s.find_element("css selector", ".file").text,
             s.find_element("css selector", ".headline").text)
            for s in driver.find_elements("css selector", "section.verdict")]


def test_a_screenshot_with_the_signature_and_a_holiday_photo(home, pictures, chromium):  # noqa: F811
    for url in _serve(home):
        images = _check(chromium, url, pictures, "check-page.png")
        assert _verdicts(chromium) == [
            ("restricted", "phone-screenshot.png", "Do not post this on a personal account"),
            ("clean", "holiday.jpg", "Clean: no catalogued emblem found"),
        ]
        previews = [i for i in images if i["cls"] == "preview"]
        assert len(previews) == 2 and all(i["complete"] and i["width"] > 0 for i in previews), images
        thumbnails = [i for i in images if i["cls"] == "emblem"]
        assert thumbnails and all(i["width"] > 0 for i in thumbnails), images
        text = chromium.find_element("css selector", "section.verdict.restricted").text
        assert "Government of Canada signature (English-first)" in text
        assert "Do not use any Government of Canada corporate symbols or signatures" in text
        assert "Treasury Board of Canada Secretariat" in text
        assert "record an accepted exception in the baseline" in text
        # The page's policy allowed everything it needed: no console error about a blocked resource.
        errors = [e for e in chromium.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == [], errors


def test_the_same_check_in_french(home, pictures, chromium):  # noqa: F811
    for url in _serve(home, "--lang", "fr"):
        _check(chromium, url, pictures, "check-page-fr.png")
        assert [(tone, name) for tone, name, _ in _verdicts(chromium)] == [
            ("restricted", "phone-screenshot.png"), ("clean", "holiday.jpg")]
        headlines = [headline for _, _, headline in _verdicts(chromium)]
        assert headlines == ["Ne publiez pas ceci dans un compte personnel", "Aucun emblème du catalogue trouvé"]
        text = chromium.find_element("css selector", "section.verdict.restricted").text
        assert "Signature du gouvernement du Canada (anglais d'abord)" in text
        assert "Secrétariat du Conseil du Trésor du Canada" in text
        assert "emblemcheck n'en connaît aucun texte français sourcé" in text
