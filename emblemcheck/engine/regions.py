"""Regions: small emblems that stand on a plain ground, found by shape and colour.

Pure core, like detector.py: reference features and an RGB working copy in,
region matches out. A badge 36-60 px tall in a web page's header keeps too
few SIFT keypoints for a homography (its lettering has merged), yet it is a
clear blob on a flat header. Here every blob of ink (a connected component
of the picture's morphological gradient) with a reference's aspect ratio is
resampled to that reference's size and compared with it twice: edge maps,
part by part (as verification.verify does), and colours on the reference's own
ink. Both must agree, so a round coin does not pass for a round badge, nor
the words of a signature for the wordmark.

Thresholds come from ``python benchmarks/detection.py`` seed 7, checked on
seed 11 (benchmarks/RESULTS.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .detection import Method
from .features import ReferenceFeatures, edge_map, parts

#: Longest side at which a blob and a reference are compared (px): about the
#: size of the header badges this path exists for.
COMPARE_SIDE = 48

#: A pixel is ink when the picture's 3x3 morphological gradient exceeds this
#: many grey levels: a drawn emblem's outline on a flat ground is far above
#: it, JPEG noise on a flat ground far below.
INK_GRADIENT = 40

#: Blob sides accepted (px, working copy). A shield 36 px tall in a header is
#: 28 px wide (benchmark seed 11); below 20 px no part of an emblem is
#: legible. Above 400 px SIFT finds the emblem with geometry to spare.
MIN_SIDE = 20
MAX_SIDE = 400

#: Largest change of aspect ratio between a blob and a reference.
ASPECT_TOLERANCE = 1.25

#: Least edge-map correlation (the weakest part) and least colour agreement on
#: the reference's ink. Benchmark seeds 7 and 11 (every blob against every
#: reference): the 30 drawn header badges, roundels and shields scored
#: 0.80-1.00 on edges and 0.73-0.98 on colours; the best wrong blobs were the
#: words of a signature against the wordmark (edges <= 0.52, colours <= 0.75)
#: and one signature's words against the other's (edges 0.43, colours 0.77);
#: no other blob reached 0.48 on edges or 0.39 on colours.
MIN_EDGES = 0.6
MIN_COLOURS = 0.6

#: A blob whose edges agree less than STRONG_EDGES must also agree in colour on every half of every
#: part of the reference's ink (top and bottom of each part; see part_colour_agreement) by at least
#: MIN_PART_COLOURS. The colour median over the whole ink lets typed words pass for a wordmark: the
#: "Canada" wordmark fills its box, so its ink is nearly all of it, and the word typed in black scores
#: 0.64-0.76 on colours and 0.55-0.71 on edges, missing only the flag over its last "a", a corner of
#: one part. Measured (2026-12-02, detection.py --per-class 10, seeds 3 and 7, core + signatures, the
#: best rendering of every blob that passed MIN_EDGES and MIN_COLOURS): typed "Canada" in the
#: flag-with-caption and title-without-symbol negatives (6 blobs) scored at most 0.664 on edges and 0.348
#: on half-parts (tests/test_regions.py's typed title: 0.708 and 0.334); of the 25 blobs of the right
#: emblem, the ones under 0.8 on edges (four badges, two shields) scored 0.50-0.54 on half-parts, and
#: the one under 0.45 on half-parts (a shield, 0.40) had edges 0.83; the wordmark's own blobs scored
#: 0.61-0.95.
STRONG_EDGES = 0.8
MIN_PART_COLOURS = 0.45
#: A half-part with fewer ink pixels than this is not judged (its median would be a pixel or two).
MIN_PART_INK = 5

#: Colour distance (RGB Euclidean, 0-441) at which agreement falls to zero:
#: a blurred drawn emblem stays within 20-40 of its artwork.
COLOUR_SCALE = 100.0

#: Blur (Gaussian sigma, px at COMPARE_SIDE) of both colour pictures before
#: they are compared, so a pixel of misregistration costs little. A guess.
COLOUR_SIGMA = 1.0

#: Fewest ink pixels a reference needs at its comparison size to be compared
#: at all (a guess: below it the colour median is a handful of pixels).
MIN_INK_PIXELS = 20

#: Among the emblems whose edges and colours both pass, a blob is the one
#: whose two agreements multiplied are highest, by at least this margin over
#: any other emblem, or none (an ambiguous blob is not reported). Edges alone
#: do not tell apart many emblems of one shape on one ground at 48 px:
#: catalogue_scale.py at 10 000 drawn emblems (2026-12-02), on the two
#: pictures where another drawn emblem took the blob, five emblems scored
#: 0.69-0.75 on edges with the right one fifth and second, while its colours
#: (0.97, 0.95) were the best of the 76 and 154 emblems that passed both
#: thresholds; multiplied, the right one leads by 0.036 and 0.092. 0.05 is a
#: guess: the first blob is left unreported (a miss, not a false alarm).
AMBIGUITY_MARGIN = 0.05

#: Most blobs compared per picture: a picture of texture has thousands of
#: small components; the largest ones are kept.
MAX_BLOBS = 200

METHOD: Method = "region-shape-colour"


@dataclass(frozen=True)
class RegionMatch:
    """A reference found as a blob; ``box`` is ``(x, y, width, height)`` in working pixels."""

    emblem_id: str
    rendering_id: str
    box: tuple[int, int, int, int]
    score: float
    colours: float

    @property
    def agreement(self) -> float:
        """Edges and colours agreeing at once: the two multiplied (what ranks one emblem against another)."""
        return self.score * self.colours


@dataclass(frozen=True)
class RegionReference:
    """What the region check needs of one rendering, precomputed at its comparison size."""

    rendering_id: str
    emblem_id: str
    aspect: float
    size: tuple[int, int]  # (width, height) of the comparison
    edge_parts: tuple[np.ndarray, ...]  # unit vectors, one per part
    colour: np.ndarray  # float32 RGB, blurred
    ink: np.ndarray  # bool: the reference's own ink, away from its ground

    @classmethod
    def prepare(cls, rendering_id: str, emblem_id: str, features: ReferenceFeatures) -> RegionReference | None:
        """The reference at its comparison size; ``None`` without a colour thumbnail or enough ink."""
        if features.colour.size == 0:
            return None
        size = comparison_size(features.width, features.height)
        grey = cv2.resize(features.template, size, interpolation=cv2.INTER_AREA)
        colour = cv2.resize(features.colour, size, interpolation=cv2.INTER_AREA).astype(np.float32)
        border = np.concatenate([colour[0], colour[-1], colour[:, 0], colour[:, -1]])
        ink = np.linalg.norm(colour - np.median(border, axis=0), axis=2) > INK_GRADIENT
        if ink.sum() < MIN_INK_PIXELS:
            return None
        return cls(rendering_id, emblem_id, features.width / features.height, size, edge_parts(grey),
                   cv2.GaussianBlur(colour, (0, 0), COLOUR_SIGMA), ink)


def comparison_size(width: int, height: int) -> tuple[int, int]:
    """``(width, height)`` with the longest side COMPARE_SIDE, each side at least 8 px."""
    factor = COMPARE_SIDE / max(width, height)
    return max(8, round(width * factor)), max(8, round(height * factor))


def edge_parts(grey: np.ndarray) -> tuple[np.ndarray, ...]:
    """The edge map of a grey image, split into parts, each a zero-mean unit vector."""
    edges = edge_map(grey)
    vectors = []
    for part in parts(grey.shape):
        v = edges[part].ravel().astype(np.float64)
        v -= v.mean()
        norm = np.linalg.norm(v)
        vectors.append(v / norm if norm > 1e-6 else v)
    return tuple(vectors)


def blobs(grey: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes ``(x, y, width, height)`` of connected ink, largest first, at most MAX_BLOBS."""
    gradient = cv2.morphologyEx(grey, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    ink = cv2.dilate((gradient > INK_GRADIENT).astype(np.uint8), np.ones((3, 3), np.uint8))
    _count, _labels, stats, _centres = cv2.connectedComponentsWithStats(ink, connectivity=8)
    # The gradient and the dilation each widen a blob by a pixel on every
    # side; the box is trimmed back to the ink itself.
    boxes = [(int(x) + 2, int(y) + 2, int(w) - 4, int(h) - 4) for x, y, w, h, _area in stats[1:]
             if MIN_SIDE + 4 <= min(w, h) and max(w, h) <= MAX_SIDE + 4]
    return sorted(boxes, key=lambda b: -b[2] * b[3])[:MAX_BLOBS]


def find(grey: np.ndarray, rgb: np.ndarray, references: list[RegionReference]) -> list[RegionMatch]:
    """Blobs of ``grey`` (with ``rgb``, the same picture in colour) that look like a reference; best per blob."""
    found = []
    for x, y, w, h in blobs(grey):
        # Each emblem's best rendering; the blob is the best emblem's unless another comes within the margin.
        best: dict[str, RegionMatch] = {}
        resampled: dict[tuple[int, int], tuple] = {}
        for ref in references:
            if not 1 / ASPECT_TOLERANCE <= (w / h) / ref.aspect <= ASPECT_TOLERANCE:
                continue
            if ref.size not in resampled:
                resampled[ref.size] = _resample(grey[y:y + h, x:x + w], rgb[y:y + h, x:x + w], ref.size)
            parts, colour = resampled[ref.size]
            edges = min(float(a @ b) for a, b in zip(parts, ref.edge_parts, strict=True))
            if edges < MIN_EDGES:
                continue
            colours = colour_agreement(colour, ref)
            if colours < MIN_COLOURS:
                continue
            if edges < STRONG_EDGES and part_colour_agreement(colour, ref) < MIN_PART_COLOURS:
                continue
            known = best.get(ref.emblem_id)
            if known is None or edges * colours > known.agreement:
                best[ref.emblem_id] = RegionMatch(ref.emblem_id, ref.rendering_id, (x, y, w, h), round(edges, 4),
                                                  round(colours, 4))
        ranked = sorted(best.values(), key=lambda m: -m.agreement)
        if ranked and (len(ranked) == 1 or ranked[0].agreement - ranked[1].agreement >= AMBIGUITY_MARGIN):
            found.append(ranked[0])
    return found


def _resample(grey: np.ndarray, rgb: np.ndarray, size: tuple[int, int]) -> tuple:
    small = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    colour = cv2.resize(np.ascontiguousarray(rgb), size, interpolation=cv2.INTER_AREA).astype(np.float32)
    return edge_parts(small), cv2.GaussianBlur(colour, (0, 0), COLOUR_SIGMA)


def colour_agreement(colour: np.ndarray, ref: RegionReference) -> float:
    """1 when the blob's colours equal the reference's on its ink, falling to 0 at COLOUR_SCALE apart.

    The median over the reference's ink only: the ground around a round badge
    is whatever the page's header is.
    """
    distance = np.linalg.norm(colour - ref.colour, axis=2)[ref.ink]
    return 1.0 - float(np.median(distance)) / COLOUR_SCALE


def part_colour_agreement(colour: np.ndarray, ref: RegionReference) -> float:
    """The worst colour agreement over the top and bottom halves of each part of the reference's ink.

    The parts are the edge comparison's (features.parts), each cut in two across: the flag over
    the wordmark's last letter is the top of its last part, where typed words have ground.
    """
    distance = np.linalg.norm(colour - ref.colour, axis=2)
    worst = 1.0
    for rows, columns in parts(distance.shape):
        part, ink = distance[rows, columns], ref.ink[rows, columns]
        middle = part.shape[0] // 2
        for half in (slice(0, middle), slice(middle, None)):
            values = part[half][ink[half]]
            if values.size >= MIN_PART_INK:
                worst = min(worst, 1.0 - float(np.median(values)) / COLOUR_SCALE)
    return worst
