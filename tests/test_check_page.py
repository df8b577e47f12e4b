"""The check page of `emblemcheck browse` (/-/check), through Datasette's own ASGI client.

The same page in a real Chromium is tests/test_check_page_e2e.py.
"""

from __future__ import annotations

import asyncio
import io
import re
import sqlite3
from contextlib import closing

import pytest
from pictures import jpeg, photo_like, rendered

pytest.importorskip("datasette", reason="the browse extra is not installed")

from emblemcheck import i18n  # noqa: E402
from emblemcheck.browse import app as browse  # noqa: E402
from emblemcheck.browse import check  # noqa: E402


def screenshot_with_signature(home) -> bytes:
    """A phone-sized screenshot: a photo-like page with the GC signature in its header."""
    page = photo_like(720, 1280, seed=3)
    signature = rendered(home, "gc-signature-en", "colour", width=420)
    page.paste(signature, (60, 80))
    out = io.BytesIO()
    page.save(out, "PNG")
    return out.getvalue()


def holiday_photo(tmp_path) -> bytes:
    return jpeg(photo_like(800, 600, seed=5), tmp_path / "holiday.jpg").read_bytes()


def _request(datasette, method: str, path: str, **kwargs):
    return asyncio.run(datasette.client.request(method, path, **kwargs))


def _form(datasette) -> tuple[str, str]:
    """The page's CSRF cookie and the token its form carries."""
    page = _request(datasette, "GET", check.CHECK_ROUTE)
    assert page.status_code == 200, page.text
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text)
    assert token, page.text
    return page.cookies["ds_csrftoken"], token.group(1)


def _post(datasette, files: list[tuple[str, bytes]], *, token: str | None = "", cookie: str | None = ""):
    if token == "" or cookie == "":
        form_cookie, form_token = _form(datasette)
        token = form_token if token == "" else token
        cookie = form_cookie if cookie == "" else cookie
    data = {"csrftoken": token} if token is not None else {}
    cookies = {"ds_csrftoken": cookie} if cookie is not None else {}
    return _request(datasette, "POST", check.CHECK_ROUTE, data=data, cookies=cookies,
                    files=[("files", (name, body, "application/octet-stream")) for name, body in files])


@pytest.fixture
def datasette(home):
    return browse.build_datasette(home)


def test_get_shows_the_form_with_a_token_a_strict_policy_and_the_limits(datasette):
    page = _request(datasette, "GET", check.CHECK_ROUTE)
    assert page.status_code == 200, page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy and "form-action 'self'" in policy
    assert 'enctype="multipart/form-data"' in page.text and 'name="csrftoken"' in page.text
    assert "At most 20 files and 100.0 MB per check" in page.text
    assert "http" not in re.sub(r"https?://(127\.0\.0\.1|localhost)[^\"]*", "", page.text.split("<footer")[0])


def test_front_page_links_the_check_page(datasette):
    assert 'href="-/check"' in _request(datasette, "GET", "/").text


def test_a_signature_and_a_clean_photo_get_their_verdicts_and_are_recorded(datasette, home, tmp_path):
    page = _post(datasette, [("screenshot.png", screenshot_with_signature(home)),
                             ("holiday.jpg", holiday_photo(tmp_path))])
    assert page.status_code == 200, page.text
    sections = re.findall(r'<section class="verdict (\w+)" data-status="(\w+)"', page.text)
    assert sections == [("restricted", "flagged"), ("clean", "clean")], page.text
    assert "Do not post this on a personal account" in page.text
    assert "Clean: no catalogued emblem found" in page.text
    assert "Do not use any Government of Canada corporate symbols or signatures" in page.text
    assert "record an accepted exception in the baseline" in page.text
    assert page.text.count('src="data:image/jpeg;base64,') == 2
    assert "/-/emblemcheck/thumbnail?rendering=gc-signature-en" in page.text
    with closing(sqlite3.connect(home.scans_db)) as db:
        runs = db.execute("select command, files, flagged, clean from runs").fetchall()
        assert runs == [(check.COMMAND, 2, 1, 1)]
        flagged = db.execute("select path from flagged_files").fetchall()
        assert len(flagged) == 1 and flagged[0][0].endswith("01-screenshot.png")
    assert list((home.root / "uploads").iterdir()) == [], "the private folder is deleted after the check"


def test_the_token_is_required(datasette, home):
    refused = _post(datasette, [("a.png", screenshot_with_signature(home))], token="not-the-token")
    assert refused.status_code == 403, refused.text
    missing = _post(datasette, [("a.png", screenshot_with_signature(home))], token=None)
    assert missing.status_code == 403, missing.text
    # asgi-csrf lets a POST with no cookie at all through (what a form on another site sends): the page refuses it.
    foreign = _post(datasette, [("a.png", screenshot_with_signature(home))], token=None, cookie=None)
    assert foreign.status_code == 403 and "reload the page" in foreign.text, foreign.text
    assert not home.scans_db.exists() or "browse check" not in home.scans_db.read_bytes().decode("latin-1")


def test_an_upload_over_the_size_limit_gets_its_message(datasette, monkeypatch):
    monkeypatch.setattr(check, "MAX_UPLOAD_BYTES", 1024 * 1024)
    page = _post(datasette, [("big.bin", b"\0" * 1_300_000)])
    assert page.status_code == 413, page.text
    assert "This upload is 1.2 MB, over the limit of 1.0 MB for one check" in page.text
    assert "emblemcheck scan FILE" in page.text


def test_a_non_image_and_no_file_get_their_messages(datasette):
    page = _post(datasette, [("notes.txt", b"just some text, not a picture\n")])
    assert page.status_code == 200, page.text
    assert re.findall(r'<section class="verdict (\w+)"', page.text) == ["error"]
    assert "Could not be checked" in page.text and "not an image" in page.text
    empty = _post(datasette, [("", b"")])
    assert empty.status_code == 400 and "No file was chosen" in empty.text


def test_names_from_the_upload_are_escaped(datasette):
    page = _post(datasette, [('<img src=x onerror="alert(1)">.txt', b"not a picture")])
    assert "<img src=x" not in page.text
    # (a browser, like httpx, sends the name's quotes as %22)
    assert "&lt;img src=x onerror=%22alert(1)%22&gt;.txt" in page.text


def test_the_page_in_french(home, tmp_path):
    with i18n.using("fr"):
        datasette = browse.build_datasette(home)
        page = _post(datasette, [("capture.png", screenshot_with_signature(home)),
                                 ("vacances.jpg", holiday_photo(tmp_path))])
    assert page.status_code == 200, page.text
    assert "Ne publiez pas ceci dans un compte personnel" in page.text, page.text
    assert "Signature du gouvernement du Canada (anglais d&#39;abord)" in page.text
    assert "Cité en anglais : emblemcheck n&#39;en connaît aucun texte français sourcé." in page.text
    assert "Aucun emblème du catalogue trouvé" in page.text


def test_a_pdf_page_and_a_picture_over_the_pixel_limit(datasette, home):
    from pictures import pdf_of

    page = photo_like(800, 600, seed=2)
    page.paste(rendered(home, "gc-signature-en", "colour", width=420), (100, 100))
    document = pdf_of([photo_like(800, 600, seed=1), page])
    huge = io.BytesIO()
    photo_like(64, 64).resize((12_000, 9_000)).save(huge, "PNG", compress_level=1)
    response = _post(datasette, [("leaflet.pdf", document), ("huge.png", huge.getvalue())])
    tones = re.findall(r'<section class="verdict (\w+)"', response.text)
    assert tones == ["restricted", "error"], response.text
    assert "page 2, x=" in response.text
    error = response.text.split('<section class="verdict error"', 1)[1].split("</section>", 1)[0]
    assert "huge.png" in error and "Reason: over the pixel limit of 100,000,000" in error, error


def test_disk_names_are_never_paths():
    assert check.disk_name(1, "../../etc/passwd") == "01-etc_passwd"
    assert check.disk_name(2, "..") == "02-upload"
    assert check.disk_name(3, "photo de l'été.jpg") == "03-photo_de_l_t_.jpg"
