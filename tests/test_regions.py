"""The region path: small emblems on a plain ground, found by shape and colour."""

from __future__ import annotations

import numpy as np
import pytest
from conformance import Case, check_detection_path, check_scales
from PIL import Image, ImageDraw
from test_detection import SIBLINGS, national_flag
from test_features import badge

from emblemcheck.catalogue.store import load_features
from emblemcheck.engine.detector import Detector
from emblemcheck.engine.features import prepare_reference
from emblemcheck.engine.regions import METHOD, RegionReference, blobs, find


def header_page(emblem: np.ndarray, height: int, header=(255, 255, 255)) -> np.ndarray:
    """A web page 1280 px wide with ``emblem`` ``height`` px tall at the left of its header."""
    page = Image.new("RGB", (1280, 700), (250, 250, 250))
    draw = ImageDraw.Draw(page)
    draw.rectangle([0, 0, 1280, 90], fill=header)
    for i, word in enumerate(("Services", "News", "Contact")):
        draw.text((760 + i * 120, 36), word, fill=(40, 40, 40))
    width = round(height * emblem.shape[1] / emblem.shape[0])
    small = Image.fromarray(emblem).resize((width, height), Image.Resampling.LANCZOS)
    page.paste(small, (24, (90 - height) // 2))
    return np.asarray(page)


@pytest.fixture(scope="module")
def badge_index() -> Detector:
    return Detector.build([("badge/original", "badge", prepare_reference(badge()))])


@pytest.mark.parametrize("height", [36, 48, 60])
def test_header_badge_is_found_by_region_with_its_box(badge_index, height):
    found = badge_index.detect(header_page(badge(), height))
    assert [d.emblem_id for d in found] == ["badge"]
    x, y, w, h = found[0].box
    assert abs(x - 24) <= 2 and abs(y - (90 - height) // 2) <= 2 and abs(w - height) <= 3 and abs(h - height) <= 3


def test_region_path_conformance(badge_index):
    grey_badge = np.asarray(Image.fromarray(badge()).convert("L").convert("RGB"))
    case = Case(header_page(badge(), 48), "badge", (24, 21, 48, 48), tolerance=3)
    blank = np.full((48, 48, 3), 255, np.uint8)
    check_detection_path(badge_index.detect, case, methods=[METHOD],
                         refused=[header_page(255 - grey_badge, 48), header_page(blank, 48)])
    check_scales(badge_index, case)


def test_same_shape_in_other_colours_is_not_the_badge(badge_index):
    grey_badge = np.asarray(Image.fromarray(badge()).convert("L").convert("RGB"))
    recoloured = 255 - grey_badge  # the same outlines, none of the colours
    assert badge_index.detect(header_page(recoloured, 48)) == []


def test_a_plain_disc_is_not_the_badge():
    ref = RegionReference.prepare("badge/original", "badge", prepare_reference(badge()))
    page = Image.new("RGB", (400, 200), "white")
    ImageDraw.Draw(page).ellipse([20, 20, 68, 68], fill=(20, 60, 140), outline=(200, 160, 20), width=2)
    rgb = np.asarray(page)
    assert find(np.asarray(page.convert("L")), rgb, [ref]) == []


def test_blobs_are_trimmed_to_the_ink_and_bounded_in_size():
    grey = np.full((300, 600), 255, np.uint8)
    grey[40:90, 50:90] = 0  # 40 x 50: kept
    grey[200:215, 300:315] = 0  # 15 x 15: too small to compare
    grey[250:290, 40:560] = 0  # 520 x 40: larger than SIFT needs, left to it
    assert blobs(grey) == [(50, 40, 40, 50)]


def test_catalogue_without_colour_thumbnails_skips_the_region_path():
    features = prepare_reference(badge())
    old = type(features)(features.keypoints, features.descriptors, features.width, features.height,
                         features.template)
    assert RegionReference.prepare("r", "e", old) is None


def test_region_pass_alone_finds_the_header_badge(badge_index):
    rgb = header_page(badge(), 40)
    matches = find(np.asarray(Image.fromarray(rgb).convert("L")), rgb, badge_index.regions)
    assert [(m.emblem_id, m.rendering_id) for m in matches] == [("badge", "badge/original")]
    assert matches[0].score >= 0.6 and matches[0].colours >= 0.6


def test_text_report_gives_region_evidence_without_matched_points():
    from emblemcheck.models import Finding, Restriction
    from emblemcheck.reports.text import finding_lines

    finding = Finding("bench-badge", "Badge", Restriction.RESTRICTED, 0.97, METHOD, (24, 21, 48, 48), inliers=0)
    lines = finding_lines(finding, {})
    assert f"    evidence: {METHOD}, outline and colours like the catalogue artwork, score 0.97" in lines


@pytest.mark.parametrize("height", [24, 40, 60])
def test_national_flag_in_a_header_is_never_a_signature_or_wordmark(built_home, height):
    index = Detector.build(load_features(built_home.catalogue_db))
    found = {d.emblem_id for d in index.detect(header_page(np.asarray(national_flag(600)), height))}
    assert not found & SIBLINGS


def _recoloured(rgb: np.ndarray, shift: int) -> np.ndarray:
    """The same outlines with every colour moved by ``shift`` grey levels (another emblem, same shape)."""
    return np.clip(rgb.astype(np.int16) + shift, 0, 255).astype(np.uint8)


def test_a_blob_goes_to_the_emblem_whose_edges_and_colours_agree_best():
    # Same outlines, so the edges tie; the colours tell the badge from its recoloured twin.
    twin = _recoloured(badge(), 45)
    refs = [RegionReference.prepare(f"{e}/original", e, prepare_reference(art))
            for e, art in (("twin", twin), ("badge", badge()))]
    page = header_page(badge(), 48)
    found = find(np.asarray(Image.fromarray(page).convert("L")), page, refs)
    assert [m.emblem_id for m in found] == ["badge"]


def test_a_blob_two_emblems_explain_alike_is_not_reported():
    # A twin only 3 grey levels away: neither edges nor colours tell them apart, so the blob is ambiguous.
    twin = _recoloured(badge(), 3)
    refs = [RegionReference.prepare(f"{e}/original", e, prepare_reference(art))
            for e, art in (("twin", twin), ("badge", badge()))]
    page = header_page(badge(), 48)
    grey_page = np.asarray(Image.fromarray(page).convert("L"))
    assert find(grey_page, page, refs) == []
    assert [m.emblem_id for m in find(grey_page, page, refs[1:])] == ["badge"]


@pytest.mark.parametrize("size", [36, 52])
def test_the_word_canada_typed_without_the_flag_is_not_the_wordmark(built_home, size):
    # A title typed without the symbol (the signatures benchmark's title-without-symbol negatives):
    # its word "Canada" is the wordmark's shape, and its colours agree but where the flag stands.
    from signature_pictures import face, fonts

    page = Image.new("RGB", (1400, 260), "white")
    draw = ImageDraw.Draw(page)
    draw.text((40, 40), "Government of Canada", font=face(fonts()[0], size), fill="black")
    draw.text((40, 140), "Gouvernement du Canada", font=face(fonts()[0], size), fill="black")
    index = Detector.build(load_features(built_home.catalogue_db))
    assert "canada-wordmark" not in {d.emblem_id for d in index.detect(np.asarray(page))}


def test_the_wordmark_in_a_header_is_found_by_region_with_its_flag(built_home):
    from emblemcheck.catalogue.store import Catalogue

    catalogue = Catalogue.open(built_home.catalogue_db)
    rendering = next(r for r in catalogue.renderings if r.id.endswith("wmms-spl-en/colour-on-white"))
    refs = [ref for ref in (RegionReference.prepare(*t) for t in load_features(built_home.catalogue_db))
            if ref is not None and ref.emblem_id == "canada-wordmark"]
    page = header_page(catalogue.rendering_image(rendering.id), 30)
    found = find(np.asarray(Image.fromarray(page).convert("L")), page, refs)
    assert [m.emblem_id for m in found] == ["canada-wordmark"]
