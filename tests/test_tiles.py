"""Any shape: tall phone screenshots and big photos are searched in tiles, boxes in the original's pixels."""

from __future__ import annotations

import io

import numpy as np
import pytest
from pictures import photo_like, rendered, stones
from PIL import Image
from typer.testing import CliRunner

from emblemcheck.catalogue.store import Catalogue
from emblemcheck.cli import app
from emblemcheck.engine import tiles
from emblemcheck.media.decode import WORK_PIXELS, decode
from emblemcheck.scan.scanner import Scanner

runner = CliRunner()


@pytest.fixture(scope="module")
def scanner(built_home) -> Scanner:
    return Scanner(Catalogue.open(built_home.catalogue_db))


def phone_screenshot(home, width: int = 390, height: int = 2400, signature_at: int = 14) -> Image.Image:
    """A GC page as a phone shows it: the signature in the header, a photo, the wordmark in the footer."""
    page = Image.new("RGB", (width, height), "white")
    page.paste(photo_like(width - 40, height // 3, seed=5), (20, height // 3))
    page.paste(rendered(home, "gc-signature-en", "colour", width=200), (12, signature_at))
    wordmark = rendered(home, "canada-wordmark", "colour", width=110)
    page.paste(wordmark, (width - 126, height - wordmark.height - 30))
    return page


def encoded(image: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, quality=90)
    return out.getvalue()


def near(box, x, y, width, slack=8) -> bool:
    return abs(box[0] - x) <= slack and abs(box[1] - y) <= slack and abs(box[2] - width) <= slack


@pytest.mark.parametrize("height, width", [(1, 1), (800, 1200), (1280, 1280), (1920, 1080), (1080, 1920)])
def test_a_picture_one_look_covers_is_not_tiled(height, width):
    assert tiles.plan(height, width) == tiles.TilePlan(1.0, ())


@pytest.mark.parametrize("height, width", [(2400, 390), (9000, 430), (3024, 4032), (6000, 8000), (200, 20000),
                                           (40, 100_000), (1921, 1921)])
def test_tiles_cover_the_picture_with_overlap_within_bounds(height, width):
    layout = tiles.plan(height, width)
    scaled_h, scaled_w = round(height * layout.scale), round(width * layout.scale)
    assert 0 < layout.scale <= 1 and 1 <= len(layout.tiles) <= tiles.MAX_TILES
    assert scaled_h * scaled_w <= tiles.DETAIL_PIXELS * 1.001
    covered = np.zeros((scaled_h, scaled_w), np.uint8)
    for tile in layout.tiles:
        assert tile.width <= tiles.TILE_SIDE and tile.height <= tiles.TILE_SIDE
        assert tile.x + tile.width <= scaled_w and tile.y + tile.height <= scaled_h
        covered[tile.y:tile.y + tile.height, tile.x:tile.x + tile.width] += 1
    assert covered.min() >= 1
    for axis in (tiles.starts(scaled_h), tiles.starts(scaled_w)):  # neighbours share at least OVERLAP pixels
        assert all(b - a <= tiles.TILE_SIDE - tiles.OVERLAP for a, b in zip(axis, axis[1:], strict=False))


def test_a_tall_strip_keeps_its_full_width():
    assert tiles.plan(2400, 390).scale == 1.0 and len(tiles.plan(2400, 390).tiles) == 3


def test_the_decoder_keeps_what_the_tiles_look_at():
    assert WORK_PIXELS == tiles.DETAIL_PIXELS


@pytest.mark.parametrize("width, height", [(390, 2400), (430, 9000)])
def test_a_phone_screenshot_is_flagged_for_the_signature_and_the_wordmark(scanner, built_home, width, height):
    result = scanner.scan_data(encoded(phone_screenshot(built_home, width, height)), "screenshot.png").result
    found = {f.emblem_id: f.box for f in result.findings}
    assert sorted(found) == ["canada-wordmark", "gc-signature-en"], result.findings
    assert near(found["gc-signature-en"], 12, 14, 200)
    wordmark_height = rendered(built_home, "canada-wordmark", "colour", width=110).height
    assert near(found["canada-wordmark"], width - 126, height - wordmark_height - 30, 110)


def test_an_emblem_where_tiles_overlap_is_reported_once(scanner, built_home):
    # 2400 px tall: tiles start at 0, 560 and 1120, so 700 is inside the first two.
    page = phone_screenshot(built_home, signature_at=700)
    detections = scanner.detections(decode(encoded(page)))
    assert [d.emblem_id for d in detections].count("gc-signature-en") == 1
    [signature] = [d for d in detections if d.emblem_id == "gc-signature-en"]
    assert near(signature.box, 12, 700, 200)


@pytest.mark.parametrize("emblem, share", [("canada-wordmark", 0.03), ("gc-signature-en", 0.05)])
def test_a_small_emblem_in_a_12_megapixel_photo_is_found_where_it_is(scanner, built_home, emblem, share):
    photo = stones(4032, 3024, seed=1)
    width = round(4032 * share)
    photo.paste(rendered(built_home, emblem, "colour", width=width), (2500, 1800))
    result = scanner.scan_data(encoded(photo, "JPEG"), "photo.jpg").result
    assert (result.width, result.height) == (4032, 3024)
    assert [f.emblem_id for f in result.findings] == [emblem], result.findings
    assert near(result.findings[0].box, 2500, 1800, width)


def test_the_cli_flags_a_phone_screenshot(built_home, tmp_path):
    path = tmp_path / "screenshot.png"
    phone_screenshot(built_home).save(path)
    result = runner.invoke(app, ["scan", str(path), "--home", str(built_home.root)])
    assert result.exit_code == 1, result.output
    assert "  gc-signature-en: Government of Canada signature (English-first) [restricted]" in result.output
    assert "  canada-wordmark: Canada wordmark [restricted]" in result.output
