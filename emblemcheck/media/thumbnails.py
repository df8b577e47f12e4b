"""Small pictures for people: catalogue thumbnails and previews of flagged files."""

from __future__ import annotations

import io
from collections.abc import Iterable

import numpy as np
from PIL import Image, ImageDraw

from ..models import Box

#: Catalogue thumbnails stay well under the 100 KB the catalogue promises.
THUMBNAIL_SIDE = 256
PREVIEW_SIDE = 360
BOX_COLOUR = (230, 0, 120)  # magenta: visible on red, white, black and photos


def png_thumbnail(rgb: np.ndarray, side: int = THUMBNAIL_SIDE) -> bytes:
    """A PNG of ``rgb`` no larger than ``side`` on its longest edge."""
    image = Image.fromarray(rgb, "RGB")
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def preview_jpeg(rgb: np.ndarray, boxes: Iterable[Box], *, scale: float, side: int = PREVIEW_SIDE) -> bytes:
    """A small JPEG of a scanned image with each box (original pixels) drawn.

    ``scale`` is working pixels per original pixel, as :attr:`LoadedImage.scale`.
    """
    image = Image.fromarray(rgb, "RGB")
    factor = min(1.0, side / max(image.size))
    if factor < 1.0:
        image = image.resize((max(1, round(image.width * factor)), max(1, round(image.height * factor))),
                             Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(image)
    k = scale * factor
    width = max(2, round(max(image.size) / 120))
    for x, y, w, h in boxes:
        draw.rectangle([x * k, y * k, (x + w) * k, (y + h) * k], outline=BOX_COLOUR, width=width)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()
