"""The colour search: coloured emblems located in the picture's tint channel, where a grey photo has no edges."""

from __future__ import annotations

import numpy as np
import pytest
from conformance import Case, check_detection_path, check_scales
from pictures import shield, stones
from PIL import Image, ImageDraw
from test_detection import SIBLINGS, place

from emblemcheck.catalogue.store import load_features
from emblemcheck.engine.channels import TINT
from emblemcheck.engine.detector import Detector
from emblemcheck.engine.features import prepare_reference, tint_channel


@pytest.fixture(scope="module")
def shield_index() -> Detector:
    return Detector.build([("shield/original", "shield", prepare_reference(shield()))])


def watermark(background: Image.Image, emblem: np.ndarray, opacity: float) -> np.ndarray:
    """``emblem`` 380 px wide blended at ``opacity`` over ``background`` at (200, 150)."""
    return place(background, Image.fromarray(emblem), 380, xy=(200, 150), opacity=opacity)


def test_tint_channel_leaves_grey_neutral_and_colour_apart():
    rgb = np.array([[[0, 0, 0], [128, 128, 128], [255, 255, 255], [25, 60, 150], [210, 170, 30]]], np.uint8)
    black, grey, white, blue, gold = (int(v) for v in tint_channel(rgb)[0])
    assert {black, grey, white} <= {127, 128, 129}
    assert blue < 60 and gold > 200


@pytest.mark.parametrize("opacity", [0.45, 0.55, 0.7])
@pytest.mark.parametrize("seed", [0, 2])
def test_translucent_shield_over_grey_stones_is_found_in_colour(shield_index, opacity, seed):
    rgb = watermark(stones(seed=seed), shield(), opacity)
    found = shield_index.detect(rgb)
    assert [d.emblem_id for d in found] == ["shield"]
    assert found[0].method in TINT.methods and found[0].inliers >= 20
    # The box is in the picture's pixels: the shield is 380 x 437 at (200, 150).
    x, y, w, h = found[0].box
    assert abs(x - 200) <= 12 and abs(y - 150) <= 12 and abs(w - 380) <= 20 and abs(h - 437) <= 20


def test_tint_path_conformance(shield_index):
    recoloured = shield().copy()
    recoloured[np.all(recoloured == (25, 60, 150), axis=2)] = (170, 30, 40)
    case = Case(watermark(stones(seed=0), shield(), 0.55), "shield", (200, 150, 380, 437), tolerance=20)
    check_detection_path(shield_index.detect, case, methods=TINT.methods,
                         refused=[np.asarray(stones(seed=0)), watermark(stones(seed=0), recoloured, 0.55)])
    check_scales(shield_index, case)


def test_stones_alone_have_no_shield(shield_index):
    assert shield_index.detect(np.asarray(stones(seed=2))) == []


def test_shield_in_other_colours_is_not_found_in_colour(shield_index):
    # Red where the shield is blue: the same outlines, another emblem.
    recoloured = shield().copy()
    blue = np.all(recoloured == (25, 60, 150), axis=2)
    recoloured[blue] = (170, 30, 40)
    found = shield_index.detect(watermark(stones(seed=0), recoloured, 0.55))
    assert not [d for d in found if d.method in TINT.methods]


def test_artwork_coloured_in_one_part_only_is_not_searched_in_colour():
    # A red emblem on the left, black words on the right: colour alone would
    # see only the emblem, as it sees only the flag symbol of a signature.
    im = Image.new("RGB", (900, 200), "white")
    d = ImageDraw.Draw(im)
    for i in range(24):
        d.regular_polygon((24 + (i % 6) * 40, 30 + (i // 6) * 46, 12 + i % 5), 3 + i % 5, rotation=i * 17,
                          fill=(200, 30, 40))
    d.text((300, 100), "Words in black ink", font_size=60, fill="black", anchor="lm")
    features = prepare_reference(np.asarray(im))
    assert features.tint is not None  # enough colour keypoints to describe ...
    assert Detector.build([("mixed/original", "mixed", features)]).search("tint") is None  # ... but not everywhere


def test_signatures_and_wordmark_are_not_searched_in_colour(built_home):
    tint = Detector.build(load_features(built_home.catalogue_db)).search("tint")
    coloured = {r.emblem_id for r in tint.index.references} if tint else set()
    assert not coloured & SIBLINGS


@pytest.mark.parametrize("width", [500, 700])
def test_translucent_shield_in_a_12_megapixel_photo_is_found_in_colour_where_it_is(shield_index, width):
    # 4032 x 3024 is tiled (tiles.py): its tint is described once at the tiles' scale, each tile searching
    # the keypoints inside it. At 500 px the shield is 50 px in the whole look's tint: only the tiles see it.
    rgb = place(stones(seed=0).resize((4032, 3024)), Image.fromarray(shield()), width, xy=(2100, 1300),
                opacity=0.55)
    found = shield_index.detect(rgb)
    assert [d.emblem_id for d in found] == ["shield"]
    assert found[0].method in TINT.methods and found[0].inliers >= 20
    x, y, w, h = found[0].box
    height = round(width * 437 / 380)
    assert abs(x - 2100) <= 20 and abs(y - 1300) <= 20 and abs(w - width) <= 25 and abs(h - height) <= 25
