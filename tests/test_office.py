"""Office documents: the pictures inside decks, documents and spreadsheets scanned, by content, within bounds."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from bulk_tree import badge, home_with_added, photo
from pictures import office_of, png_bytes
from typer.testing import CliRunner

from emblemcheck.catalogue.store import Catalogue
from emblemcheck.cli import app
from emblemcheck.errors import ImageError
from emblemcheck.home import Home
from emblemcheck.media import office
from emblemcheck.media.frames import iter_frames
from emblemcheck.scan.scanner import Scanner
from emblemcheck.scan.walk import ImageFile, Skip, walk

runner = CliRunner()
FORMATS = ("PPTX", "DOCX", "XLSX", "ODP", "ODT", "ODS")
FOLDERS = {"PPTX": "ppt/media/", "DOCX": "word/media/", "XLSX": "xl/media/",
           "ODP": "Pictures/", "ODT": "Pictures/", "ODS": "Pictures/"}
EMF = b"\x01\x00\x00\x00" + bytes(36) + b" EMF" + bytes(40)


@pytest.fixture(scope="module")
def deck_home(tmp_path_factory) -> Home:
    """A catalogue without official artwork, and a drawn badge added as a user would: `catalogue add`."""
    root = tmp_path_factory.mktemp("deck-home")
    return home_with_added(root, badge(), "drawn-badge", "Drawn badge")


@pytest.fixture(scope="module")
def scanner(deck_home) -> Scanner:
    return Scanner(Catalogue.open(deck_home.catalogue_db))


def slide_with_badge() -> bytes:
    """A slide-sized picture with the badge at a quarter of its width."""
    picture = photo(5, (960, 540))
    picture.paste(badge(240), (600, 150))
    return png_bytes(picture)


def deck(fmt: str = "PPTX", **extra: bytes) -> bytes:
    """Three slides: a photo, the badge on slide 2, the photo again (used twice, first on slide 1)."""
    clean = png_bytes(photo(1, (960, 540)))
    return office_of(fmt, [[("image1.png", clean)], [("image2.png", slide_with_badge())], [("image1.png", clean)]],
                     extra=extra or None)


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_finds_the_badge_and_names_its_member(scanner, fmt):
    result = scanner.scan_data(deck(fmt), f"post.{fmt.lower()}").result
    assert result.status == "flagged", result
    (finding,) = result.findings
    assert finding.emblem_id == "drawn-badge"
    assert finding.member == FOLDERS[fmt] + "image2.png"
    # Slides are numbered in the deck's own order (the parts are numbered backwards).
    assert finding.page == (2 if fmt in ("PPTX", "ODP") else None)
    x, y, w, h = finding.box  # in the embedded picture's pixels
    assert abs(x - 600) < 30 and abs(y - 150) < 30 and abs(w - 240) < 30


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_document_of_clean_pictures_is_clean(scanner, fmt):
    clean = office_of(fmt, [[("a.png", png_bytes(photo(2, (640, 480))))], [("b.png", png_bytes(photo(3)))]])
    result = scanner.scan_data(clean, "clean").result
    assert (result.status, result.findings, result.note) == ("clean", (), "")


def test_recognised_by_content_not_by_name(tmp_path):
    (tmp_path / "deck.bin").write_bytes(deck())
    (tmp_path / "memo.odt").write_bytes(deck("ODT"))
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("photo.png", png_bytes(photo(1)))
    (tmp_path / "photos.zip").write_bytes(plain.getvalue())
    (tmp_path / "broken.pptx").write_bytes(deck()[:300])
    entries = {e.path.rsplit("/", 1)[1]: e for e in walk([tmp_path])}
    assert isinstance(entries["deck.bin"], ImageFile) and entries["deck.bin"].format == "PPTX"
    assert isinstance(entries["memo.odt"], ImageFile) and entries["memo.odt"].format == "ODT"
    assert isinstance(entries["photos.zip"], Skip) and not entries["photos.zip"].error  # a plain zip: not an image
    assert isinstance(entries["broken.pptx"], ImageFile)  # handed on: the scan says why it is unreadable


def test_corrupt_zip_is_an_error_with_its_reason(scanner):
    result = scanner.scan_data(deck()[:-200], "cut.pptx").result
    assert result.status == "error"
    assert "corrupt or truncated zip archive" in result.error


def test_plain_zip_is_not_an_office_document(scanner):
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("photo.png", png_bytes(photo(1)))
    result = scanner.scan_data(plain.getvalue(), "photos.zip").result
    assert result.status == "error" and "not an office document" in result.error


def test_emf_is_reported_not_skipped(scanner):
    data = office_of("PPTX", [[("image1.png", slide_with_badge()), ("image2.emf", EMF)]])
    result = scanner.scan_data(data, "deck.pptx").result
    assert result.status == "flagged"
    assert result.note == ("1 of 2 pictures inside not scanned: ppt/media/image2.emf "
                           "(EMF vector picture: emblemcheck does not read EMF or WMF)")


def test_only_metafiles_is_an_error(scanner):
    data = office_of("DOCX", [[("image1.emf", EMF), ("image2.wmf", b"\xd7\xcd\xc6\x9a" + bytes(40))]])
    result = scanner.scan_data(data, "memo.docx").result
    assert result.status == "error"
    assert result.error.startswith("no picture inside could be read: word/media/image1.emf (EMF")
    assert "word/media/image2.wmf (WMF" in result.error


def test_corrupt_embedded_picture_is_noted(scanner):
    cut = slide_with_badge()[:400]
    data = office_of("DOCX", [[("image1.png", slide_with_badge()), ("image2.png", cut)]])
    result = scanner.scan_data(data, "memo.docx").result
    assert result.status == "flagged"
    assert result.note.startswith("1 of 2 pictures inside not scanned: word/media/image2.png (")


def test_svg_inside_is_rasterised(scanner):
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="200">'
           b'<rect width="400" height="200" fill="#2050a0"/></svg>')
    notes: list[str] = []
    frames = list(iter_frames(office_of("PPTX", [[("image1.svg", svg)]]), "deck", notes=notes))
    assert [(f.member, f.image.format) for f in frames] == [("ppt/media/image1.svg", "SVG")] and notes == []


def test_many_members_are_refused_before_reading(monkeypatch):
    monkeypatch.setattr(office, "MAX_MEMBERS", 20)
    data = office_of("PPTX", [[(f"i{n}.png", b"x")] for n in range(20)])
    with pytest.raises(ImageError, match=r"members, over the limit of 20 \(a zip bomb\?\)"):
        list(iter_frames(data, "deck.pptx"))


def test_highly_compressed_member_is_refused():
    bomb = deck(**{"ppt/media/image9.png": bytes(50_000_000)})  # deflates about 1000:1
    with pytest.raises(ImageError, match=r"ppt/media/image9.png unpacks 1,0\d\d times its packed size, "
                                         r"over the limit of 200 \(a zip bomb\?\)"):
        list(iter_frames(bomb, "bomb.pptx"))


def test_member_and_total_bytes_are_bounded(monkeypatch):
    data = deck()
    sizes = {i.filename: i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()}
    largest = max(sizes, key=sizes.__getitem__)
    monkeypatch.setattr(office, "MAX_MEMBER_BYTES", sizes[largest] - 1)
    with pytest.raises(ImageError, match=f"{largest} unpacks to {sizes[largest]:,} bytes, over the limit of "
                                         f"{sizes[largest] - 1:,} per member"):
        list(iter_frames(data, "deck.pptx"))
    monkeypatch.setattr(office, "MAX_MEMBER_BYTES", 64_000_000)
    monkeypatch.setattr(office, "MAX_TOTAL_BYTES", sum(sizes.values()) // 2)
    with pytest.raises(ImageError, match=f"its members unpack to over {sum(sizes.values()) // 2:,} bytes, "
                                         "the limit per document"):
        list(iter_frames(data, "deck.pptx"))


def test_pictures_over_the_limit_are_noted(scanner, monkeypatch):
    monkeypatch.setattr(office, "MAX_PICTURES", 2)
    result = scanner.scan_data(deck(), "deck.pptx").result
    assert result.status == "flagged"  # slide order: image1 (slide 1), image2 (slide 2) are scanned
    clean = png_bytes(photo(1))
    data = office_of("DOCX", [[(f"image{n}.png", clean)] for n in range(4)])
    assert scanner.scan_data(data, "memo.docx").result.note == (
        "2 of 4 pictures inside not scanned: word/media/image2.png (over the limit of 2 pictures per document); "
        "word/media/image3.png (over the limit of 2 pictures per document)")


def test_cli_exits_1_on_a_deck_with_the_badge_and_reports_where(deck_home, tmp_path):
    (tmp_path / "talk.pptx").write_bytes(deck())
    (tmp_path / "clean.odt").write_bytes(office_of("ODT", [[("a.png", png_bytes(photo(4)))]]))
    result = runner.invoke(app, ["scan", str(tmp_path), "--home", str(deck_home.root), "--workers", "1"])
    assert result.exit_code == 1, result.output
    assert "slide 2, ppt/media/image2.png" in result.output
    result = runner.invoke(app, ["scan", str(tmp_path / "talk.pptx"), "--format", "json", "--home",
                                 str(deck_home.root), "--workers", "1"])
    assert result.exit_code == 1, result.output
    (finding,) = json.loads(result.stdout)["files"][0]["findings"]
    assert (finding["member"], finding["page"], finding["emblem_id"]) == ("ppt/media/image2.png", 2, "drawn-badge")


def test_explain_draws_the_embedded_picture_with_the_finding(deck_home, tmp_path):
    (tmp_path / "talk.pptx").write_bytes(deck())
    out = tmp_path / "why.png"
    result = runner.invoke(app, ["explain", str(tmp_path / "talk.pptx"), "-o", str(out), "--home",
                                 str(deck_home.root)])
    assert result.exit_code == 0, result.output
    assert "talk.pptx: slide 2, ppt/media/image2.png" in result.output and "drawn-badge: score" in result.output
    assert out.is_file()
