"""Merge: one detection per region, explained by the emblem that fits it best."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from ..models import Outline
from .detection import Detection

#: A detection whose area lies this much inside a verified larger one (at
#: least CONTAINER_AREA times its area) is a part of it (the flag symbol
#: inside a signature); two detections overlapping by this IoU are one region.
#: Guesses, set with the first version of the engine and never tuned; every
#: benchmark run since (benchmarks/RESULTS.md) has 0 sibling confusions with them.
CONTAINED = 0.6
CONTAINER_AREA = 1.5
SAME_REGION_IOU = 0.3

#: Fits by a homography: verified by edge correlation over the whole outline
#: with at least fitting.MIN_INLIERS inliers. The similarity fallback accepts
#: 4 inliers and scores gradient-direction agreement, and the region path
#: (regions.py) compares a blob at 48 px: other scales, so their scores do not
#: compare with a homography's. catalogue_scale.py, 2026-12-02: at 30 drawn
#: emblems the right emblem's homography (16 inliers, 0.89) lost to another
#: octagon badge's embroidered rendering placed by a similarity (5 inliers,
#: 0.94); at 10 000, a homography (20 inliers, 0.73) to another badge's blob (0.75).
HOMOGRAPHIES = frozenset({"sift-homography", "sift-colour-homography"})


def merge(detections: Sequence[Detection]) -> list[Detection]:
    """One detection per region: parts give way to the verified whole, overlaps to the better explanation.

    The flag symbol inside a signature is part of the signature; the English-
    and French-first signatures located on one region are one region, and the
    better-verified one explains it.
    """
    ordered = sorted(detections, key=lambda d: (-area(d.outline), -d.score))
    kept: list[Detection] = []
    for candidate in ordered:
        if any(_is_part(candidate, whole) for whole in kept):
            continue
        rivals = [k for k in kept if iou(candidate.outline, k.outline) >= SAME_REGION_IOU]
        if rivals and not any(explains_better(candidate, r) for r in rivals):
            continue
        kept = [k for k in kept if k not in rivals] + [candidate]
    return sorted(kept, key=lambda d: -d.score)


def explains_better(a: Detection, b: Detection) -> bool:
    """Whether ``a`` explains the region it shares with ``b`` better.

    Between a material rendering of an emblem and another of its renderings,
    the more consistent matches decide: what is at stake is which material the
    picture shows, and scores of different channels and renderings do not rank
    that: an embroidered flash photographed on a sleeve verified at 0.87
    against the flat artwork in the colour channel (24 inliers) and at
    0.81-0.83 against its embroidered rendering in luminance (33-52 inliers;
    tests/test_materials.py, 2026-12-02). Otherwise a homography beats a
    similarity or a region match (their scores are on other scales, see
    HOMOGRAPHIES), and between fits of one kind the better score decides:
    between flat renderings of one emblem too, for a tile seen closer has more
    inliers on part of a wordmark than the whole picture has on all of it
    (tests/test_detection.py).
    """
    if a.emblem_id == b.emblem_id and "@" in a.rendering_id + b.rendering_id:
        return (a.inliers, a.score) > (b.inliers, b.score)
    if (a.method in HOMOGRAPHIES) != (b.method in HOMOGRAPHIES):
        return a.method in HOMOGRAPHIES
    return a.score > b.score


def _is_part(small: Detection, whole: Detection) -> bool:
    small_area, whole_area = area(small.outline), area(whole.outline)
    if whole_area < CONTAINER_AREA * small_area or small_area <= 0:
        return False
    return intersection(small.outline, whole.outline) / small_area >= CONTAINED


def area(outline: Outline) -> float:
    """Area of a convex outline."""
    return abs(cv2.contourArea(np.array(outline, np.float32)))


def intersection(a: Outline, b: Outline) -> float:
    """Area shared by two convex outlines."""
    shared, _ = cv2.intersectConvexConvex(np.array(a, np.float32), np.array(b, np.float32))
    return float(shared)


def iou(a: Outline, b: Outline) -> float:
    """Intersection over union of two convex outlines."""
    inter = intersection(a, b)
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0
