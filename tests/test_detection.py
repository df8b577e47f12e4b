"""The local-feature detection engine on small generated cases, one per transformation class,
plus the sibling rule, the flag-only rule and the region merge."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from conformance import Case, check_detection_path, check_scales
from pictures import photo_like, rendered
from PIL import Image, ImageDraw, ImageFont

from emblemcheck.catalogue.store import Catalogue, load_features
from emblemcheck.engine.channels import LUMINANCE
from emblemcheck.engine.detection import Detection
from emblemcheck.engine.detector import Detector
from emblemcheck.engine.fitting import MIN_ORIENTATION, fit_similarity, hough_cluster, matches_inside
from emblemcheck.engine.index import Candidate
from emblemcheck.engine.merge import merge
from emblemcheck.engine.verification import orientation_agreement
from emblemcheck.media.svg import render_svg
from emblemcheck.scan.scanner import Scanner

ROOT = Path(__file__).resolve().parent.parent
SIBLINGS = {"gc-signature-en", "gc-signature-fr", "canada-wordmark"}


@pytest.fixture(scope="module")
def index(built_home) -> Detector:
    return Detector.build(load_features(built_home.catalogue_db))


def place(background: Image.Image, emblem: Image.Image, width: int, xy=(60, 80), opacity: float = 1.0) -> np.ndarray:
    em = emblem.resize((width, round(emblem.height * width / emblem.width)), Image.Resampling.LANCZOS)
    pic = background.copy()
    if opacity < 1:
        pic.paste(Image.blend(pic.crop((*xy, xy[0] + em.width, xy[1] + em.height)), em, opacity), xy)
    else:
        pic.paste(em, xy)
    return np.asarray(pic)


def found(index, rgb) -> list[str]:
    return [d.emblem_id for d in index.detect(rgb)]


def jpeg_round_trip(rgb: np.ndarray, quality: int = 80) -> np.ndarray:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=quality)
    return np.asarray(Image.open(out).convert("RGB"))


@pytest.mark.parametrize("emblem_id", sorted(SIBLINGS))
def test_embedded_large_finds_exactly_that_emblem(built_home, index, emblem_id):
    rgb = place(photo_like(1000, 700), rendered(built_home, emblem_id, "colour"), 500)
    assert found(index, jpeg_round_trip(rgb)) == [emblem_id]


def test_embedded_small(built_home, index):
    rgb = place(photo_like(1200, 800, seed=2), rendered(built_home, "canada-wordmark", "black"), 200)
    assert found(index, rgb) == ["canada-wordmark"]


def test_copy_of_reversed_artwork(built_home, index):
    rgb = np.asarray(rendered(built_home, "gc-signature-fr", "reversed", width=700))
    assert found(index, jpeg_round_trip(rgb, 70)) == ["gc-signature-fr"]


def test_crop_pad_rotate(built_home, index):
    im = rendered(built_home, "gc-signature-en", "black", width=800)
    im = im.crop((20, 2, im.width - 20, im.height - 2))
    canvas = Image.new("RGB", (im.width + 200, im.height + 200), (90, 140, 200))
    canvas.paste(im, (100, 100))
    rgb = np.asarray(canvas.rotate(8, Image.Resampling.BICUBIC, fillcolor=(90, 140, 200)))
    assert found(index, rgb) == ["gc-signature-en"]


def test_perspective_tilt(built_home, index):
    em = np.asarray(rendered(built_home, "canada-wordmark", "colour", width=500))
    h, w = em.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[120, 160], [560, 120], [580, 300], [110, 270]])  # about 20 degrees of tilt
    pic = np.asarray(photo_like(800, 500, seed=3)).copy()
    m = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(em, m, (800, 500))
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), m, (800, 500)) > 0
    pic[mask] = warped[mask]
    detections = index.detect(pic)
    assert [d.emblem_id for d in detections] == ["canada-wordmark"]
    corners = np.array(detections[0].outline)
    assert np.abs(corners - dst).max() < 12  # the outline is where the emblem was put


def test_watermark(built_home, index):
    rgb = place(photo_like(1000, 600, seed=4), rendered(built_home, "canada-wordmark", "black"), 500, opacity=0.6)
    assert found(index, rgb) == ["canada-wordmark"]


def test_screenshot_header(built_home, index):
    page = Image.new("RGB", (1280, 700), (250, 250, 250))
    ImageDraw.Draw(page).rectangle([0, 0, 1280, 110], fill="white")
    sig = rendered(built_home, "gc-signature-en", "colour", width=520)
    page.paste(sig, (30, 5))
    page.paste(photo_like(500, 400, seed=5), (40, 200))
    assert found(index, np.asarray(page)) == ["gc-signature-en"]


def test_box_is_in_the_pixels_given(built_home, index):
    rgb = place(photo_like(1000, 700), rendered(built_home, "canada-wordmark", "colour"), 400, xy=(300, 200))
    (d,) = index.detect(rgb)
    x, y, w, h = d.box
    assert abs(x - 300) <= 6 and abs(y - 200) <= 6 and abs(w - 400) <= 12
    assert d.method == "sift-homography" and 0 < d.score <= 1 and d.inliers >= 10


@pytest.mark.parametrize("emblem_id", ["gc-signature-en", "gc-signature-fr"])
@pytest.mark.parametrize("variant", ["black", "colour", "reversed", "white"])
def test_sibling_rule_signatures_are_told_apart(built_home, index, emblem_id, variant):
    rgb = np.asarray(rendered(built_home, emblem_id, variant, width=900))
    framed = np.asarray(Image.fromarray(rgb).resize((900, rgb.shape[0])))
    assert found(index, framed) == [emblem_id]


def national_flag(width: int = 600) -> Image.Image:
    rgba = render_svg((ROOT / "assets" / "canada-flag.svg").read_bytes(), width=width)
    canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    canvas.alpha_composite(rgba)
    return canvas.convert("RGB")


@pytest.mark.parametrize("width", [300, 600])
def test_national_flag_alone_is_never_a_signature_or_wordmark(index, width):
    rgb = place(photo_like(1000, 700, seed=6), national_flag(), width)
    assert not set(found(index, rgb)) & SIBLINGS


def test_flag_symbol_inside_a_signature_is_not_reported_separately(built_home, index):
    rgb = place(photo_like(1200, 600, seed=7), rendered(built_home, "gc-signature-en", "colour"), 900)
    assert found(index, rgb) == ["gc-signature-en"]


def test_look_alike_text_is_not_a_signature(index):
    assert found(index, look_alike_text()) == []


def test_photo_alone_has_no_detection(index):
    assert found(index, np.asarray(photo_like(1000, 700, seed=8))) == []


def test_restricting_to_one_emblem(built_home, index):
    rgb = place(photo_like(1000, 700), rendered(built_home, "canada-wordmark", "colour"), 500)
    assert index.detect(rgb, emblem_ids=["gc-signature-en"]) == []


def _det(emblem_id, outline, score, method="sift-homography", inliers=20):
    xs, ys = [p[0] for p in outline], [p[1] for p in outline]
    box = (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    return Detection(emblem_id, emblem_id + "/r", box, tuple(outline), score, inliers, method)


def test_merge_keeps_the_whole_not_its_part_even_with_a_lower_score():
    whole = _det("gc-signature-en", [(0, 0), (1000, 0), (1000, 100), (0, 100)], 0.7)
    part = _det("canada-flag", [(0, 0), (190, 0), (190, 100), (0, 100)], 0.95)
    assert merge([part, whole]) == [whole]


def test_merge_keeps_the_better_of_two_on_one_region():
    en = _det("gc-signature-en", [(0, 0), (1000, 0), (1000, 100), (0, 100)], 0.9)
    fr = _det("gc-signature-fr", [(30, 0), (1030, 0), (1030, 100), (30, 100)], 0.6)
    assert merge([fr, en]) == [en]


def test_merge_prefers_a_homography_to_a_similarity_with_a_higher_score():
    # Their scores are on different scales (edge correlation against gradient-direction agreement).
    right = _det("badge-a", [(0, 0), (250, 0), (250, 250), (0, 250)], 0.89, inliers=16)
    other = _det("badge-b", [(2, 5), (252, 5), (252, 255), (2, 255)], 0.94, "sift-similarity", inliers=5)
    assert merge([other, right]) == [right]
    assert merge([right, other]) == [right]


def test_merge_prefers_a_homography_to_a_region_match_with_a_higher_score():
    right = _det("badge-a", [(0, 0), (250, 0), (250, 250), (0, 250)], 0.73, inliers=20)
    blob = _det("badge-b", [(0, 0), (248, 0), (248, 248), (0, 248)], 0.75, "region-shape-colour", inliers=0)
    assert merge([blob, right]) == [right]


def test_merge_keeps_separate_regions():
    a = _det("gc-signature-en", [(0, 0), (500, 0), (500, 50), (0, 50)], 0.9)
    b = _det("canada-wordmark", [(0, 400), (400, 400), (400, 500), (0, 500)], 0.8)
    assert {d.emblem_id for d in merge([a, b])} == {"gc-signature-en", "canada-wordmark"}


def test_scanner_reports_box_and_outline_in_original_pixels(built_home, tmp_path):
    # 3200 px wide: decoded at half size, so the scanner must scale the box back.
    rgb = place(photo_like(3200, 1800, seed=9), rendered(built_home, "canada-wordmark", "colour", 1000), 1200,
                xy=(800, 600))
    path = tmp_path / "big.png"
    Image.fromarray(rgb).save(path)
    result = Scanner(Catalogue.open(built_home.catalogue_db)).scan_file(path).result
    (finding,) = result.findings
    assert finding.emblem_id == "canada-wordmark" and finding.method == "sift-homography"
    x, y, w, h = finding.box
    assert abs(x - 800) <= 12 and abs(y - 600) <= 12 and abs(w - 1200) <= 24
    assert len(finding.outline) == 4 and finding.inliers >= 10


def test_hough_cluster_gathers_the_matches_of_one_transform():
    rng = np.random.default_rng(0)
    reference = np.column_stack([rng.uniform(0, 400, 60), rng.uniform(0, 100, 60),
                                 rng.uniform(2, 20, 60), rng.uniform(0, 360, 60)]).astype(np.float32)
    angle, scale, shift = 20.0, 0.5, np.array([300.0, 200.0])  # OpenCV keypoint angles turn with the picture
    turn = np.radians(angle)
    rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
    query = reference.copy()
    query[:, :2] = reference[:, :2] @ rotation.T * scale + shift
    query[:, 2] *= scale
    query[:, 3] = (reference[:, 3] + angle) % 360
    outliers = 40  # the last 40 matches point anywhere, at any scale and angle
    query[-outliers:] = np.column_stack([rng.uniform(0, 1000, outliers), rng.uniform(0, 800, outliers),
                                         rng.uniform(2, 20, outliers), rng.uniform(0, 360, outliers)])
    cluster = set(hough_cluster(reference, query, (400, 100)).tolist())
    assert len(cluster & set(range(20))) == 20
    assert len(cluster - set(range(20))) <= 4


def test_orientation_agreement_sees_faint_ink_over_texture_and_nothing_in_texture_alone(built_home, index):
    ref = wordmark_reference(index)
    width, xy = 500, (100, 120)
    factor = width / ref.features.width
    homography = np.array([[factor, 0, xy[0]], [0, factor, xy[1]], [0, 0, 1]], np.float64)
    background = photo_like(900, 600, seed=4)
    faint = place(background, rendered(built_home, "canada-wordmark", "black"), width, xy=xy, opacity=0.5)
    grey_faint = cv2.cvtColor(faint, cv2.COLOR_RGB2GRAY)
    grey_texture = cv2.cvtColor(np.asarray(background), cv2.COLOR_RGB2GRAY)
    assert orientation_agreement(grey_faint, homography, ref) >= MIN_ORIENTATION
    assert orientation_agreement(grey_texture, homography, ref) < 0.3


def test_inlier_ratio_counts_only_matches_inside_the_outline():
    homography = np.array([[0.5, 0, 100], [0, 0.5, 50], [0, 0, 1]], np.float64)  # reference 400 x 100
    inside = np.array([[110, 60], [290, 90], [200, 70]], np.float64)
    outside = np.array([[20, 20], [400, 300], [600, 60], [150, 120]], np.float64)
    dst = np.concatenate([inside, outside]).reshape(-1, 1, 2)
    assert matches_inside(homography, dst, (400, 100)) == 3


def wordmark_reference(index: Detector):
    """The wordmark's full-size luminance reference."""
    search = index.search("luminance")
    return next(r for r in search.index.references if r.emblem_id == "canada-wordmark" and not r.small)


def _similarity_case(built_home, index, opacity):
    """Six true matches of the wordmark at half size plus twelve strays; the picture shows it at ``opacity``."""
    ref = wordmark_reference(index)
    factor, xy, width = 0.5, (100.0, 120.0), round(ref.features.width * 0.5)
    background = photo_like(900, 600, seed=4)
    if opacity:
        picture = place(background, rendered(built_home, "canada-wordmark", "black"), width, xy=(100, 120),
                        opacity=opacity)
    else:
        picture = np.asarray(background)
    rng = np.random.default_rng(3)
    chosen = rng.choice(len(ref.features.keypoints), 6, replace=False)
    true = ref.features.keypoints[chosen].copy()
    true[:, :2] = true[:, :2] * factor + xy
    strays = np.column_stack([rng.uniform(0, 900, 12), rng.uniform(0, 600, 12), rng.uniform(2, 20, 12),
                              rng.uniform(0, 360, 12)]).astype(np.float32)
    points = np.concatenate([true, strays]).astype(np.float32)
    matched = ref.features.keypoints[np.concatenate([chosen, rng.choice(len(ref.features.keypoints), 12)])]
    return Candidate(ref, np.arange(18), matched), points, cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)


def test_similarity_fallback_places_a_faint_watermark_from_a_few_matches(built_home, index):
    candidate, points, work = _similarity_case(built_home, index, opacity=0.5)
    found = fit_similarity(candidate, points, work, LUMINANCE)
    assert found is not None and found.method == "sift-similarity" and found.inliers >= 6
    x, y, w, _h = found.box
    assert abs(x - 100) <= 4 and abs(y - 120) <= 4 and abs(w - candidate.reference.features.width * 0.5) <= 6


def test_similarity_fallback_refuses_the_same_matches_over_texture_alone(built_home, index):
    candidate, points, work = _similarity_case(built_home, index, opacity=0.0)
    assert fit_similarity(candidate, points, work, LUMINANCE) is None


def test_similarity_path_conformance(built_home, index):
    candidate, points, work = _similarity_case(built_home, index, opacity=0.5)
    _, _, texture = _similarity_case(built_home, index, opacity=0.0)
    ref = candidate.reference.features
    case = Case(work, "canada-wordmark", (100, 120, round(ref.width * 0.5), round(ref.height * 0.5)), tolerance=6)

    def locate(view):
        found = fit_similarity(candidate, points, view, LUMINANCE)
        return [] if found is None else [found]

    check_detection_path(locate, case, methods=["sift-similarity"], refused=[texture])


def look_alike_text() -> np.ndarray:
    im = Image.new("RGB", (1100, 260), "white")
    d = ImageDraw.Draw(im)
    font = ImageFont.load_default(80)
    d.text((20, 20), "Government   Gouvernement", font=font, fill="black")
    d.text((20, 130), "of Canada      du Canada", font=font, fill="black")
    return np.asarray(im)


def test_homography_path_conformance(built_home, index):
    emblem = rendered(built_home, "canada-wordmark", "colour")
    height = round(emblem.height * 400 / emblem.width)
    case = Case(place(photo_like(1000, 700), emblem, 400, xy=(300, 200)), "canada-wordmark", (300, 200, 400, height),
                tolerance=12)
    check_detection_path(index.detect, case, methods=["sift-homography"],
                         refused=[np.asarray(photo_like(1000, 700)), look_alike_text()])
    check_scales(index, case)


def test_same_picture_same_evidence_whatever_the_process_built_before(built_home):
    # FLANN's KD-trees are randomised; the index seeds them, so the matches
    # behind a finding do not depend on which indexes were built earlier.
    rgb = jpeg_round_trip(place(photo_like(1000, 700), rendered(built_home, "gc-signature-en", "colour"), 420))
    first = Detector.build(load_features(built_home.catalogue_db)).detect(rgb)
    cv2.flann_Index(np.random.default_rng(1).random((500, 128), np.float32), {"algorithm": 1, "trees": 4})
    again = Detector.build(load_features(built_home.catalogue_db)).detect(rgb)
    assert first and [d.matches for d in first] == [d.matches for d in again]
