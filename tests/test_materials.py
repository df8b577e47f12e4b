"""Emblems as objects (issue 17): flat artwork attached, photos of an embroidered flash and a cast badge flagged
with the material named; a plain uniform and a patch not in the catalogue clean; photos of the object as artwork.

The objects are simulated here, in code of their own (threads from a fixed card, relief from the design's
light areas), not with engine/materials.py, which makes the references.
"""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest
from bulk_tree import home_with_added
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from typer.testing import CliRunner

from emblemcheck.catalogue.materials import object_photo, parse_box, photo_warnings, sharpness
from emblemcheck.catalogue.store import Catalogue
from emblemcheck.cli import app
from emblemcheck.engine import materials
from emblemcheck.errors import UsageError
from emblemcheck.home import Home

runner = CliRunner()
THREADS = np.array([(245, 245, 240), (25, 25, 25), (190, 35, 40), (30, 60, 140), (20, 95, 55), (220, 180, 50)],
                   np.float32)


def crest(size: int = 500, motto: str = "VERITAS", colour=(30, 60, 140)) -> Image.Image:
    """A made-up round crest: a ring of dots, a star, a chevron and a motto, on transparency."""
    im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse([4, 4, size - 4, size - 4], fill=colour + (255,), outline=(220, 180, 50, 255), width=size // 25)
    d.ellipse([size * 0.18, size * 0.18, size * 0.82, size * 0.82], fill=(245, 245, 240, 255))
    for i in range(16):
        a = 2 * math.pi * i / 16
        r = size * 0.41
        d.ellipse([size / 2 + r * math.cos(a) - 6, size / 2 + r * math.sin(a) - 6,
                   size / 2 + r * math.cos(a) + 6, size / 2 + r * math.sin(a) + 6], fill=(245, 245, 240, 255))
    points = [(size / 2 + (0.2 if k % 2 == 0 else 0.08) * size * math.cos(math.pi * k / 5 - math.pi / 2),
               size * 0.4 + (0.2 if k % 2 == 0 else 0.08) * size * math.sin(math.pi * k / 5 - math.pi / 2))
              for k in range(10)]
    d.polygon(points, fill=(190, 35, 40, 255))
    d.polygon([(size * 0.28, size * 0.68), (size * 0.5, size * 0.55), (size * 0.72, size * 0.68),
               (size * 0.72, size * 0.6), (size * 0.5, size * 0.47), (size * 0.28, size * 0.6)], fill=colour + (255,))
    d.text((size / 2, size * 0.75), motto, font=ImageFont.load_default(size // 11), fill=(25, 25, 25, 255),
           anchor="mm")
    return im


def embroidered_patch(art: Image.Image, width: int) -> tuple[np.ndarray, np.ndarray]:
    im = art.resize((width, width), Image.Resampling.LANCZOS)
    a = np.asarray(im, np.float32)
    rgb, alpha = a[..., :3], a[..., 3] / 255
    image = THREADS[((rgb[:, :, None] - THREADS[None, None]) ** 2).sum(axis=3).argmin(axis=2)]
    y, x = np.mgrid[0:width, 0:width].astype(np.float32)
    image = image * (1 + 0.2 * np.sin((x * 0.7 + y * 0.7) / 1.1))[..., None]
    ring = (alpha > 0.5) & (np.hypot(x - width / 2, y - width / 2) > width / 2 - width * 0.04)
    image[ring] = (200, 170, 60)
    return cv2.GaussianBlur(image, (0, 0), 0.8), alpha


def cast_badge(art: Image.Image, width: int) -> tuple[np.ndarray, np.ndarray]:
    im = art.resize((width, width), Image.Resampling.LANCZOS)
    a = np.asarray(im, np.float32)
    alpha = a[..., 3] / 255
    light_areas = cv2.GaussianBlur((a[..., :3].mean(axis=2) > 128).astype(np.float32), (0, 0), 1.5)
    height = (alpha * (0.6 + 0.4 * light_areas)) * 6
    gy, gx = np.gradient(height)
    shade = np.clip((-gx * 0.6 + -gy * -0.6 + 1) / np.sqrt(1 + gx ** 2 + gy ** 2), 0, 1.3)
    return np.array((210, 175, 90), np.float32) * (0.3 + 0.7 * shade)[..., None], alpha


def on_uniform(patch: tuple[np.ndarray, np.ndarray] | None, seed: int, at=(420, 260)) -> Image.Image:
    """A dark serge sleeve 1000 x 750 with the patch sewn on at ``at``, a slight tilt, uneven light, blur."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:750, 0:1000].astype(np.float32)
    ground = np.array((30, 34, 50), np.float32) * (1 + 0.06 * np.sin((x + y) / 0.8) + rng.normal(0, 0.05, x.shape)
                                                   )[..., None]
    if patch is not None:
        image, alpha = patch
        h, w = alpha.shape
        tilt = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]),
                                           np.float32([[w * 0.05, 0], [w * 0.97, h * 0.04], [w, h], [0, h * 0.95]]))
        image = cv2.warpPerspective(image, tilt, (w, h))
        alpha = cv2.warpPerspective(alpha, tilt, (w, h))[..., None]
        region = ground[at[1]:at[1] + h, at[0]:at[0] + w]
        region[:] = region * (1 - alpha) + image * alpha
    ground *= (0.75 + 0.35 * x / 1000)[..., None]
    return Image.fromarray(np.clip(cv2.GaussianBlur(ground, (0, 0), 0.7), 0, 255).astype(np.uint8))


@pytest.fixture(scope="module")
def crest_home(tmp_path_factory) -> Home:
    """A catalogue without official artwork plus the flat artwork of a crest, added as a user would."""
    root = tmp_path_factory.mktemp("materials")
    return home_with_added(root, crest(), "test-crest", "Test crest")


def test_flat_artwork_of_a_worn_emblem_gets_material_renderings(crest_home):
    catalogue = Catalogue.open(crest_home.catalogue_db)
    made = {r.material for r in catalogue.renderings if r.emblem_id == "test-crest"}
    assert made == {"flat", "embroidered", "enamel", "metal"}, made
    assert all("@" in r.variant for r in catalogue.renderings if r.material != "flat")


def object_box(patch: tuple[np.ndarray, np.ndarray], at=(420, 260)) -> tuple[int, int, int, int]:
    """Where on_uniform sews ``patch``: the box (x, y, w, h) of its tilted alpha in the photo."""
    _image, alpha = patch
    h, w = alpha.shape
    tilt = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]),
                                       np.float32([[w * 0.05, 0], [w * 0.97, h * 0.04], [w, h], [0, h * 0.95]]))
    x, y, bw, bh = cv2.boundingRect((cv2.warpPerspective(alpha, tilt, (w, h)) > 0.5).astype(np.uint8))
    return x + at[0], y + at[1], bw, bh


@pytest.mark.parametrize(("make", "seen_as"), [(embroidered_patch, "an embroidered flash"),
                                               (cast_badge, "a metal badge")])
def test_photo_of_the_object_is_flagged_with_its_material(crest_home, tmp_path, make, seen_as):
    photo = tmp_path / "sleeve.jpg"
    on_uniform(make(crest(), 260), seed=1).save(photo, quality=80)
    result = runner.invoke(app, ["scan", str(photo), "--home", str(crest_home.root)])
    assert result.exit_code == 1, result.output
    assert "test-crest: Test crest [restricted]" in result.output
    assert f"matched as {seen_as}" in result.output
    as_json = runner.invoke(app, ["scan", str(photo), "--format", "json", "--home", str(crest_home.root)])
    finding = json.loads(as_json.output)["files"][0]["findings"][0]
    assert finding["material"] == ("embroidered" if make is embroidered_patch else "metal")
    # The outline is the artwork's, as a flat finding's is (with the artwork's own 3 % crop margin,
    # catalogue/artwork.MARGIN: 1.12x the object's box), not the cloth around its synthesised rendering
    # (1.31x the object's box before, 2026-12-02).
    x, y, w, h = object_box(make(crest(), 260))
    fx, fy, fw, fh = finding["box"]
    assert 0.9 < (fw * fh) / (w * h) < 1.2, (finding["box"], (x, y, w, h))
    assert abs(fx + fw / 2 - (x + w / 2)) < 0.05 * w and abs(fy + fh / 2 - (y + h / 2)) < 0.05 * h


def enamel_pin(art: Image.Image, width: int) -> tuple[np.ndarray, np.ndarray]:
    """A lapel pin: the colours kept, a silver line where the colour changes (a Laplacian's zero set), a rim."""
    im = art.resize((width, width), Image.Resampling.LANCZOS)
    a = np.asarray(im, np.float32)
    rgb, alpha = a[..., :3], a[..., 3] / 255
    change = np.abs(cv2.Laplacian(cv2.GaussianBlur(rgb.mean(axis=2), (0, 0), 1.0), cv2.CV_32F)) > 4
    solid = (alpha > 0.5).astype(np.uint8)
    change |= solid.astype(bool) & ~cv2.erode(solid, np.ones((3, 3), np.uint8)).astype(bool)
    rgb[change & solid.astype(bool)] = (215, 215, 222)
    return rgb, alpha


def test_an_enamel_pin_is_flagged_as_one(crest_home, tmp_path):
    # 180 px of a 1000 px photo: at 90-140 px this crest's pin is not found yet (measured, 2026-12-02).
    photo = tmp_path / "lapel.jpg"
    on_uniform(enamel_pin(crest(), 180), seed=4, at=(600, 180)).save(photo, quality=85)
    result = runner.invoke(app, ["scan", str(photo), "--home", str(crest_home.root)])
    assert result.exit_code == 1, result.output
    assert "test-crest: Test crest [restricted]" in result.output
    assert "matched as an enamel pin" in result.output


def test_each_material_rendering_is_a_candidate_of_its_own():
    from emblemcheck.engine.features import prepare_reference
    from emblemcheck.engine.index import Reference

    features = prepare_reference(np.asarray(crest(200).convert("RGB")))
    looks = {Reference.of(rid, "test-crest", features).look
             for rid in ("test-crest/a/original-on-white", "test-crest/a/original@metal-gold-45",
                         "test-crest/a/original@metal-silver-225")}
    assert looks == {"", "metal-gold-45", "metal-silver-225"}


@pytest.mark.parametrize("picture", ["plain", "other-patch"])
def test_plain_uniform_and_a_patch_not_in_the_catalogue_are_clean(crest_home, tmp_path, picture):
    photo = tmp_path / f"{picture}.jpg"
    other = Image.new("RGBA", (500, 500), (0, 0, 0, 0))
    d = ImageDraw.Draw(other)
    d.rectangle([20, 60, 480, 440], fill=(120, 20, 30, 255), outline=(240, 240, 240, 255), width=16)
    d.rectangle([230, 80, 270, 420], fill=(240, 240, 240, 255))
    d.rectangle([40, 230, 460, 270], fill=(240, 240, 240, 255))
    on_uniform(None if picture == "plain" else embroidered_patch(other, 260), seed=2).save(photo, quality=80)
    result = runner.invoke(app, ["scan", str(photo), "--home", str(crest_home.root)])
    assert result.exit_code == 0, result.output
    assert "clean" in result.output


def test_explain_shows_the_material_rendering(crest_home, tmp_path):
    photo = tmp_path / "badge.jpg"
    on_uniform(cast_badge(crest(), 260), seed=4).save(photo, quality=85)
    result = runner.invoke(app, ["explain", str(photo), "-o", str(tmp_path / "why.png"), "--home",
                                 str(crest_home.root)])
    assert result.exit_code == 0, result.output
    assert "matched as a metal badge" in result.output
    assert (tmp_path / "why.png").stat().st_size > 0


def test_add_a_photo_of_the_object_with_a_box(crest_home, tmp_path):
    photo = tmp_path / "my-badge.jpg"
    on_uniform(cast_badge(crest(motto="FIDELIS", colour=(20, 95, 55)), 300), seed=5,
               at=(100, 100)).save(photo, quality=90)
    result = runner.invoke(app, ["catalogue", "add", str(photo), "--id", "test-crest", "--material", "metal",
                                 "--box", "90,90,320,320", "--home", str(crest_home.root)])
    assert result.exit_code == 0, result.output
    assert "updated test-crest: 1 rendering(s) added" in result.output
    catalogue = Catalogue.open(crest_home.catalogue_db)
    added = [r for r in catalogue.renderings if r.material == "metal" and "@" not in r.variant]
    assert [(r.width, r.height) for r in added] == [(320, 320)]
    user = json.loads(crest_home.user_manifest.read_text())
    assert user["artwork"][-1]["material"] == "metal" and user["artwork"][-1]["box"] == [90, 90, 320, 320]


def test_add_a_small_blurred_photo_warns(crest_home, tmp_path):
    photo = tmp_path / "far-away.jpg"
    on_uniform(embroidered_patch(crest(), 150), seed=6, at=(40, 40)).filter(ImageFilter.GaussianBlur(4)).save(
        photo, quality=90)
    result = runner.invoke(app, ["catalogue", "add", str(photo), "--id", "test-crest", "--material", "embroidered",
                                 "--box", "30,30,170,170", "--home", str(crest_home.root)])
    assert result.exit_code == 0, result.output
    assert result.output.count("warning: ") == 1, result.output  # one line for the one rendering
    assert "the object spans only 170 px in the photo; photograph it closer" in result.output
    assert "the photo looks blurred" in result.output


def test_box_outside_the_photo_or_without_material_is_refused(crest_home, tmp_path):
    photo = tmp_path / "p.jpg"
    on_uniform(None, seed=7).save(photo)
    outside = runner.invoke(app, ["catalogue", "add", str(photo), "--id", "test-crest", "--material", "metal",
                                  "--box", "900,700,300,300", "--home", str(crest_home.root)])
    assert outside.exit_code == 2, outside.output
    assert "lies outside" in outside.output
    alone = runner.invoke(app, ["catalogue", "add", str(photo), "--id", "test-crest", "--box", "1,1,20,20",
                                "--home", str(crest_home.root)])
    assert alone.exit_code == 2, alone.output
    assert "give --material too" in alone.output


def test_parse_box():
    assert parse_box("1,2,30,40") == (1, 2, 30, 40)
    assert parse_box(None) is None
    for bad in ("1,2,3", "a,b,c,d", "0,0,0,5", "-1,0,5,5"):
        with pytest.raises(UsageError):
            parse_box(bad)


def test_object_photo_finds_the_object_and_warns_about_a_steep_angle():
    picture = np.asarray(on_uniform(cast_badge(crest(), 300), seed=8, at=(350, 200)))
    crop, warnings = object_photo(picture, None, "photo")
    assert 280 <= crop.shape[1] <= 380 and 280 <= crop.shape[0] <= 380, crop.shape
    assert warnings == []
    squashed = cv2.resize(picture, (1000, 300))
    _crop, warnings = object_photo(squashed, None, "squashed")
    assert any("steep angle" in w for w in warnings), warnings


def test_sharpness_falls_with_blur():
    picture = np.asarray(on_uniform(embroidered_patch(crest(), 300), seed=9))[200:600, 380:780]
    blurred = cv2.GaussianBlur(picture, (0, 0), 3)
    assert sharpness(picture) > 2 * sharpness(blurred)
    assert photo_warnings(picture, None) == []


def test_synthesis_is_reproducible_and_keeps_the_shape():
    art = crest()
    white = np.asarray(Image.alpha_composite(Image.new("RGBA", art.size, "white"), art).convert("RGB"))
    black = np.asarray(Image.alpha_composite(Image.new("RGBA", art.size, "black"), art).convert("RGB"))
    mask = materials.object_mask(white, black)
    assert 0.6 < mask.mean() < 0.85  # a disc fills pi/4 of its square
    names = ("embroidered", "woven", "enamel", "metal-silver-45")
    first = materials.synthesise(white, mask, names)
    again = materials.synthesise(white, mask, names)
    assert [m.material for m in first] == ["embroidered", "woven", "enamel", "metal"]
    side = materials.SIDE + 2 * round(materials.MARGIN * materials.SIDE)  # the cloth all round the object
    for a, b in zip(first, again, strict=True):
        assert a.rgb.shape == (side, side, 3)
        assert np.array_equal(a.rgb, b.rgb)
    corner = first[-1].rgb[:10, :10].reshape(-1, 3).mean(axis=0)
    assert np.allclose(corner, materials.UNIFORM, atol=3)  # outside the object: the cloth
    metal = first[-1].rgb[mask[::2, ::2][:512, :512]] if mask.shape[0] >= 1024 else first[-1].rgb
    assert np.ptp(metal.reshape(-1, 3).mean(axis=0)) < 20  # silver: no colour of its own


def test_a_material_rendering_outlines_the_artwork_inside_its_cloth():
    side = materials.SIDE + 2 * round(materials.MARGIN * materials.SIDE)
    x0, y0, x1, y1 = materials.artwork_box(side, side)
    assert x0 == y0 == round(materials.MARGIN * materials.SIDE) and x1 == y1 == side - x0
    x0, y0, x1, y1 = materials.artwork_box(side // 2, side // 4)  # seen smaller, and of a wide artwork
    assert x0 == y0 == pytest.approx(round(materials.MARGIN * materials.SIDE) / 2)


@pytest.mark.parametrize(("a", "b", "better"), [
    # one emblem, a material rendering among the two: the one more keypoints agree with names the material
    (("crest", "original@embroidered", 52, 0.81), ("crest", "original-on-black", 24, 0.87), True),
    (("crest", "original-on-black", 24, 0.87), ("crest", "original@embroidered", 52, 0.81), False),
    # one emblem, two flat renderings: the better score, as between emblems
    (("crest", "original-on-white", 52, 0.81), ("crest", "original-on-black", 24, 0.87), False),
    # two emblems: the better score says which emblem the region is
    (("crest", "original@embroidered", 52, 0.81), ("other", "original-on-black", 24, 0.87), False),
    (("other", "original-on-black", 24, 0.87), ("crest", "original@embroidered", 52, 0.81), True),
])
def test_which_detection_explains_a_shared_region(a, b, better):
    from emblemcheck.engine.detection import Detection
    from emblemcheck.engine.merge import explains_better, merge

    square = ((0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0))
    first, second = (Detection(e, f"{e}/a/{v}", (0, 0, 100, 100), square, s, n) for e, v, n, s in (a, b))
    assert explains_better(first, second) is better
    assert merge([first, second]) == [first if better else second]
