"""Derived copies: replay WordPress's size arithmetic, check a copy against its original, map boxes.

WordPress makes every sub-size from the original upload (after EXIF
rotation): the 150x150 thumbnail is a centre crop, the other sizes (300,
768, 1024, 1536, 2048, and ``-scaled`` at 2560) are fits. So a copy holds
nothing but the original's pixels, cut and resized; if the original's pixels,
cut and resized the same way, look like the copy, the copy's verdict is the
original's with each box mapped through the cut. A copy that does not look
like it (a user edited it after upload) is scanned in full.

Pure: arrays and numbers in, values out; decoding happens in ``media``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image, ImageFilter

from ..media.decode import LoadedImage
from ..models import Box, FileResult, Finding

#: Longest side of the pictures compared. The detector finds emblems down to
#: about 40 px of its 1600 px working copy (media.decode.WORK_SIDE), 1/40 of
#: the long side: at 160 px that is 4 compared pixels, enough for the measure
#: below to see an emblem added to a copy. A copy is compared at a third of its
#: own size at most, so its own resampling and sharpening are averaged away.
COMPARE_SIDE = 160

#: Largest difference allowed between a copy and the original cut and resized
#: the same way: the largest per-pixel difference (0-255, the largest of R, G,
#: B) after a Gaussian blur of one compared pixel on both. Measured with
#: benchmarks/derived_threshold.py on noisy gradients, grey gravel and the drawn
#: badge on a photo (4032x3024 and 1200x900), every WordPress core size made as
#: WordPress's Imagick editor makes it (ImageMagick, triangle filter, unsharp
#: 0.25x0.25+8+0.065, JPEG 82), with Pillow (Lanczos and unsharp), GD-like box
#: and bilinear filters, WebP 80 and JPEG 60, checked against the REFERENCE_SIDE
#: reduction: genuine copies reached 12 (ImageMagick 10, JPEG 60 17); edited
#: copies, a 40-working-pixel badge pasted on or a 35 % translucent one over a
#: quarter of the width, 36 or more. 24 sits between.
MAX_DIFFERENCE = 24.0

#: The original's working copy is reduced once to this long side before its
#: copies are checked against it: four times COMPARE_SIDE, so any cut of it
#: still has several of its pixels per compared pixel, and each check is cheap.
REFERENCE_SIDE = 640

#: A finding stays on a copy when at least this share of its box is inside the
#: crop; less, and it was cut away (half an emblem is not one the detector finds).
KEEP_SHARE = 0.5


@dataclass(frozen=True)
class Cut:
    """The part of the original a copy shows (``x, y, width, height`` in the original's pixels) and the copy's size."""

    x: int
    y: int
    width: int
    height: int
    to_width: int
    to_height: int

    @property
    def scale(self) -> tuple[float, float]:
        """Copy pixels per original pixel, across and down."""
        return self.to_width / self.width, self.to_height / self.height


def fit_size(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """WordPress's ``wp_constrain_dimensions``: the size of ``width x height`` fitted in the box, never enlarged."""
    if width <= max_width and height <= max_height:
        return width, height
    ratio = min(max_width / width, max_height / height)
    fitted = max(1, round(width * ratio)), max(1, round(height * ratio))
    # WordPress snaps the side that set the ratio to the box exactly (rounding may miss it by one).
    if ratio == max_width / width:
        fitted = (max_width, fitted[1])
    else:
        fitted = (fitted[0], max_height)
    return fitted


def centre_crop(width: int, height: int, to_width: int, to_height: int) -> Cut:
    """WordPress's ``image_resize_dimensions`` with ``crop``: the centred part of the original a hard crop keeps."""
    new_w, new_h = min(to_width, width), min(to_height, height)
    ratio = max(new_w / width, new_h / height)
    crop_w, crop_h = min(width, round(new_w / ratio)), min(height, round(new_h / ratio))
    return Cut((width - crop_w) // 2, (height - crop_h) // 2, crop_w, crop_h, new_w, new_h)


def cut_for(width: int, height: int, copy_width: int, copy_height: int) -> Cut | None:
    """How WordPress made a ``copy_width x copy_height`` copy of a ``width x height`` original, if it can have.

    A fit when fitting the original into the copy's size gives that size, else
    a centre crop (the 150x150 thumbnail, or any hard-cropped size a theme adds).
    """
    if copy_width < 1 or copy_height < 1 or copy_width > width or copy_height > height:
        return None
    if fit_size(width, height, copy_width, copy_height) == (copy_width, copy_height):
        return Cut(0, 0, width, height, copy_width, copy_height)
    cut = centre_crop(width, height, copy_width, copy_height)
    return cut if (cut.to_width, cut.to_height) == (copy_width, copy_height) else None


def compare_size(width: int, height: int) -> tuple[int, int]:
    """The size both pictures are compared at: a third of the copy's, at most :data:`COMPARE_SIDE` on the long side."""
    long = max(width, height)
    ratio = min(COMPARE_SIDE, max(1, long // 3)) / long
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def difference(expected: np.ndarray, copy: np.ndarray) -> float:
    """How far apart two RGB pictures of the same shape are (see :data:`MAX_DIFFERENCE`)."""
    a, b = (np.asarray(Image.fromarray(x, "RGB").filter(ImageFilter.GaussianBlur(1)), dtype=np.int16)
            for x in (expected, copy))
    return float(np.abs(a - b).max())


def reduce(rgb: np.ndarray, size: tuple[int, int], box: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """An RGB array (or its ``box`` part, in its own pixels) averaged down to ``size``."""
    return np.asarray(Image.fromarray(rgb, "RGB").resize(size, Image.Resampling.BOX, box=box))


def reference(original: LoadedImage) -> LoadedImage:
    """``original`` with its pixels reduced to :data:`REFERENCE_SIDE`, its size (the file's) kept, for :func:`check`."""
    height, width = original.rgb.shape[:2]
    if max(width, height) <= REFERENCE_SIDE:
        return original
    ratio = REFERENCE_SIDE / max(width, height)
    return replace(original, rgb=reduce(original.rgb, (max(1, round(width * ratio)), max(1, round(height * ratio)))))


def check(original: LoadedImage, copy: LoadedImage) -> tuple[Cut | None, float]:
    """Whether ``copy`` is the original cut and resized as WordPress does: the cut (or ``None``) and the difference.

    Both are decoded working copies; their ``width`` and ``height`` are the
    files' own sizes (after EXIF rotation), which the arithmetic replays.
    """
    cut = cut_for(original.width, original.height, copy.width, copy.height)
    if cut is None:
        return None, math.inf
    size = compare_size(copy.width, copy.height)
    sx, sy = original.rgb.shape[1] / original.width, original.rgb.shape[0] / original.height
    box = (cut.x * sx, cut.y * sy, (cut.x + cut.width) * sx, (cut.y + cut.height) * sy)
    gap = difference(reduce(original.rgb, size, box), reduce(copy.rgb, size))
    return (cut if gap <= MAX_DIFFERENCE else None), gap


def map_box(box: Box, cut: Cut) -> Box | None:
    """``box`` (in the original's pixels) in the copy's pixels, or ``None`` when the crop cut it away."""
    x, y, w, h = box
    left, top = max(x, cut.x), max(y, cut.y)
    right, bottom = min(x + w, cut.x + cut.width), min(y + h, cut.y + cut.height)
    if right <= left or bottom <= top or (right - left) * (bottom - top) < KEEP_SHARE * w * h:
        return None
    sx, sy = cut.scale
    x0, y0 = math.floor((left - cut.x) * sx), math.floor((top - cut.y) * sy)
    x1 = min(cut.to_width, math.ceil((right - cut.x) * sx))
    y1 = min(cut.to_height, math.ceil((bottom - cut.y) * sy))
    return x0, y0, max(1, x1 - x0), max(1, y1 - y0)


def map_finding(finding: Finding, cut: Cut) -> Finding | None:
    """A finding of the original as it falls on the copy, or ``None`` when the crop cut it away."""
    box = map_box(finding.box, cut)
    if box is None:
        return None
    sx, sy = cut.scale
    outline = None
    if finding.outline:
        outline = tuple((round((px - cut.x) * sx, 1), round((py - cut.y) * sy, 1)) for px, py in finding.outline)
    return replace(finding, box=box, outline=outline)


def inherit(original: FileResult, cut: Cut, copy: FileResult) -> FileResult:
    """``copy`` (its path, SHA-256 and size) with the original's verdict mapped through ``cut``."""
    findings = tuple(f for f in (map_finding(f, cut) for f in original.findings) if f is not None)
    return replace(copy, status="flagged" if findings else "clean", findings=findings, near_miss=None,
                   inherited_from=original.path, inherited_as="derived")
