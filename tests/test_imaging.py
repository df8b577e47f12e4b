"""Decoding: every mode becomes 8-bit RGB at working size, oriented, with the original's geometry."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from emblemcheck.errors import ImageError, ImageTooLarge
from emblemcheck.media.decode import WORK_PIXELS, decode


def _encode(image: Image.Image, fmt: str, **kwargs) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kwargs)
    return out.getvalue()


@pytest.mark.parametrize("image, fmt", [
    (Image.new("RGBA", (40, 30), (255, 0, 0, 0)), "PNG"),
    (Image.new("P", (40, 30), 3), "GIF"),
    (Image.new("L", (40, 30), 90), "PNG"),
    (Image.new("CMYK", (40, 30), (0, 255, 255, 0)), "JPEG"),
    (Image.fromarray(np.full((30, 40), 65535, np.uint16)), "PNG"),
    (Image.new("RGB", (40, 30), "blue"), "WEBP"),
    (Image.new("RGB", (40, 30), "blue"), "TIFF"),
])
def test_every_mode_becomes_rgb(image, fmt):
    loaded = decode(_encode(image, fmt))
    assert loaded.rgb.dtype == np.uint8 and loaded.rgb.shape == (30, 40, 3)
    assert (loaded.width, loaded.height) == (40, 30)


def test_transparency_is_flattened_on_white_and_16_bit_is_scaled_not_clipped():
    assert decode(_encode(Image.new("RGBA", (4, 4), (255, 0, 0, 0)), "PNG")).rgb[0, 0].tolist() == [255, 255, 255]
    grey = Image.fromarray(np.full((4, 4), 32768, np.uint16))
    assert 100 < decode(_encode(grey, "PNG")).rgb[0, 0, 0] < 160


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (60, 20), "white")
    image.paste((255, 0, 0), (0, 0, 10, 20))  # red stripe on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    loaded = decode(_encode(image, "JPEG", exif=exif.tobytes(), quality=95))
    assert (loaded.width, loaded.height) == (20, 60) and loaded.rgb.shape[:2] == (60, 20)
    assert loaded.rgb[2, 10, 0] > 200 and loaded.rgb[2, 10, 1] < 80  # the stripe is now on top


def test_large_jpegs_are_decoded_small_and_keep_their_size():
    big = Image.fromarray(np.random.default_rng(0).integers(0, 255, (2000, 4000, 3), np.uint8))
    loaded = decode(_encode(big, "JPEG", quality=80))
    assert (loaded.width, loaded.height) == (4000, 2000)
    assert loaded.rgb.shape[:2] == (1567, 3135)  # 2000 x 4000 at most WORK_PIXELS, the same shape
    assert loaded.rgb.shape[0] * loaded.rgb.shape[1] <= WORK_PIXELS and loaded.scale == pytest.approx(3135 / 4000)


def test_a_tall_screenshot_keeps_its_width():
    tall = Image.fromarray(np.random.default_rng(0).integers(0, 255, (9000, 430, 3), np.uint8))
    loaded = decode(_encode(tall, "PNG"))
    assert loaded.rgb.shape[:2] == (9000, 430) and loaded.scale == 1


def test_limits_and_garbage():
    with pytest.raises(ImageTooLarge, match="pixel limit"):
        decode(_encode(Image.new("L", (300, 300)), "PNG"), max_pixels=10_000)
    with pytest.raises(ImageError, match="empty"):
        decode(b"")
    with pytest.raises(ImageError, match="not an image"):
        decode(b"GIF89a but not really")
