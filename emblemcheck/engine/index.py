"""The pooled index: every reference's SIFT descriptors in one FLANN KD-tree (``build`` / ``query``).

Philbin et al. (2007) for pooling one vocabulary over a collection; Lowe
(2004) for the ratio test, applied here within each rendering. One index is
built per channel (see channels.py); a query returns the renderings worth a
geometric fit, with their matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .features import ReferenceFeatures, edge_map, parts

#: Neighbours fetched per query descriptor from the pooled index. Renderings of
#: one emblem in several colours are near duplicates, so the two nearest
#: descriptors of one rendering are often not the two nearest overall; 16
#: covers the 8 renderings of a GC symbol twice.
NEIGHBOURS = 16

#: Seed of the randomised KD-trees: fixed before any measurement, not chosen
#: on the benchmark. Other seeds move a borderline embedded-small or
#: watermark case or two (benchmarks/RESULTS.md).
FLANN_SEED = 2011

#: Randomised KD-trees, and leaves the search visits per query: OpenCV's
#: tutorial values for SIFT. 8 trees and 128 checks, measured over four seeds,
#: found no more emblems and cost more time.
FLANN_TREES = 4
FLANN_CHECKS = 64

#: Lowe's ratio test, applied within each rendering (nearest / second nearest
#: descriptor of the same rendering). 0.8 is Lowe's own value.
RATIO = 0.8

#: Renderings given a geometric fit, best-voted first; one per emblem and
#: polarity (dark ink on light, light ink on dark), so every emblem gets its
#: turn. Votes alone mislead: a screenshot's body text votes for the
#: dark-on-light signature while the header shows the white one.
CANDIDATES = 24

#: Fewest ratio-test matches worth a geometric fit (the homography needs 10 inliers, see fitting.MIN_INLIERS).
MIN_MATCHES = 10

#: A part whose mean lies within this many grey levels of the ground is blank
#: for its polarity (a guess: JPEG noise on a flat ground stays within it).
BLANK_PART_LEVELS = 4

Polarity = str  # per part: "d" dark ink on a lighter ground, "l" light ink on a darker one, "-" blank


@dataclass(frozen=True)
class Reference:
    """One rendering's features as an index holds them, with what verification needs."""

    rendering_id: str
    emblem_id: str
    features: ReferenceFeatures
    edges: np.ndarray
    polarity: Polarity
    #: Keypoints of the rendering seen small (see channels.small_scale), indexed as their own entry.
    small: bool = False

    @classmethod
    def of(cls, rendering_id: str, emblem_id: str, features: ReferenceFeatures, *, small: bool = False) -> Reference:
        """A reference with the edge map and polarity of its features' template."""
        template = features.template
        return cls(rendering_id, emblem_id, features, edge_map(template), polarity(template), small)


@dataclass(frozen=True)
class Candidate:
    """A rendering worth a fit: which picture keypoints matched which of its keypoints."""

    reference: Reference
    #: Indices into the picture's keypoints.
    query: np.ndarray
    #: The reference keypoints they matched, ``float32 (n, 4)``: x, y, size, angle.
    matched: np.ndarray

    def subset(self, keep: np.ndarray) -> Candidate:
        """The same candidate with only the matches ``keep`` selects."""
        return Candidate(self.reference, self.query[keep], self.matched[keep])


class FeatureIndex:
    """The descriptors of many references in one FLANN KD-tree."""

    def __init__(self, references: Sequence[Reference]):
        self.references = list(references)
        self._owner = np.concatenate([np.full(r.features.keypoint_count, i, np.int32)
                                      for i, r in enumerate(self.references)] or [np.zeros(0, np.int32)])
        self._keypoints = np.concatenate([r.features.keypoints for r in self.references] or
                                         [np.zeros((0, 4), np.float32)]).astype(np.float32)
        self._descriptors = np.concatenate([r.features.descriptors for r in self.references] or
                                           [np.zeros((0, 128), np.uint8)]).astype(np.float32)
        self._flann = None
        if len(self._descriptors) > NEIGHBOURS:
            # FLANN_INDEX_KDTREE = 1. The trees are randomised from OpenCV's
            # generator: seeding it makes the near neighbours found, and so a
            # verdict, the same in every process whatever it built before
            # (unseeded, a borderline case in 30 could flip).
            cv2.setRNGSeed(FLANN_SEED)
            self._flann = cv2.flann.Index(self._descriptors, {"algorithm": 1, "trees": FLANN_TREES})

    @classmethod
    def build(cls, references: Iterable[Reference]) -> FeatureIndex:
        """An index over ``references``, in their order."""
        return cls(list(references))

    def __len__(self) -> int:
        return len(self.references)

    @property
    def searchable(self) -> bool:
        """Whether the index holds enough descriptors to be searched."""
        return self._flann is not None

    def neighbours(self, descriptors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The NEIGHBOURS nearest indexed descriptors of each query descriptor, and their distances."""
        assert self._flann is not None, "search only a searchable index"
        k = min(NEIGHBOURS, len(self._descriptors))
        train, squared = self._flann.knnSearch(descriptors.astype(np.float32), k, params={"checks": FLANN_CHECKS})
        return train, np.sqrt(np.maximum(squared, 0))

    def query(self, descriptors: np.ndarray, wanted: set[str] | None = None) -> list[Candidate]:
        """Renderings worth a fit, most matches first, at most CANDIDATES; only ``wanted`` emblems if given."""
        if not self.searchable or len(descriptors) == 0:
            return []
        train, distances = self.neighbours(descriptors)
        accepted = ratio_test(distances, self._owner[train])
        rows, cols = np.nonzero(accepted)
        owners = self._owner[train[rows, cols]]
        order = np.argsort(owners, kind="stable")
        rows, cols, owners = rows[order], cols[order], owners[order]
        bounds = np.flatnonzero(np.diff(owners)) + 1
        groups = {int(o[0]): np.stack([r, train[r, c]], axis=1)
                  for o, r, c in zip(np.split(owners, bounds), np.split(rows, bounds), np.split(cols, bounds),
                                     strict=True)
                  if len(o)}
        chosen: list[Candidate] = []
        tried = set()
        for index, pairs in sorted(groups.items(), key=lambda item: -len(item[1])):
            ref = self.references[index]
            if len(pairs) < MIN_MATCHES or (wanted is not None and ref.emblem_id not in wanted):
                continue
            if (ref.emblem_id, ref.polarity, ref.small) in tried:
                continue
            tried.add((ref.emblem_id, ref.polarity, ref.small))
            pairs = pairs.astype(np.int64)
            chosen.append(Candidate(ref, pairs[:, 0], self._keypoints[pairs[:, 1]]))
            if len(chosen) >= CANDIDATES:
                break
        return chosen


def ratio_test(distances: np.ndarray, owners: np.ndarray) -> np.ndarray:
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


def polarity(template: np.ndarray) -> Polarity:
    """Whether the ink is darker ("d") or lighter ("l") than the ground (the border), part by part.

    Part by part because one rendering can mix both: the reversed signature
    on grey has a red flag darker than the ground and white words lighter.
    """
    ground = float(np.median(np.concatenate([template[0], template[-1], template[:, 0], template[:, -1]])))
    means = [float(template[tile].mean()) for tile in parts(template.shape)]
    return "".join("-" if abs(m - ground) < BLANK_PART_LEVELS else "d" if m < ground else "l" for m in means)
