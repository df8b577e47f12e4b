"""Fitting: place a candidate reference in the picture and accept the fit on evidence.

A RANSAC homography (OpenCV's USAC MAGSAC++) on the candidate's matches;
when it fails, the same on the matches' Hough cluster (Lowe 2004, section
7.1), and for a cluster too small for a homography a similarity accepted on
gradient directions alone. A fit is accepted on inliers, the inlier ratio
among the matches inside the outline, a sane outline, a verified look
(verification.py) and the channel's own check (channels.py).

Thresholds were chosen on ``python benchmarks/detection.py`` (see
benchmarks/RESULTS.md); each says below what it guards against.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import cv2
import numpy as np

from .detection import Detection, clip_box
from .index import Candidate, Reference
from .materials import artwork_box
from .verification import orientation_agreement, verify

if TYPE_CHECKING:
    from .channels import Channel

#: Fewest inliers a homography is accepted with.
MIN_INLIERS = 10

#: Fewest inliers as a share of the rendering's matches inside the outline.
MIN_INLIER_RATIO = 0.15

#: RANSAC reprojection threshold in working pixels, at FEATURE_SIDE.
REPROJECTION_PX = 4.0

#: MAGSAC++'s iteration cap and confidence: 2000 is OpenCV's default cap;
#: 0.999 (OpenCV's default is 0.995) is a guess of the first engine, unchanged since.
RANSAC_ITERATIONS = 2000
RANSAC_CONFIDENCE = 0.999

#: Smallest accepted outline, in working pixels: a box side and an area.
MIN_SIDE_PX = 8
MIN_AREA_PX = 600

#: Largest ratio between opposite sides of the outline (a 25 degree tilt with
#: perspective gives about 1.4) and largest change of aspect ratio from the
#: reference's: beyond these the homography is a degenerate fit.
MAX_SIDE_RATIO = 2.0
MAX_ASPECT_CHANGE = 2.0

#: Least share of the reference's outline that must lie inside the picture:
#: a part outside cannot be verified. At 0.6, look-alike text at a photo's
#: edge passed as a signature whose flag symbol fell outside the picture
#: (benchmark seed 11); 0.85 cost no recall on seeds 7 and 11.
MIN_VISIBLE = 0.85

#: Verification: least normalised correlation between the edge map of the
#: rectified region and the reference's, taken over each part (see features.parts).
#: Benchmark of 2026-11-23 (benchmarks/RESULTS.md): the lowest true detection
#: scored 0.51 (147 local-feature detections); look-alike "Government of
#: Canada" text in Pillow's default font scored 0.41, siblings' shared words
#: and a bare flag symbol scored below 0.1.
MIN_VERIFY = 0.5

#: A strong geometric fit may pass with weaker looks: a watermark's edges are
#: mixed with the photo's, so its parts correlate 0.3-0.45 while it keeps
#: 25-60 inliers. On the same benchmark no wrong emblem other than a sibling
#: (which the merge then removes) reached 30 inliers at a 0.25 inlier ratio;
#: on seeds 7 and 11 (2026-11-24) the fits of 20-29 inliers at that ratio
#: that verified 0.3-0.5 were 23 true ones and no wrong one. 25 (was 30)
#: found one more watermark, a signature with 26 inliers over grass.
STRONG_FIT_INLIERS = 25
STRONG_FIT_RATIO = 0.25
MIN_VERIFY_STRONG_FIT = 0.3

#: A clean fit (at least half the matches inside the outline are inliers)
#: may pass on gradient-direction agreement along the reference's own edges
#: (see verification.orientation_agreement) when the edge-map correlation fails:
#: faint watermarks and small drawn badges, whose edges mix with the photo's.
#: Measured on benchmark seeds 7 and 11 (every plausible fit of 572 pictures):
#: no wrong emblem at a ratio >= 0.5 scored above 0.52 except the flag symbol
#: inside a signature (0.62-0.69, a part the merge gives to the signature);
#: true fits that the correlation missed scored 0.6-0.99.
CLEAN_FIT_RATIO = 0.5
MIN_ORIENTATION = 0.6

#: The similarity fallback (see fit_similarity): fewest inliers, least
#: gradient-direction agreement, RANSAC threshold in working pixels (twice
#: the homography's: a similarity does not model a slight tilt). Benchmark
#: seeds 7 and 11, every candidate of every class whose homography failed: no
#: wrong emblem scored above 0.45 (the roundel against the badge, 4 inliers)
#: and the other signature at most 0.42; 189 true fits scored 0.70-0.96,
#: among them 7 watermarks that no homography had found.
MIN_SIMILARITY_INLIERS = 4

#: Hough clusters tried per candidate, largest first; the second and third only with MIN_INLIERS
#: matches or more. A tall page's body text ("Services ... Canada" in a bigger font) can outvote
#: the header's signature: in the benchmark's tall-005 (398 x 8667) its largest cluster (19
#: matches) lay in the body, the header's 20 matches were the next (measured: found with them).
HOUGH_CLUSTERS = 3
MIN_SIMILARITY_ORIENTATION = 0.7
SIMILARITY_REPROJECTION_PX = 8.0


def locate(candidate: Candidate, points: np.ndarray, view: np.ndarray, channel: Channel) -> Detection | None:
    """Fit, check and verify one candidate; when all its matches fail, retry on their Hough cluster.

    ``points`` are the picture's keypoints ``(n, 4)`` in ``view``'s pixels.
    RANSAC rarely draws four inliers when they are a tenth of the matches (a
    small or faint emblem among a busy picture's matches); Lowe's Hough
    clustering (2004, section 7.1) gathers the consistent ones first, for a
    homography or, when they are too few, a similarity.
    """
    found = fit_homography(candidate, points, view, channel)
    if found is not None:
        return found
    ref = candidate.reference
    size = (ref.features.width, ref.features.height)
    remaining = np.arange(len(candidate.query))
    for attempt in range(HOUGH_CLUSTERS):
        if not len(remaining):  # the clusters tried took every match
            return None
        cluster = remaining[hough_cluster(candidate.matched[remaining], points[candidate.query[remaining]], size)]
        if attempt and len(cluster) < MIN_INLIERS:
            return None
        consistent = candidate.subset(cluster)
        if MIN_INLIERS <= len(cluster) < len(candidate.query):
            found = fit_homography(consistent, points, view, channel)
        if found is None and len(cluster) >= MIN_SIMILARITY_INLIERS and not candidate.homography_only:
            found = fit_similarity(consistent, points, view, channel)
        if found is not None:
            return found
        remaining = np.setdiff1d(remaining, cluster)
    return None


def fit_homography(candidate: Candidate, points: np.ndarray, view: np.ndarray, channel: Channel) -> Detection | None:
    """A verified homography of the candidate's matches; ``None`` if any check fails."""
    ref = candidate.reference
    size = (ref.features.width, ref.features.height)
    src = candidate.matched[:, :2].reshape(-1, 1, 2)
    dst = points[candidate.query, :2].reshape(-1, 1, 2)
    homography, mask = cv2.findHomography(src, dst, cv2.USAC_MAGSAC, REPROJECTION_PX, maxIters=RANSAC_ITERATIONS,
                                          confidence=RANSAC_CONFIDENCE)
    if homography is None or mask is None:
        return None
    inliers = int(mask.sum())
    local = matches_inside(homography, dst, size)
    if inliers < MIN_INLIERS or inliers < MIN_INLIER_RATIO * local:
        return None
    outline = project_outline(homography, size)
    if not plausible_outline(outline, size, view.shape):
        return None
    score = verify(view, homography, ref)
    strong = inliers >= STRONG_FIT_INLIERS and inliers >= STRONG_FIT_RATIO * local
    if score < (MIN_VERIFY_STRONG_FIT if strong else MIN_VERIFY):
        if inliers < CLEAN_FIT_RATIO * local:
            return None
        score = max(score, orientation_agreement(view, homography, ref))
        if score < MIN_ORIENTATION:
            return None
    if not channel.accepts(view, homography, ref):
        return None
    keep = mask.ravel().astype(bool)
    return _detection(ref, homography, score, src[keep, 0], dst[keep, 0], view.shape, channel.methods[0])


def fit_similarity(candidate: Candidate, points: np.ndarray, view: np.ndarray, channel: Channel) -> Detection | None:
    """A similarity (rotation, scale, shift) of a Hough cluster, accepted on gradient directions alone.

    A faint watermark over texture keeps 4-10 consistent matches among
    dozens: too few for a homography's 8 degrees of freedom, enough for
    a similarity's 4. The geometry is then weak evidence, so the region
    must agree with the reference's edge directions strongly.
    """
    ref = candidate.reference
    size = (ref.features.width, ref.features.height)
    src = np.ascontiguousarray(candidate.matched[:, :2])
    dst = points[candidate.query, :2]
    affine, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC,
                                               ransacReprojThreshold=SIMILARITY_REPROJECTION_PX)
    if affine is None or mask is None or int(mask.sum()) < MIN_SIMILARITY_INLIERS:
        return None
    homography = np.vstack([affine, [0.0, 0.0, 1.0]])
    outline = project_outline(homography, size)
    if not plausible_outline(outline, size, view.shape):
        return None
    score = orientation_agreement(view, homography, ref)
    if score < MIN_SIMILARITY_ORIENTATION or not channel.accepts(view, homography, ref):
        return None
    keep = mask.ravel().astype(bool)
    return _detection(ref, homography, score, src[keep], dst[keep], view.shape, channel.methods[1])


def _detection(ref: Reference, homography: np.ndarray, score: float, src: np.ndarray, dst: np.ndarray,
               shape: tuple[int, ...], method) -> Detection:
    """A verified fit as a Detection; ``src``/``dst`` are its inlier matches (reference, picture)."""
    outline = object_outline(homography, ref)
    matches = tuple(tuple(float(v) for v in (*s, *d)) for s, d in zip(src, dst, strict=True))
    x0, y0 = np.floor(outline.min(axis=0)).astype(int)
    x1, y1 = np.ceil(outline.max(axis=0)).astype(int)
    return Detection(ref.emblem_id, ref.rendering_id, clip_box(x0, y0, x1, y1, shape),
                     tuple(map(tuple, outline.tolist())), round(float(score), 4), len(matches), method,
                     matches)  # type: ignore[arg-type]


def project_outline(homography: np.ndarray, reference_size: tuple[int, int]) -> np.ndarray:
    """The reference's four corners projected into the picture."""
    width, height = reference_size
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64)
    return cv2.perspectiveTransform(corners.reshape(-1, 1, 2), homography).reshape(4, 2)


def object_outline(homography: np.ndarray, ref: Reference) -> np.ndarray:
    """The outline a finding reports: the reference's corners projected, or for a synthesised material
    rendering (a ``look``) the corners of the artwork inside its cloth margin (materials.artwork_box)."""
    width, height = ref.features.width, ref.features.height
    if not ref.look:
        return project_outline(homography, (width, height))
    x0, y0, x1, y1 = artwork_box(width, height)
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
    return cv2.perspectiveTransform(corners.reshape(-1, 1, 2), homography).reshape(4, 2)


def hough_cluster(reference: np.ndarray, query: np.ndarray, reference_size: tuple[int, int]) -> np.ndarray:
    """Indices of the largest group of matches that agree on one similarity transform.

    Each match (keypoints ``x, y, size, angle``) predicts where the
    reference's centre lands, at what scale and rotation; votes go to the two
    nearest bins in each of the four dimensions. Bin sizes are Lowe's (2004,
    section 7.1): a factor of 2 in scale, 30 degrees, a quarter of the
    projected reference's longest side in position.
    """
    scale = np.maximum(query[:, 2], 1e-3) / np.maximum(reference[:, 2], 1e-3)
    theta = np.radians(query[:, 3] - reference[:, 3])
    cx, cy = reference_size[0] / 2 - reference[:, 0], reference_size[1] / 2 - reference[:, 1]
    px = query[:, 0] + scale * (np.cos(theta) * cx - np.sin(theta) * cy)
    py = query[:, 1] + scale * (np.sin(theta) * cx + np.cos(theta) * cy)
    log_scale = np.log2(scale)
    angle = np.degrees(theta) % 360 / 30
    votes = []
    for s_bin in _two_bins(log_scale):
        side = 0.25 * max(reference_size) * 2.0 ** (s_bin + 0.5)
        for a_bin in _two_bins(angle):
            for x_bin in _two_bins(px / side):
                for y_bin in _two_bins(py / side):
                    votes.append(np.stack([s_bin, a_bin % 12, x_bin, y_bin], axis=1))
    _unique, inverse, counts = np.unique(_packed(np.concatenate(votes)), return_inverse=True, return_counts=True)
    best = int(counts.argmax())
    return np.unique(np.flatnonzero(inverse.ravel() == best) % len(query))


def _packed(rows: np.ndarray) -> np.ndarray:
    """Each row of small integers as one integer, in the rows' lexicographic order.

    ``np.unique`` over rows sorts them as structured records: it was two
    thirds of hough_cluster's time, and hough_cluster a tenth of a scan of a
    picture without an emblem (profile of 60 such pictures, 2026-12-02). The
    packed integers sort as the rows do, so the same bin wins a tie.
    """
    low = rows.min(axis=0)
    spans = rows.max(axis=0) - low + 1
    if float(np.prod(spans.astype(np.float64))) >= 2.0 ** 62:  # too wide to pack: compare the rows themselves
        return np.unique(rows, axis=0, return_inverse=True)[1].ravel()
    packed = np.zeros(len(rows), np.int64)
    for column, span in zip((rows - low).T, spans, strict=True):
        packed = packed * span + column
    return packed


def _two_bins(values: np.ndarray) -> list[np.ndarray]:
    """The bin of each value and its nearer neighbour (Lowe's two-nearest-bins vote)."""
    low = np.floor(values)
    other = np.where(values - low >= 0.5, low + 1, low - 1)
    return [low.astype(np.int64), other.astype(np.int64)]


def matches_inside(homography: np.ndarray, dst: np.ndarray, reference_size: tuple[int, int]) -> int:
    """How many matches fall, in the picture, inside the fitted outline of the reference.

    Matches elsewhere in the picture (a page's body text voting for the
    signature's words) say nothing about this region, so they do not count
    against its inlier ratio.
    """
    try:
        back = cv2.perspectiveTransform(dst.astype(np.float64), np.linalg.inv(homography)).reshape(-1, 2)
    except np.linalg.LinAlgError:
        return len(dst)
    width, height = reference_size
    inside = (back[:, 0] >= 0) & (back[:, 0] <= width) & (back[:, 1] >= 0) & (back[:, 1] <= height)
    return max(1, int(inside.sum()))


def plausible_outline(outline: np.ndarray, reference_size: tuple[int, int], picture_shape: tuple[int, ...]) -> bool:
    """Whether a projected reference outline is a sane view of a flat emblem in the picture."""
    if not np.all(np.isfinite(outline)):
        return False
    contour = outline.astype(np.float32).reshape(-1, 1, 2)
    # A mirrored fit runs its corners the other way round from the reference's.
    width, height = reference_size
    reference = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32).reshape(-1, 1, 2)
    area = cv2.contourArea(contour, oriented=True)
    if area * cv2.contourArea(reference, oriented=True) <= 0 or not cv2.isContourConvex(contour):
        return False
    area = abs(area)
    sides = np.linalg.norm(np.roll(outline, -1, axis=0) - outline, axis=1)
    if sides.min() < MIN_SIDE_PX or area < MIN_AREA_PX:
        return False
    if max(sides[0], sides[2]) > MAX_SIDE_RATIO * min(sides[0], sides[2]):
        return False
    if max(sides[1], sides[3]) > MAX_SIDE_RATIO * min(sides[1], sides[3]):
        return False
    aspect = (sides[0] + sides[2]) / (sides[1] + sides[3])
    if not 1 / MAX_ASPECT_CHANGE <= aspect / (width / height) <= MAX_ASPECT_CHANGE:
        return False
    return _visible_share(outline, picture_shape[1], picture_shape[0]) >= MIN_VISIBLE


def _visible_share(outline: np.ndarray, width: int, height: int) -> float:
    clipped, _ = cv2.intersectConvexConvex(outline.astype(np.float32),
                                           np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32))
    area = abs(cv2.contourArea(outline.astype(np.float32)))
    return clipped / area if area > 0 else 0.0
