"""Verification: does the region a fit places in the picture look like the reference?

Three checks, each a correlation over the reference's parts (see
features.parts), the least part counting: look-alike words without the flag
symbol, or a flag symbol without the words, fail on the part that is
missing. :func:`verify` compares edge maps (indifferent to polarity and
colour), :func:`orientation_agreement` gradient directions on the
reference's own edges (for faint ink over texture), :func:`tint_agreement`
tint values (for fits found in the colour channel).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from .features import edge_map, parts

if TYPE_CHECKING:
    from .index import Reference

#: A part is compared only where at least this share of it lies inside the
#: picture, and a fit whose visible share is below it is not verified at all:
#: half a part says too little (a guess, never tuned).
MIN_COVERED = 0.5

#: A part with edges or tints flatter than this (standard deviation, grey
#: levels) has nothing to compare: a blank margin of the reference.
MIN_PART_CONTRAST = 1.0

#: Gradient directions are read on the reference's strongest edges: pixels
#: above this percentile of its gradient magnitude (the ink's outlines), and
#: a part needs this many of them to be judged. Chosen with the similarity
#: fallback on benchmark seeds 7 and 11 (benchmarks/RESULTS.md).
EDGE_PERCENTILE = 85
MIN_EDGE_PIXELS = 20

#: Blur (Gaussian sigma, px) before gradients: a pixel of misregistration costs little.
GRADIENT_SIGMA = 1.0


def verify(picture: np.ndarray, homography: np.ndarray, ref: Reference) -> float:
    """Correlation of the rectified region's edge map with the reference's, over the visible part.

    Edges (gradient magnitude) make the check indifferent to polarity and to
    colour: black, colour and reversed artwork have the same outlines.
    """
    template = ref.features.template
    rectified, valid = rectify(picture, homography, ref)
    valid = cv2.erode(valid.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    if valid.sum() < MIN_COVERED * valid.size:
        return 0.0
    edges = edge_map(rectified)
    scores = [correlation(edges[tile][valid[tile]], ref.edges[tile][valid[tile]])
              for tile in parts(template.shape)
              if valid[tile].mean() >= MIN_COVERED and ref.edges[tile].std() > MIN_PART_CONTRAST]
    return min(scores, default=0.0)


def orientation_agreement(picture: np.ndarray, homography: np.ndarray, ref: Reference) -> float:
    """How well the rectified region's gradient directions agree with the reference's on its own edges.

    Only the reference's edge pixels (its ink outlines) are read, so a photo's
    texture around and under a faint watermark adds noise there but no
    penalty elsewhere. Agreement is ``|cos|`` of the angle between the two
    gradients (indifferent to polarity), rescaled so random directions score
    0 and identical ones 1; the least part (see features.parts) is returned.
    """
    template = ref.features.template
    rectified, valid = rectify(picture, homography, ref)
    rx, ry = _gradients(cv2.GaussianBlur(template.astype(np.float32), (0, 0), GRADIENT_SIGMA))
    px, py = _gradients(cv2.GaussianBlur(rectified.astype(np.float32), (0, 0), GRADIENT_SIGMA))
    reference_magnitude = np.hypot(rx, ry)
    picture_magnitude = np.hypot(px, py)
    cosine = np.abs(rx * px + ry * py) / np.maximum(reference_magnitude * picture_magnitude, 1e-6)
    strong = reference_magnitude >= max(float(np.percentile(reference_magnitude, EDGE_PERCENTILE)),
                                        MIN_PART_CONTRAST)
    random = 2 / np.pi  # mean |cos| of uniformly random directions
    scores = []
    for tile in parts(template.shape):
        edge = strong[tile] & valid[tile]
        if edge.sum() < MIN_EDGE_PIXELS or valid[tile].mean() < MIN_COVERED:
            continue
        weight = np.minimum(picture_magnitude[tile][edge], np.median(picture_magnitude[tile][edge]) + 1e-6)
        agreement = float((cosine[tile][edge] * weight).sum() / max(weight.sum(), 1e-6))
        scores.append((agreement - random) / (1 - random))
    return min(scores, default=0.0)


def tint_agreement(picture: np.ndarray, homography: np.ndarray, ref: Reference) -> float:
    """Correlation of the rectified region's tint values with the reference's, the least over its parts.

    Values, not edges: blue and gold lie on opposite sides of neutral in the
    tint channel, so the same outlines in other colours (another coat of
    arms drawn alike) correlate weakly or negatively, while a translucent
    copy keeps its sign, scaled by its opacity.
    """
    rectified, valid = rectify(picture, homography, ref)
    template = ref.features.template
    scores = [correlation(rectified[tile][valid[tile]].astype(np.float32),
                          template[tile][valid[tile]].astype(np.float32))
              for tile in parts(template.shape)
              if valid[tile].mean() >= MIN_COVERED and template[tile].std() > MIN_PART_CONTRAST]
    return min(scores, default=0.0)


def rectify(picture: np.ndarray, homography: np.ndarray, ref: Reference) -> tuple[np.ndarray, np.ndarray]:
    """The picture region warped onto the reference's template, and which template pixels it covers."""
    th, tw = ref.features.template.shape
    warp = homography @ np.diag([ref.features.width / tw, ref.features.height / th, 1.0])  # template -> picture
    rectified = cv2.warpPerspective(picture, warp, (tw, th), flags=cv2.INTER_AREA | cv2.WARP_INVERSE_MAP,
                                    borderMode=cv2.BORDER_REPLICATE)
    valid = cv2.warpPerspective(np.full(picture.shape, 255, np.uint8), warp, (tw, th),
                                flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP, borderValue=0) > 0
    return rectified, valid


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Normalised cross-correlation of two equal-sized arrays; 0 when either is flat."""
    a = a - a.mean()
    b = b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 1e-6 else 0.0


def _gradients(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3)
