"""The value every detection path returns: an emblem located in a picture, and how."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..models import Box, Outline

#: How a detection was made: a homography or a similarity fitted to SIFT
#: matches, in luminance or in the blue-yellow tint channel, or a blob's
#: outline and colours (regions.py).
Method = Literal["sift-homography", "sift-similarity", "sift-colour-homography", "sift-colour-similarity",
                 "region-shape-colour"]

@dataclass(frozen=True)
class Detection:
    """An emblem located in a picture; geometry in the pixels of the array the detector was given."""

    emblem_id: str
    rendering_id: str
    box: Box
    outline: Outline
    score: float
    inliers: int
    method: Method = "sift-homography"
    #: Matched point pairs (reference x, y, picture x, y) for ``explain``.
    matches: tuple[tuple[float, float, float, float], ...] = ()


def rescale(detection: Detection, factor: float, offset: tuple[float, float] = (0.0, 0.0)) -> Detection:
    """``detection`` with its picture geometry moved by ``offset`` (a tile's corner), then multiplied by
    ``factor`` (reference points unchanged)."""
    dx, dy = offset
    if factor == 1.0 and dx == dy == 0:
        return detection
    d = detection
    x, y, w, h = d.box
    box = (int(round((x + dx) * factor)), int(round((y + dy) * factor)), int(round(w * factor)),
           int(round(h * factor)))
    outline = tuple(((x + dx) * factor, (y + dy) * factor) for x, y in d.outline)
    matches = tuple((sx, sy, (qx + dx) * factor, (qy + dy) * factor) for sx, sy, qx, qy in d.matches)
    return Detection(d.emblem_id, d.rendering_id, box, outline, d.score, d.inliers, d.method, matches)


def clip_box(x0: float, y0: float, x1: float, y1: float, shape: tuple[int, ...]) -> Box:
    """The box between two corners, clipped to a picture of ``shape`` (height, width, ...)."""
    height, width = shape[:2]
    left, top = max(0, int(x0)), max(0, int(y0))
    right, bottom = min(width, int(x1)), min(height, int(y1))
    return (left, top, max(0, right - left), max(0, bottom - top))
