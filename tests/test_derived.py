"""Derived copies: WordPress's size arithmetic, the check of a copy against its original, inherited verdicts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
import sqlite_utils
from bulk_tree import EMBLEM_ID, badge, cli, pillow_resize, save, wordpress_cuts, wordpress_upload
from pictures import photo_like
from PIL import Image

from emblemcheck.media.decode import WORK_PIXELS, decode, read_file
from emblemcheck.models import Finding, Restriction
from emblemcheck.resources import data_dir
from emblemcheck.scan.derived import (
    COMPARE_SIDE,
    Cut,
    centre_crop,
    check,
    cut_for,
    fit_size,
    map_box,
    map_finding,
    reference,
)
from emblemcheck.scan.folder import BulkOptions, scan_tree


@pytest.mark.parametrize(("size", "box", "fitted"), [
    ((4032, 3024), (300, 300), (300, 225)),
    ((4032, 3024), (768, 10**6), (768, 576)),
    ((4032, 3024), (2560, 2560), (2560, 1920)),
    ((3024, 4032), (1024, 1024), (768, 1024)),
    ((1200, 900), (1536, 1536), (1200, 900)),  # never enlarged
    ((1023, 767), (300, 300), (300, 225)),
])
def test_fit_size_is_wordpress_constrain_dimensions(size, box, fitted):
    assert fit_size(*size, *box) == fitted


def test_the_thumbnail_is_a_centre_crop():
    assert centre_crop(4032, 3024, 150, 150) == Cut(504, 0, 3024, 3024, 150, 150)
    assert centre_crop(900, 1200, 150, 150) == Cut(0, 150, 900, 900, 150, 150)


def test_cut_for_replays_fit_or_crop_and_refuses_impossible_sizes():
    assert cut_for(1200, 900, 300, 225) == Cut(0, 0, 1200, 900, 300, 225)
    assert cut_for(1200, 900, 150, 150) == Cut(150, 0, 900, 900, 150, 150)
    assert cut_for(1200, 900, 1300, 975) is None  # larger than the original: not a WordPress copy


def test_wordpress_core_makes_eight_files_of_a_phone_photo_and_five_of_a_web_one():
    assert [s for s, _ in wordpress_cuts(4032, 3024)] == [
        "-scaled", "-150x150", "-300x225", "-768x576", "-1024x768", "-1536x1152", "-2048x1536"]
    assert [s for s, _ in wordpress_cuts(1200, 900)] == ["-150x150", "-300x225", "-768x576", "-1024x768"]


def test_boxes_follow_the_crop_and_scale_and_are_dropped_when_cut_away():
    thumbnail = Cut(150, 0, 900, 900, 150, 150)
    assert map_box((450, 300, 300, 300), thumbnail) == (50, 50, 50, 50)
    assert map_box((0, 300, 240, 240), thumbnail) is None  # 90 of its 240 px across are left
    finding = Finding("e", "E", Restriction.RESTRICTED, 0.9, "homography", (450, 300, 300, 300),
                      outline=((450, 300), (750, 300), (750, 600), (450, 600)))
    mapped = map_finding(finding, thumbnail)
    assert mapped.box == (50, 50, 50, 50) and mapped.outline == ((50, 50), (100, 50), (100, 100), (50, 100))


#: A copy is decoded as the scanner decodes it for the check (scanner._inherited).
COPY_PIXELS = (2 * COMPARE_SIDE) ** 2


def _loaded(path: Path, work_pixels: int = WORK_PIXELS):
    return decode(read_file(path), path.name, work_pixels=work_pixels)


@pytest.mark.parametrize("cut", [cut for _, cut in wordpress_cuts(1200, 900)])
def test_a_genuine_copy_checks_out_and_an_edited_one_does_not(tmp_path, cut):
    image = photo_like(1200, 900, seed=2)
    original = reference(_loaded(save(image, tmp_path / "o.jpg", quality=90)))
    copy_path = tmp_path / "copy.jpg"
    pillow_resize(image, cut, copy_path)
    found, gap = check(original, _loaded(copy_path, COPY_PIXELS))
    assert found == cut, gap
    edited = Image.open(copy_path).convert("RGB")
    side = max(40, max(edited.size) // 40)  # the smallest emblem the detector finds
    edited.paste(badge(side), (edited.width - side, 0))
    found, gap = check(original, _loaded(save(edited, tmp_path / "edited.jpg", quality=82), COPY_PIXELS))
    assert found is None, gap


@pytest.fixture(scope="module")
def uploads(tmp_path_factory) -> Path:
    """Two WordPress uploads: a photo with the badge at its left edge, and a clean photo whose 768 copy was edited."""
    root = tmp_path_factory.mktemp("derived") / "uploads" / "2024" / "05"
    flagged = photo_like(1200, 900, seed=4)
    flagged.paste(badge(240), (0, 330))  # the 150x150 centre crop keeps only 90 of its 240 px
    wordpress_upload(flagged, root, "poster", webp=True)
    second = Image.open(root / "poster-1024x768.jpg").resize((300, 225), Image.Resampling.BICUBIC)
    save(second, root / "poster-scaled-300x225.jpg", quality=82)  # a copy of a copy, named like one
    clean = photo_like(1200, 900, seed=6)
    wordpress_upload(clean, root, "holiday")
    edited = Image.open(root / "holiday-768x576.jpg").convert("RGB")
    edited.paste(badge(220), (500, 300))
    save(edited, root / "holiday-768x576.jpg", quality=82)
    return root


@pytest.fixture(scope="module")
def scanned(badge_home, uploads):
    return scan_tree([uploads], home_root=badge_home.root, options=BulkOptions(workers=1, rescan=True))


def _by_name(results):
    return {Path(r.path).name: r for r in results}


def test_copies_inherit_the_original_verdict_with_boxes_mapped(scanned, uploads):
    results = _by_name(scanned.results)
    original = results["poster.jpg"]
    assert original.status == "flagged" and original.inherited_from == ""
    (x, y, w, h), = [f.box for f in original.findings]
    for name in ("poster-300x225.jpg", "poster-scaled-300x225.jpg", "poster-300x225-jpg.webp", "poster-jpg.webp",
                 "poster-1024x768.jpg"):
        copy = results[name]
        assert (copy.inherited_from, copy.inherited_as, copy.status) == (str(uploads / "poster.jpg"), "derived",
                                                                         "flagged"), name
        scale = copy.width / 1200
        (cx, cy, cw, ch), = [f.box for f in copy.findings]
        assert abs(cx - x * scale) <= 1 and abs(cy - y * scale) <= 1 and abs(cw - w * scale) <= 2, (name, copy.findings)
    thumbnail = results["poster-150x150.jpg"]
    assert (thumbnail.inherited_as, thumbnail.status, thumbnail.findings) == ("derived", "clean", ())  # cut away


def test_an_edited_copy_is_scanned_in_full_and_flagged_on_its_own(scanned):
    results = _by_name(scanned.results)
    edited = results["holiday-768x576.jpg"]
    assert edited.inherited_as is None and edited.status == "flagged"
    assert {f.emblem_id for f in edited.findings} == {EMBLEM_ID}
    assert results["holiday.jpg"].status == "clean"
    assert results["holiday-300x225.jpg"].inherited_as == "derived"


def test_the_run_counts_inherited_files(scanned):
    counts = scanned.counts
    # poster: the original, 4 JPEG and 4 WebP sizes, its WebP and a copy of a copy; holiday: 4 sizes, one edited
    assert counts["files"] == 16 and counts["inherited"] == 13 and counts["deduplicated"] == 0, counts


def test_reports_and_scans_db_say_where_a_verdict_came_from(badge_home, uploads, scanned):
    result = cli("scan", str(uploads), "--format", "json", home=badge_home.root)
    doc = json.loads(result.output)
    jsonschema.validate(doc, json.loads((data_dir() / "scan-output.schema.json").read_text()))
    copy = next(f for f in doc["files"] if f["path"].endswith("poster-300x225.jpg"))
    assert copy["inherited_from"].endswith("poster.jpg") and copy["inherited_as"] == "derived"
    rows = list(csv.DictReader(io.StringIO(cli("scan", str(uploads), "--format", "csv",
                                               home=badge_home.root).output)))
    thumb = next(r for r in rows if r["path"].endswith("poster-150x150.jpg"))
    assert thumb["inherited_from"].endswith("poster.jpg") and thumb["inherited_as"] == "derived"
    text = cli("scan", str(uploads), home=badge_home.root).output
    assert "  copy: " in text and "inherited from" in text and "(flagged, scanned in full)" in text
    html = cli("scan", str(uploads), "--format", "html", "-o", str(uploads.parent / "r.html"), home=badge_home.root)
    assert html.exit_code == 1
    assert "a verified copy of it" in (uploads.parent / "r.html").read_text()
    db = sqlite_utils.Database(badge_home.scans_db)
    row = next(db.query("select inherited_from, inherited_as from files where path = ?",
                        [str(uploads / "poster-1024x768.jpg")]))
    assert row == {"inherited_from": str(uploads / "poster.jpg"), "inherited_as": "derived"}
    shown = {r["path"] for r in db.query("select path from flagged_files where inherited_from is not null")}
    assert str(uploads / "poster-1024x768.jpg") in shown


def test_a_rescan_reuses_inherited_verdicts_as_unchanged(badge_home, uploads, scanned):
    again = scan_tree([uploads], home_root=badge_home.root, options=BulkOptions(workers=1))
    assert again.unchanged == 16 and again.inherited == 0
    assert _by_name(again.results)["poster-300x225.jpg"].inherited_as == "derived"
