"""PDF documents: every page rendered and scanned, findings carry their page, bad PDFs are per-file errors."""

from __future__ import annotations

import csv
import io
import json
import time

import jsonschema
import numpy as np
import pypdfium2 as pdfium
import pytest
from pictures import pdf_of, photo_like, raw_pdf, rendered, vector_page_pdf
from PIL import Image
from typer.testing import CliRunner

from emblemcheck.catalogue.store import Catalogue
from emblemcheck.cli import app
from emblemcheck.errors import ImageError
from emblemcheck.media.decode import WORK_PIXELS
from emblemcheck.media.frames import iter_frames
from emblemcheck.media.pdf import MAX_PDF_PAGES, RENDER_DPI, PdfLocked, iter_pages, open_pdf
from emblemcheck.resources import data_dir
from emblemcheck.scan.scanner import Scanner
from emblemcheck.scan.walk import sniff

runner = CliRunner()
SCHEMA = json.loads((data_dir() / "scan-output.schema.json").read_text())
LETTER = (1275, 1650)  # a letter page at 150 dpi


def scan(*args: str, home):
    return runner.invoke(app, ["scan", *args, "--home", str(home.root), "--workers", "1", "-q"])


@pytest.fixture(scope="module")
def memo(built_home) -> bytes:
    """Three letter pages at 150 dpi: a photo, the English signature in the header of page 2, a blank page."""
    page2 = Image.new("RGB", LETTER, "white")
    page2.paste(rendered(built_home, "gc-signature-en", "colour", width=420), (90, 80))
    return pdf_of([photo_like(*LETTER, seed=4), page2, Image.new("RGB", LETTER, "white")])


@pytest.fixture(scope="module")
def scanner(built_home) -> Scanner:
    return Scanner(Catalogue.open(built_home.catalogue_db))


def encrypted_pdf() -> bytes:
    """A PDF under the standard security handler whose user password is not empty."""
    return raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>",
    ], trailer=b"/Encrypt 4 0 R /ID [<" + b"33" * 16 + b"> <" + b"33" * 16 + b">]")


def many_pages(count: int) -> bytes:
    document = pdfium.PdfDocument.new()
    for _ in range(count):
        document.new_page(612, 792)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_a_memo_with_the_signature_on_page_2_is_flagged_with_page_2(built_home, memo, tmp_path):
    path = tmp_path / "memo.pdf"
    path.write_bytes(memo)
    result = scan(str(path), home=built_home)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{path}: FLAGGED"
    assert lines[1] == "  gc-signature-en: Government of Canada signature (English-first) [restricted]"
    assert lines[2].startswith("    where: page 2, x=")
    assert "gc-signature-fr" not in result.output


def test_json_gives_the_page_and_the_page_geometry_and_follows_the_schema(built_home, memo, tmp_path):
    (tmp_path / "memo.pdf").write_bytes(memo)
    jpeg = tmp_path / "poster.jpg"
    poster = photo_like(900, 600, seed=1)
    poster.paste(rendered(built_home, "gc-signature-en", "colour", width=360), (40, 40))
    poster.save(jpeg, "JPEG")
    result = scan(str(tmp_path / "memo.pdf"), str(jpeg), "--format", "json", home=built_home)
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    by_name = {f["path"].rsplit("/", 1)[-1]: f for f in document["files"]}
    pdf, picture = by_name["memo.pdf"], by_name["poster.jpg"]
    assert (pdf["width"], pdf["height"]) == LETTER
    [finding] = pdf["findings"]
    assert finding["page"] == 2
    x, y, w, _ = finding["box"]  # in the page's pixels at 150 dpi, where the signature was pasted
    assert abs(x - 90) < 20 and abs(y - 80) < 20 and abs(w - 420) < 40, finding["box"]
    assert "page" not in picture["findings"][0] and "note" not in picture and "note" not in pdf


def test_page_shows_in_csv_sarif_and_html(built_home, memo, tmp_path):
    (tmp_path / "memo.pdf").write_bytes(memo)
    rows = list(csv.DictReader(io.StringIO(scan(str(tmp_path / "memo.pdf"), "-f", "csv", home=built_home).stdout)))
    assert [(r["emblem_id"], r["page"]) for r in rows] == [("gc-signature-en", "2")]
    sarif = json.loads(scan(str(tmp_path / "memo.pdf"), "-f", "sarif", home=built_home).stdout)
    [found] = sarif["runs"][0]["results"]
    assert " found (page 2) at x=" in found["message"]["text"] and found["properties"]["page"] == 2
    html = scan(str(tmp_path / "memo.pdf"), "-f", "html", home=built_home).stdout
    assert "where: page 2, x=" in html


def test_a_scanned_page_and_a_vector_page_render_at_150_dpi_with_the_page_geometry():
    picture = Image.new("RGB", (300, 150), "white")
    picture.paste((200, 0, 0), (75, 75, 150, 150))  # 1 to 2 inches across and down, at 75 dpi
    # A vector page, 4 x 2 inches, with a blue square at the same place (PDF counts y from the bottom).
    vector = vector_page_pdf(288, 144, b"0 0 1 rg 72 0 72 72 re f")
    for data, colour in ((pdf_of([picture], dpi=75), 0), (vector, 2)):
        [(index, count, page)] = list(iter_pages(data, "p.pdf"))
        assert (index, count, page.format) == (0, 1, "PDF")
        assert (page.width, page.height) == (4 * RENDER_DPI, 2 * RENDER_DPI)
        assert page.rgb.shape == (300, 600, 3) and page.rgb.dtype == np.uint8
        inside = page.rgb[225, 225]  # 1.5 inches across, 1.5 inches down
        assert inside[colour] > 180 and sorted(inside)[1] < 60, inside
        assert tuple(page.rgb[20, 20]) == (255, 255, 255)


def test_a_200_inch_page_renders_at_the_working_size():
    [frame] = list(iter_frames(vector_page_pdf(14400, 14400), "poster.pdf"))
    assert (frame.image.width, frame.image.height) == (30000, 30000)
    height, width, _ = frame.image.rgb.shape
    assert width == height and 2200 < width and width * height <= WORK_PIXELS and frame.page == 1


def test_pixel_limit_bounds_a_page_rendered_without_a_side_limit():
    [(_, _, page)] = list(iter_pages(vector_page_pdf(14400, 14400), "poster.pdf", work_pixels=None,
                                     max_pixels=4_000_000))
    assert page.rgb.shape[0] * page.rgb.shape[1] <= 4_000_000


def test_pages_beyond_the_limit_are_reported_as_not_scanned(scanner):
    data = many_pages(100_000)
    started = time.perf_counter()
    result = scanner.scan_data(data, "huge.pdf").result
    assert time.perf_counter() - started < 60  # the folder scan's per-file limit
    assert result.status == "clean"
    assert result.note == (f"pages {MAX_PDF_PAGES + 1} to 100000 of 100000 not scanned "
                           f"(over the limit of {MAX_PDF_PAGES} pages per document)")


def test_a_document_within_the_limit_has_no_note(scanner, memo):
    result = scanner.scan_data(memo, "memo.pdf").result
    assert result.status == "flagged" and result.note == ""
    assert [(f.emblem_id, f.page) for f in result.findings] == [("gc-signature-en", 2)]


@pytest.mark.parametrize("make, reason", [
    (encrypted_pdf, "PDF is password-protected; remove the password to scan it"),
    (lambda: pdf_of([photo_like()])[:900], "unreadable PDF, truncated or corrupt (Data format error)"),
    (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 8, "unreadable PDF, truncated or corrupt (Data format error)"),
    (lambda: raw_pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]),
     "unreadable PDF, truncated or corrupt (PDFium gave no reason)"),
])
def test_bad_pdfs_are_one_line_per_file_errors_exit_3(built_home, tmp_path, make, reason):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(make())
    good = tmp_path / "photo.png"
    photo_like().save(good)
    result = scan(str(tmp_path), home=built_home)
    assert result.exit_code == 3, result.output
    assert f"{bad}: ERROR {reason}" in result.output.splitlines()
    assert "Traceback" not in result.output and "1 clean, 1 error(s)" in result.output


def test_a_locked_pdf_raises_its_own_error():
    with pytest.raises(PdfLocked, match="password-protected"):
        open_pdf(encrypted_pdf(), "locked.pdf")
    assert issubclass(PdfLocked, ImageError)


@pytest.mark.parametrize("head, expected", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
    (b"\x00" * 100 + b"%PDF-1.4\n", "PDF"),  # readers accept a header within the first kilobyte
    (b"\x00" * 1100 + b"%PDF-1.4\n", None),
    (b"PDF report, plain text\n", None),
])
def test_pdf_is_recognised_by_content(head, expected):
    assert sniff(head[:1024]) == expected


def test_a_pdf_named_otherwise_is_scanned_and_text_named_pdf_is_an_error(built_home, memo, tmp_path):
    (tmp_path / "upload.bin").write_bytes(memo)
    (tmp_path / "notes.pdf").write_text("not a pdf at all")
    result = scan(str(tmp_path), home=built_home)
    assert result.exit_code == 3, result.output
    assert f"{tmp_path / 'upload.bin'}: FLAGGED" in result.output
    assert f"{tmp_path / 'notes.pdf'}: ERROR content is not an image format emblemcheck reads" in result.output


def test_a_rescan_of_an_unchanged_pdf_keeps_the_page_and_the_note(home, memo, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "memo.pdf").write_bytes(memo)
    (folder / "long.pdf").write_bytes(many_pages(MAX_PDF_PAGES + 3))
    note = f"pages {MAX_PDF_PAGES + 1} to {MAX_PDF_PAGES + 3} of {MAX_PDF_PAGES + 3} not scanned"
    first = scan(str(folder), "-f", "json", home=home)
    assert first.exit_code == 1, first.output
    jsonschema.validate(json.loads(first.stdout), SCHEMA)
    files = {f["path"].rsplit("/", 1)[-1]: f for f in json.loads(first.stdout)["files"]}
    assert files["memo.pdf"]["findings"][0]["page"] == 2 and files["long.pdf"]["note"].startswith(note)
    again = scan(str(folder), "-f", "json", home=home)
    assert json.loads(again.stdout)["summary"]["unchanged"] == 2, again.output
    assert json.loads(first.stdout)["files"] == json.loads(again.stdout)["files"]
    text = scan(str(folder), home=home).output.splitlines()
    assert f"{folder / 'long.pdf'}: clean ({note} (over the limit of {MAX_PDF_PAGES} pages per document))" in text
    assert any(line.startswith("    where: page 2, x=") for line in text)
