"""The one check every detection path passes (homography, similarity, region, tint).

As perception's hasher test kit does for hashers: each path supplies a
picture with a known emblem at a known place and pictures that must not
give it, and this module asserts the same contract for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from emblemcheck.engine.detection import Detection
from emblemcheck.engine.detector import Detector
from emblemcheck.models import Box

#: Pixels a box may lie from its outline's bounds: the tint channel works at
#: 400 px, so one of its pixels is 2.25 of a 900 px picture's.
OUTLINE_SLACK = 3


@dataclass(frozen=True)
class Case:
    """A picture holding ``emblem_id`` at ``box`` (x, y, width, height, in its pixels).

    A path must find it within ``tolerance`` px on every side.
    """

    picture: np.ndarray
    emblem_id: str
    box: Box
    tolerance: int


def check_detection_path(locate: Callable[[np.ndarray], Sequence[Detection]], case: Case, *,
                         methods: Sequence[str], refused: Sequence[np.ndarray]) -> Detection:
    """Assert the contract of a detection path and return its detection of the case.

    * the case's emblem is found exactly once, by one of ``methods``, where it was put;
    * its evidence is well formed: a score in (0, 1], four outline corners
      around the box, matched points inside the picture;
    * the same picture gives the same detections again (no hidden state);
    * no picture in ``refused`` (the background alone, the emblem's look-alikes)
      gives that emblem by those methods.
    """
    found = list(locate(case.picture))
    ours = [d for d in found if d.emblem_id == case.emblem_id]
    assert len(ours) == 1, f"expected one {case.emblem_id}, got {found}"
    (detection,) = ours
    assert detection.method in methods, detection.method
    assert all(abs(a - b) <= case.tolerance for a, b in zip(detection.box, case.box, strict=True)), \
        f"box {detection.box}, put at {case.box}"
    assert 0 < detection.score <= 1 and detection.inliers >= 0
    assert len(detection.outline) == 4
    height, width = case.picture.shape[:2]
    # The box bounds the outline, clipped to the picture; a path working at a
    # smaller size rounds it there, so it may be off by about that scale.
    corners = np.array(detection.outline)
    bounds = (max(0, corners[:, 0].min()), max(0, corners[:, 1].min()),
              min(width, corners[:, 0].max()), min(height, corners[:, 1].max()))
    x, y, w, h = detection.box
    assert np.allclose((x, y, x + w, y + h), bounds, atol=OUTLINE_SLACK), f"box {detection.box}, outline {corners}"
    assert all(0 <= qx <= width and 0 <= qy <= height for _sx, _sy, qx, qy in detection.matches)
    assert list(locate(case.picture)) == found, "a second look gave other detections"
    for picture in refused:
        wrong = [d for d in locate(picture) if d.emblem_id == case.emblem_id and d.method in methods]
        assert not wrong, f"refused picture gave {wrong}"
    return detection


def check_scales(detector: Detector, case: Case, factor: float = 2.0) -> None:
    """Geometry given ``scale`` is the same detection in the bigger pixels: the one conversion to the original's."""
    plain = [d for d in detector.detect(case.picture) if d.emblem_id == case.emblem_id]
    scaled = [d for d in detector.detect(case.picture, scale=factor) if d.emblem_id == case.emblem_id]
    assert [(d.emblem_id, d.method, d.score) for d in scaled] == [(d.emblem_id, d.method, d.score) for d in plain]
    for small, big in zip(plain, scaled, strict=True):
        assert all(abs(b - a * factor) <= factor for a, b in zip(small.box, big.box, strict=True))
        assert np.allclose(np.array(big.outline), np.array(small.outline) * factor)
