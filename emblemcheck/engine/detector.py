"""Detection: find catalogued emblems that are only part of a picture.

Pure core: reference features in (:meth:`DetectionIndex.build`), an RGB
array in (:meth:`DetectionIndex.detect`), detections out. No files, no SQLite.

The method is the classic one (Lowe 2004; Philbin et al. 2007 for the
pooled index): SIFT descriptors of every catalogue rendering in one FLANN
KD-tree (plus each rendering's keypoints at a small size, for tiny
instances), a ratio test per rendering, votes per rendering, a RANSAC
homography (OpenCV's USAC MAGSAC++) for the best-voted renderings, retried on
the matches' Hough cluster when it fails (and, for a cluster too small for a
homography, a similarity fit accepted on gradient directions alone), then
acceptance on evidence: inliers, inlier ratio among the matches inside the
outline, a convex, non-degenerate, unmirrored outline of plausible size, and
a check that the rectified region looks like the reference (correlation of
edge maps, or for a clean fit gradient directions along the reference's own
edges). Overlapping detections are merged so each region is reported once,
as the emblem that explains it best. Small emblems on a plain ground (a
header badge 36-60 px tall, too small for a homography) are also looked for
by shape and colour (regions.py), and emblems coloured throughout are
searched a second time in the picture's blue-yellow channel, where a grey
photo seen through a translucent watermark has no edges (features.tint_channel);
both go through the same merge.

Thresholds were chosen on ``python benchmarks/detection.py`` (see
benchmarks/RESULTS.md); each says below what it guards against.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from . import regions
from .features import (
    FEATURE_SIDE,
    MAX_QUERY_KEYPOINTS,
    TINT_SIDE,
    ReferenceFeatures,
    edge_map,
    extract,
    extract_at,
    grey,
    parts,
    shrink,
    tint_channel,
)
from .regions import RegionReference

#: Neighbours fetched per query descriptor from the pooled index. Renderings of
#: one emblem in several colours are near duplicates, so the two nearest
#: descriptors of one rendering are often not the two nearest overall; 16
#: covers the 8 renderings of a GC symbol twice.
NEIGHBOURS = 16

#: Seed of the randomised KD-trees (see DetectionIndex): fixed before any
#: measurement, not chosen on the benchmark. Other seeds move a borderline
#: embedded-small or watermark case or two (benchmarks/RESULTS.md).
FLANN_SEED = 2011

#: Randomised KD-trees, and leaves the search visits per query: OpenCV's
#: tutorial values for SIFT. 8 trees and 128 checks, measured over four seeds,
#: found no more emblems and cost more time.
FLANN_TREES = 4
FLANN_CHECKS = 64

#: Lowe's ratio test, applied within each rendering (nearest / second nearest
#: descriptor of the same rendering). 0.8 is Lowe's own value.
RATIO = 0.8

#: Renderings given a RANSAC attempt, best-voted first; one per emblem and
#: polarity (dark ink on light, light ink on dark), so every emblem gets its
#: turn. Votes alone mislead: a screenshot's body text votes for the
#: dark-on-light signature while the header shows the white one.
CANDIDATES = 24

#: Longest side of the small rendering whose keypoints are indexed too (see
#: _small_scale): about twice a 40-60 px header badge, within the two octaves
#: across which SIFT descriptors still match well.
SMALL_REFERENCE_SIDE = 128

#: Fewest ratio-test matches worth a RANSAC attempt, and fewest inliers accepted.
MIN_MATCHES = 10
MIN_INLIERS = 10

#: Fewest inliers as a share of the rendering's ratio-test matches.
MIN_INLIER_RATIO = 0.15

#: RANSAC reprojection threshold in working pixels, at FEATURE_SIDE.
REPROJECTION_PX = 4.0

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
#: (see orientation_agreement) when the edge-map correlation fails: faint
#: watermarks and small drawn badges, whose edges mix with the photo's.
#: Measured on benchmark seeds 7 and 11 (every plausible fit of 572 pictures):
#: no wrong emblem at a ratio >= 0.5 scored above 0.52 except the flag symbol
#: inside a signature (0.62-0.69, a part the merge gives to the signature);
#: true fits that the correlation missed scored 0.6-0.99.
CLEAN_FIT_RATIO = 0.5
MIN_ORIENTATION = 0.6

#: Merge: a detection whose area lies this much inside a verified larger one
#: (at least CONTAINER_AREA times its area) is a part of it (the flag symbol
#: inside a signature); two detections overlapping by this IoU are one region.
CONTAINED = 0.6
CONTAINER_AREA = 1.5
SAME_REGION_IOU = 0.3

#: The similarity fallback (see DetectionIndex._similarity): fewest inliers,
#: least gradient-direction agreement, RANSAC threshold in working pixels
#: (twice the homography's: a similarity does not model a slight tilt).
#: Benchmark seeds 7 and 11, every candidate of every class whose homography
#: failed: no wrong emblem scored above 0.45 (the roundel against the badge,
#: 4 inliers) and the other signature at most 0.42; 189 true fits scored
#: 0.70-0.96, among them 7 watermarks that no homography had found.
MIN_SIMILARITY_INLIERS = 4
MIN_SIMILARITY_ORIENTATION = 0.7
SIMILARITY_REPROJECTION_PX = 8.0

#: Least edge strength (standard deviation of the edge map) in every part of a
#: reference's tint template for the emblem to be searched in colour: below it
#: a part is blank in colour (the black words of a signature, whose red flag
#: symbol alone must not stand for the signature).
MIN_TINT_EDGES = 1.0

#: Least correlation of tint values between a region found in colour and the
#: reference (see tint_agreement). Benchmark seeds 7 and 11: 173 true fits in
#: colour scored 0.39-0.99 (no wrong emblem's fit reached the check); the test
#: shield with its blue field turned red scored -0.03 to 0.20 at 45-70 % opacity.
MIN_TINT_AGREEMENT = 0.3

#: Least share of a picture's pixels that are coloured (tint 16 or more from
#: neutral, about 8 units of b*) for the colour search to run: a black-and-white
#: or sepia-free grey photo has nothing to find in colour.
MIN_TINTED_SHARE = 0.01

METHOD = "sift-homography"
SIMILARITY_METHOD = "sift-similarity"
TINT_METHODS = ("sift-colour-homography", "sift-colour-similarity")


@dataclass(frozen=True)
class Detection:
    """An emblem located in a picture; geometry in the pixels of the array given to ``detect``."""

    emblem_id: str
    rendering_id: str
    box: tuple[int, int, int, int]
    outline: tuple[tuple[float, float], ...]
    score: float
    inliers: int
    method: str = METHOD
    #: Matched point pairs (reference x, y, picture x, y) for ``explain``.
    matches: tuple[tuple[float, float, float, float], ...] = ()


@dataclass(frozen=True)
class _Reference:
    rendering_id: str
    emblem_id: str
    features: ReferenceFeatures
    edges: np.ndarray
    polarity: str  # per part: "d" dark ink on a lighter ground, "l" light ink on a darker one
    small: bool = False  # keypoints of a small rendering (see _small_scale)


class DetectionIndex:
    """All catalogue renderings' descriptors pooled in one FLANN KD-tree.

    ``tints`` is a second index of the same kind over the renderings' colour
    features (see features.tint_channel), searched in the picture's colour
    channel (``in_colour``): its detections are named by ``TINT_METHODS`` and
    must also agree with the reference's colours (see tint_agreement).
    """

    def __init__(self, references: list[_Reference], regions: list[RegionReference] | None = None,
                 tints: DetectionIndex | None = None, *, in_colour: bool = False):
        self.references = references
        self.regions = regions or []
        self.tints = tints
        self.in_colour = in_colour
        self.methods = TINT_METHODS if in_colour else (METHOD, SIMILARITY_METHOD)
        points = [r.features.keypoints[:, :2] for r in references]
        self._owner = np.concatenate([np.full(len(p), i, np.int32) for i, p in enumerate(points)] or
                                     [np.zeros(0, np.int32)])
        self._points = np.concatenate(points or [np.zeros((0, 2), np.float32)]).astype(np.float32)
        self._keypoints = np.concatenate([r.features.keypoints for r in references] or
                                         [np.zeros((0, 4), np.float32)]).astype(np.float32)
        descriptors = [r.features.descriptors for r in references]
        self._descriptors = np.concatenate(descriptors or [np.zeros((0, 128), np.uint8)]).astype(np.float32)
        self._flann = None
        if len(self._descriptors) > NEIGHBOURS:
            # FLANN_INDEX_KDTREE = 1. The trees are randomised from OpenCV's
            # generator: seeding it makes the near neighbours found, and so a
            # verdict, the same in every process whatever it built before
            # (unseeded, a borderline case in 30 could flip).
            cv2.setRNGSeed(FLANN_SEED)
            self._flann = cv2.flann_Index(self._descriptors, {"algorithm": 1, "trees": FLANN_TREES})

    @classmethod
    def build(cls, references: Iterable[tuple[str, str, ReferenceFeatures]]) -> DetectionIndex:
        """Index ``(rendering_id, emblem_id, features)`` triples; renderings with too few keypoints are skipped.

        Every colour variant stays in the index: dropping near copies (black
        and colour on white, say) was measured on the benchmark and lost
        recall in the embedded-small, watermark and screenshot classes.
        """
        built, blobs, tints, described = [], [], [], set()
        for rid, eid, f in references:
            region = RegionReference.prepare(rid, eid, f)
            if region is not None:
                blobs.append(region)
            # One artwork on several neutral grounds has one tint: index it once.
            if f.tint is not None and _tinted_throughout(f.tint.template):
                key = (eid, f.tint.descriptors.tobytes())
                if key not in described:
                    described.add(key)
                    tints.append(_Reference(rid, eid, f.tint, edge_map(f.tint.template), _polarity(f.tint.template)))
            if f.keypoint_count < MIN_INLIERS:
                continue
            edges, polarity = edge_map(f.template), _polarity(f.template)
            built.append(_Reference(rid, eid, f, edges, polarity))
            small = _small_scale(f)
            if small.keypoint_count >= MIN_INLIERS:
                built.append(_Reference(rid, eid, small, edges, polarity, small=True))
        return cls(built, blobs, cls(tints, in_colour=True) if tints else None)

    def __len__(self) -> int:
        return len(self.references)

    def detect(self, rgb: np.ndarray, *, emblem_ids: Iterable[str] | None = None) -> list[Detection]:
        """Emblems located in an RGB ``uint8`` picture, best first, one per region.

        ``emblem_ids`` restricts the search (``explain --emblem``).
        """
        luminance = grey(rgb)
        if min(luminance.shape) < MIN_SIDE_PX:
            return []
        work = shrink(luminance, FEATURE_SIDE)
        factor = luminance.shape[1] / work.shape[1]
        wanted = None if emblem_ids is None else set(emblem_ids)
        colour = shrink(np.ascontiguousarray(rgb), FEATURE_SIDE)
        found = self._blobs(work, colour, wanted)
        found += self._homographies(work, wanted)
        found += self._tinted(colour, wanted)
        return [_rescale(d, factor) for d in merge(found)]

    def _tinted(self, colour: np.ndarray, wanted: set[str] | None) -> list[Detection]:
        """Coloured emblems located in the picture's tint channel, at TINT_SIDE, in working pixels.

        A translucent coloured watermark over a photo keeps 5-6 consistent
        SIFT matches in luminance, where the photo shows through it, and 28-49
        in colour, where a grey photo has no edges (benchmark, seed 11).
        """
        if self.tints is None:
            return []
        channel = tint_channel(shrink(colour, TINT_SIDE))
        if np.count_nonzero(np.abs(channel.astype(np.int16) - 128) >= 16) < MIN_TINTED_SHARE * channel.size:
            return []
        factor = colour.shape[1] / channel.shape[1]
        return [_rescale(d, factor) for d in self.tints._homographies(channel, wanted)]

    def _homographies(self, work: np.ndarray, wanted: set[str] | None) -> list[Detection]:
        """Emblems located by SIFT matches and a verified homography."""
        if self._flann is None:
            return []
        points, descriptors = extract(work, MAX_QUERY_KEYPOINTS)
        if len(points) < MIN_MATCHES:
            return []
        found = []
        for index, pairs in self._candidates(descriptors, wanted):
            detection = self._locate(self.references[index], points, pairs, work)
            if detection is not None:
                found.append(detection)
        return found

    def _blobs(self, work: np.ndarray, colour: np.ndarray, wanted: set[str] | None) -> list[Detection]:
        """Small emblems on a plain ground, found by shape and colour (see regions.py)."""
        references = [r for r in self.regions if wanted is None or r.emblem_id in wanted]
        found = []
        for match in regions.find(work, colour, references):
            x, y, w, h = match.box
            outline = ((float(x), float(y)), (float(x + w), float(y)), (float(x + w), float(y + h)),
                       (float(x), float(y + h)))
            found.append(Detection(match.emblem_id, match.rendering_id, match.box, outline, match.score, 0,
                                   regions.METHOD))
        return found

    def _candidates(self, descriptors: np.ndarray, wanted: set[str] | None) -> list[tuple[int, np.ndarray]]:
        """Renderings worth a homography, with their (query, reference) descriptor index pairs."""
        k = min(NEIGHBOURS, len(self._descriptors))
        train, squared = self._flann.knnSearch(descriptors.astype(np.float32), k, params={"checks": FLANN_CHECKS})
        accepted = _ratio_test(np.sqrt(np.maximum(squared, 0)), self._owner[train])
        rows, cols = np.nonzero(accepted)
        owners = self._owner[train[rows, cols]]
        order = np.argsort(owners, kind="stable")
        rows, cols, owners = rows[order], cols[order], owners[order]
        bounds = np.flatnonzero(np.diff(owners)) + 1
        groups = {int(o[0]): np.stack([r, train[r, c]], axis=1)
                  for o, r, c in zip(np.split(owners, bounds), np.split(rows, bounds), np.split(cols, bounds),
                                     strict=True)
                  if len(o)}
        chosen, tried = [], set()
        for index, pairs in sorted(groups.items(), key=lambda item: -len(item[1])):
            ref = self.references[index]
            if len(pairs) < MIN_MATCHES or (wanted is not None and ref.emblem_id not in wanted):
                continue
            if (ref.emblem_id, ref.polarity, ref.small) in tried:
                continue
            tried.add((ref.emblem_id, ref.polarity, ref.small))
            chosen.append((index, pairs.astype(np.int64)))
            if len(chosen) >= CANDIDATES:
                break
        return chosen

    def _locate(self, ref: _Reference, points: np.ndarray, pairs: np.ndarray, work: np.ndarray) -> Detection | None:
        """Fit, check and verify one rendering; when all matches fail, retry on their Hough cluster.

        RANSAC rarely draws four inliers when they are a tenth of the matches
        (a small or faint emblem among a busy picture's matches); Lowe's
        Hough clustering (2004, section 7.1) gathers the consistent ones first,
        for a homography or, when they are too few, a similarity.
        """
        found = self._fit(ref, points, pairs, work)
        if found is not None:
            return found
        size = (ref.features.width, ref.features.height)
        cluster = _hough_cluster(self._keypoints[pairs[:, 1]], points[pairs[:, 0]], size)
        if len(cluster) >= MIN_INLIERS and len(cluster) < len(pairs):
            found = self._fit(ref, points, pairs[cluster], work)
        if found is None and len(cluster) >= MIN_SIMILARITY_INLIERS:
            found = self._similarity(ref, points, pairs[cluster], work)
        return found

    def _similarity(self, ref: _Reference, points: np.ndarray, pairs: np.ndarray, work: np.ndarray) -> Detection | None:
        """A similarity fit (rotation, scale, shift) to a Hough cluster, accepted on gradient directions alone.

        A faint watermark over texture keeps 4-10 consistent matches among
        dozens: too few for a homography's 8 degrees of freedom, enough for
        a similarity's 4. The geometry is then weak evidence, so the region
        must agree with the reference's edge directions strongly.
        """
        src = self._points[pairs[:, 1]]
        dst = points[pairs[:, 0], :2]
        affine, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC,
                                                   ransacReprojThreshold=SIMILARITY_REPROJECTION_PX)
        if affine is None or mask is None or int(mask.sum()) < MIN_SIMILARITY_INLIERS:
            return None
        homography = np.vstack([affine, [0.0, 0.0, 1.0]])
        outline = _outline(homography, ref)
        if not plausible_outline(outline, (ref.features.width, ref.features.height), work.shape):
            return None
        score = orientation_agreement(work, homography, ref)
        if score < MIN_SIMILARITY_ORIENTATION or not self._colours_agree(work, homography, ref):
            return None
        keep = mask.ravel().astype(bool)
        return _detection(ref, outline, score, src[keep], dst[keep], work.shape, self.methods[1])

    def _fit(self, ref: _Reference, points: np.ndarray, pairs: np.ndarray, work: np.ndarray) -> Detection | None:
        """Fit, check and verify one rendering against the picture; ``None`` if any check fails."""
        src = self._points[pairs[:, 1]].reshape(-1, 1, 2)
        dst = points[pairs[:, 0], :2].reshape(-1, 1, 2)
        homography, mask = cv2.findHomography(src, dst, cv2.USAC_MAGSAC, REPROJECTION_PX, maxIters=2000,
                                              confidence=0.999)
        if homography is None or mask is None:
            return None
        inliers = int(mask.sum())
        local = _matches_inside(homography, dst, (ref.features.width, ref.features.height))
        if inliers < MIN_INLIERS or inliers < MIN_INLIER_RATIO * local:
            return None
        outline = _outline(homography, ref)
        if not plausible_outline(outline, (ref.features.width, ref.features.height), work.shape):
            return None
        score = verify(work, homography, ref)
        strong = inliers >= STRONG_FIT_INLIERS and inliers >= STRONG_FIT_RATIO * local
        if score < (MIN_VERIFY_STRONG_FIT if strong else MIN_VERIFY):
            if inliers < CLEAN_FIT_RATIO * local:
                return None
            score = max(score, orientation_agreement(work, homography, ref))
            if score < MIN_ORIENTATION:
                return None
        if not self._colours_agree(work, homography, ref):
            return None
        keep = mask.ravel().astype(bool)
        return _detection(ref, outline, score, src[keep, 0], dst[keep, 0], work.shape, self.methods[0])

    def _colours_agree(self, work: np.ndarray, homography: np.ndarray, ref: _Reference) -> bool:
        """In colour, whether the region's tints agree with the reference's (always true in luminance)."""
        return not self.in_colour or tint_agreement(work, homography, ref) >= MIN_TINT_AGREEMENT


def _outline(homography: np.ndarray, ref: _Reference) -> np.ndarray:
    """The reference's four corners projected into the picture."""
    width, height = ref.features.width, ref.features.height
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64)
    return cv2.perspectiveTransform(corners.reshape(-1, 1, 2), homography).reshape(4, 2)


def _detection(ref: _Reference, outline: np.ndarray, score: float, src: np.ndarray, dst: np.ndarray,
               shape: tuple[int, ...], method: str) -> Detection:
    """A verified fit as a Detection; ``src``/``dst`` are its inlier matches (reference, picture)."""
    matches = tuple(tuple(float(v) for v in (*s, *d)) for s, d in zip(src, dst, strict=True))
    x0, y0 = np.floor(outline.min(axis=0)).astype(int)
    x1, y1 = np.ceil(outline.max(axis=0)).astype(int)
    return Detection(ref.emblem_id, ref.rendering_id, _clip_box(x0, y0, x1, y1, shape),
                     tuple(map(tuple, outline.tolist())), round(float(score), 4), len(matches), method, matches)


def _small_scale(features: ReferenceFeatures) -> ReferenceFeatures:
    """The reference's keypoints as seen at SMALL_REFERENCE_SIDE px, in the reference's own pixels.

    A badge 40-60 px tall in a page header shares few keypoints with its
    600 px artwork: its details have merged. Keypoints of a small rendering
    (from the stored template) are indexed as their own entry, so the ratio
    test does not pit them against their large-scale twins.
    """
    points, descriptors = extract_at(features.template, SMALL_REFERENCE_SIDE, MAX_QUERY_KEYPOINTS)
    points[:, :3] *= features.width / features.template.shape[1]  # template pixels -> the reference's own
    return ReferenceFeatures(points, descriptors, features.width, features.height, features.template, features.colour)


def _hough_cluster(reference: np.ndarray, query: np.ndarray, reference_size: tuple[int, int]) -> np.ndarray:
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
    keys = np.concatenate(votes)
    unique, inverse, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    best = int(counts.argmax())
    return np.unique(np.flatnonzero(inverse.ravel() == best) % len(query))


def _two_bins(values: np.ndarray) -> list[np.ndarray]:
    """The bin of each value and its nearer neighbour (Lowe's two-nearest-bins vote)."""
    low = np.floor(values)
    other = np.where(values - low >= 0.5, low + 1, low - 1)
    return [low.astype(np.int64), other.astype(np.int64)]


def _matches_inside(homography: np.ndarray, dst: np.ndarray, reference_size: tuple[int, int]) -> int:
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


def verify(picture: np.ndarray, homography: np.ndarray, ref: _Reference) -> float:
    """Correlation of the rectified region's edge map with the reference's, over the visible part.

    Edges (gradient magnitude) make the check indifferent to polarity and to
    colour: black, colour and reversed artwork have the same outlines.
    """
    template = ref.features.template
    rectified, valid = _rectify(picture, homography, ref)
    valid = cv2.erode(valid.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    if valid.sum() < 0.5 * valid.size:
        return 0.0
    edges = edge_map(rectified)
    scores = [_correlation(edges[tile][valid[tile]], ref.edges[tile][valid[tile]])
              for tile in parts(template.shape) if valid[tile].mean() >= 0.5 and ref.edges[tile].std() > 1.0]
    return min(scores, default=0.0)


def orientation_agreement(picture: np.ndarray, homography: np.ndarray, ref: _Reference) -> float:
    """How well the rectified region's gradient directions agree with the reference's on its own edges.

    Only the reference's edge pixels (its ink outlines) are read, so a photo's
    texture around and under a faint watermark adds noise there but no
    penalty elsewhere. Agreement is ``|cos|`` of the angle between the two
    gradients (indifferent to polarity), rescaled so random directions score
    0 and identical ones 1; the least part (see features.parts) is returned.
    """
    template = ref.features.template
    rectified, valid = _rectify(picture, homography, ref)
    rx, ry = _gradients(cv2.GaussianBlur(template.astype(np.float32), (0, 0), 1.0))
    px, py = _gradients(cv2.GaussianBlur(rectified.astype(np.float32), (0, 0), 1.0))
    reference_magnitude = np.hypot(rx, ry)
    picture_magnitude = np.hypot(px, py)
    cosine = np.abs(rx * px + ry * py) / np.maximum(reference_magnitude * picture_magnitude, 1e-6)
    strong = reference_magnitude >= max(float(np.percentile(reference_magnitude, 85)), 1.0)
    random = 2 / np.pi  # mean |cos| of uniformly random directions
    scores = []
    for tile in parts(template.shape):
        edge = strong[tile] & valid[tile]
        if edge.sum() < 20 or valid[tile].mean() < 0.5:
            continue
        weight = np.minimum(picture_magnitude[tile][edge], np.median(picture_magnitude[tile][edge]) + 1e-6)
        agreement = float((cosine[tile][edge] * weight).sum() / max(weight.sum(), 1e-6))
        scores.append((agreement - random) / (1 - random))
    return min(scores, default=0.0)


def tint_agreement(picture: np.ndarray, homography: np.ndarray, ref: _Reference) -> float:
    """Correlation of the rectified region's tint values with the reference's, the least over its parts.

    Values, not edges: blue and gold lie on opposite sides of neutral in the
    tint channel, so the same outlines in other colours (another coat of
    arms drawn alike) correlate weakly or negatively, while a translucent
    copy keeps its sign, scaled by its opacity.
    """
    rectified, valid = _rectify(picture, homography, ref)
    template = ref.features.template
    scores = [_correlation(rectified[tile][valid[tile]].astype(np.float32),
                           template[tile][valid[tile]].astype(np.float32))
              for tile in parts(template.shape) if valid[tile].mean() >= 0.5 and template[tile].std() > 1.0]
    return min(scores, default=0.0)


def _rectify(picture: np.ndarray, homography: np.ndarray, ref: _Reference) -> tuple[np.ndarray, np.ndarray]:
    """The picture region warped onto the reference's template, and which template pixels it covers."""
    th, tw = ref.features.template.shape
    warp = homography @ np.diag([ref.features.width / tw, ref.features.height / th, 1.0])  # template -> picture
    rectified = cv2.warpPerspective(picture, warp, (tw, th), flags=cv2.INTER_AREA | cv2.WARP_INVERSE_MAP,
                                    borderMode=cv2.BORDER_REPLICATE)
    valid = cv2.warpPerspective(np.full(picture.shape, 255, np.uint8), warp, (tw, th),
                                flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP, borderValue=0) > 0
    return rectified, valid


def _gradients(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3)


def _ratio_test(distances: np.ndarray, owners: np.ndarray) -> np.ndarray:
    """Lowe's ratio test within each rendering, over each query's ``k`` nearest neighbours.

    Marks the nearest neighbour of each rendering in a row when it is closer
    than RATIO times that rendering's second nearest; when the second is not
    among the ``k``, the row's farthest distance stands in (a lower bound).
    """
    n, k = owners.shape
    first = np.ones((n, k), bool)
    second = np.repeat(distances[:, -1:], k, axis=1)
    has_second = np.zeros((n, k), bool)
    for j in range(1, k):
        same = owners[:, :j] == owners[:, j:j + 1]
        repeat = same.any(axis=1)
        first[:, j] = ~repeat
        rows = np.flatnonzero(repeat)
        earliest = same[rows].argmax(axis=1)
        unset = ~has_second[rows, earliest]
        second[rows[unset], earliest[unset]] = distances[rows[unset], j]
        has_second[rows[unset], earliest[unset]] = True
    return first & (distances < RATIO * second)


def _tinted_throughout(template: np.ndarray) -> bool:
    """Whether every part of a tint template has edges of its own (see MIN_TINT_EDGES)."""
    edges = edge_map(template)
    return all(edges[tile].std() >= MIN_TINT_EDGES for tile in parts(template.shape))


def _polarity(template: np.ndarray) -> str:
    """Whether the ink is darker ("d") or lighter ("l") than the ground (the border), part by part.

    Part by part because one rendering can mix both: the reversed signature
    on grey has a red flag darker than the ground and white words lighter.
    """
    ground = float(np.median(np.concatenate([template[0], template[-1], template[:, 0], template[:, -1]])))
    means = [float(template[tile].mean()) for tile in parts(template.shape)]
    # Within 4 grey levels of the ground a part is blank ("-"), whatever its sign.
    return "".join("-" if abs(m - ground) < 4 else "d" if m < ground else "l" for m in means)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 1e-6 else 0.0


def _visible_share(outline: np.ndarray, width: int, height: int) -> float:
    clipped, _ = cv2.intersectConvexConvex(outline.astype(np.float32),
                                           np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32))
    area = abs(cv2.contourArea(outline.astype(np.float32)))
    return clipped / area if area > 0 else 0.0


def _clip_box(x0: int, y0: int, x1: int, y1: int, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    height, width = shape[:2]
    x0, y0 = max(0, int(x0)), max(0, int(y0))
    x1, y1 = min(width, int(x1)), min(height, int(y1))
    return (x0, y0, max(0, x1 - x0), max(0, y1 - y0))


def merge(detections: list[Detection]) -> list[Detection]:
    """One detection per region: parts give way to the verified whole, overlaps to the better score.

    The flag symbol inside a signature is part of the signature; the English-
    and French-first signatures located on one region are one region, and the
    better-verified one explains it.
    """
    ordered = sorted(detections, key=lambda d: (-_area(d.outline), -d.score))
    kept: list[Detection] = []
    for candidate in ordered:
        if any(_is_part(candidate, whole) for whole in kept):
            continue
        rivals = [k for k in kept if _iou(candidate.outline, k.outline) >= SAME_REGION_IOU]
        if rivals and all(r.score >= candidate.score for r in rivals):
            continue
        kept = [k for k in kept if k not in rivals] + [candidate]
    return sorted(kept, key=lambda d: -d.score)


def _is_part(small: Detection, whole: Detection) -> bool:
    small_area, whole_area = _area(small.outline), _area(whole.outline)
    if whole_area < CONTAINER_AREA * small_area or small_area <= 0:
        return False
    return _intersection(small.outline, whole.outline) / small_area >= CONTAINED


def _area(outline) -> float:
    return abs(cv2.contourArea(np.array(outline, np.float32)))


def _intersection(a, b) -> float:
    area, _ = cv2.intersectConvexConvex(np.array(a, np.float32), np.array(b, np.float32))
    return float(area)


def _iou(a, b) -> float:
    inter = _intersection(a, b)
    union = _area(a) + _area(b) - inter
    return inter / union if union > 0 else 0.0


def _rescale(d: Detection, factor: float) -> Detection:
    if factor == 1.0:
        return d
    box = tuple(int(round(v * factor)) for v in d.box)
    outline = tuple((x * factor, y * factor) for x, y in d.outline)
    matches = tuple((sx, sy, qx * factor, qy * factor) for sx, sy, qx, qy in d.matches)
    return Detection(d.emblem_id, d.rendering_id, box, outline, d.score, d.inliers, d.method, matches)
