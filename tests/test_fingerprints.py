"""Whole-image fingerprints and the fingerprint matcher: one shared check for every hash."""

from __future__ import annotations

import io

import numpy as np
import pytest
from pictures import photo_like
from PIL import Image

from emblemcheck.engine.fingerprints import PdqHash, fingerprint, phash_from_hex
from emblemcheck.engine.matching import FingerprintIndex
from emblemcheck.errors import UsageError
from emblemcheck.media.decode import decode
from emblemcheck.models import Rendering


def _shield(size=400, colour=(20, 60, 160)) -> np.ndarray:
    from PIL import ImageDraw

    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    s = size / 100
    draw.polygon([(10 * s, 8 * s), (90 * s, 8 * s), (90 * s, 55 * s), (50 * s, 95 * s), (10 * s, 55 * s)], fill=colour)
    draw.ellipse([30 * s, 20 * s, 70 * s, 60 * s], fill=(230, 190, 40))
    # Mirror-symmetric pictures leave half of PDQ's and pHash's DCT bits at the
    # median (see matching.DHASH_THRESHOLD); this test picture is deliberately not.
    draw.rectangle([55 * s, 62 * s, 80 * s, 80 * s], fill=(200, 30, 30))
    draw.rectangle([12 * s, 10 * s, 40 * s, 18 * s], fill=(10, 10, 10))
    return np.asarray(image)


def _variant(rgb: np.ndarray, how: str) -> np.ndarray:
    image = Image.fromarray(rgb)
    if how == "resized":
        image = image.resize((image.width // 3, image.height // 3), Image.Resampling.BILINEAR)
    elif how == "rotated":
        image = image.rotate(1, fillcolor="white")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return decode(out.getvalue()).rgb


HASHES = {
    "pdq": (lambda f: f.pdq, PdqHash.from_hex, 31),
    "phash": (lambda f: f.phash, phash_from_hex, 10),
    "dhash": (lambda f: f.dhash, phash_from_hex, 10),
}


@pytest.mark.parametrize("name", HASHES)
@pytest.mark.parametrize("how", ["resized", "rotated"])
def test_a_small_change_stays_close_and_a_different_picture_does_not(name, how):
    pick, _, threshold = HASHES[name]
    reference = pick(fingerprint(_shield()))
    assert pick(fingerprint(_variant(_shield(), how))) - reference <= threshold
    assert pick(fingerprint(np.asarray(photo_like(400, 400)))) - reference > threshold


@pytest.mark.parametrize("name", HASHES)
def test_hex_round_trip(name):
    pick, parse, _ = HASHES[name]
    value = pick(fingerprint(_shield()))
    assert parse(str(value)) == value and value - parse(str(value)) == 0


def test_bad_arguments_raise():
    with pytest.raises(UsageError):
        PdqHash.from_hex("xyz")
    with pytest.raises(UsageError):
        PdqHash(b"short")
    with pytest.raises(UsageError):
        phash_from_hex("not hex")
    with pytest.raises(UsageError):
        fingerprint(np.zeros((10, 10), np.uint8))


def test_dihedral_hashes_catch_a_mirrored_copy():
    prints = fingerprint(_shield())
    mirrored = fingerprint(np.ascontiguousarray(_shield()[:, ::-1]))
    assert mirrored.pdq - prints.pdq > 31
    assert min(h - prints.pdq for h in mirrored.pdq_dihedral) <= 31


def _rendering(rid: str, rgb: np.ndarray) -> Rendering:
    f = fingerprint(rgb)
    return Rendering(rid, rid.split("/")[0], "original", rgb.shape[1], rgb.shape[0], str(f.phash), str(f.dhash),
                     str(f.pdq), f.pdq_quality, tuple(str(h) for h in f.pdq_dihedral))


def test_the_index_returns_the_single_best_emblem():
    roundel = np.asarray(photo_like(400, 400, seed=5))
    index = FingerprintIndex([_rendering("shield/1", _shield()), _rendering("roundel/1", roundel)])
    match = index.query(fingerprint(_variant(_shield(), "resized")))
    assert match is not None and match.emblem_id == "shield" and 0.5 <= match.score <= 1
    assert index.query(fingerprint(np.asarray(photo_like(300, 300, seed=3)))) is None
    assert FingerprintIndex([]).query(fingerprint(_shield())) is None
