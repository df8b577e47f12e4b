"""The pooled index: every reference's SIFT descriptors in one FLANN KD-tree (``build`` / ``query``).

Philbin et al. (2007) for pooling one vocabulary over a collection; Lowe
(2004) for the ratio test, applied here within each rendering. One index is
built per channel (see channels.py); a query returns the renderings worth a
geometric fit, with their matches.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import cv2
import numpy as np

from .features import ReferenceFeatures, edge_map, parts

#: Neighbours fetched per query descriptor from the pooled index. Renderings of
#: one emblem in several colours are near duplicates, so the two nearest
#: descriptors of one rendering are often not the two nearest overall; 16
#: covers the 8 renderings of a GC symbol twice.
NEIGHBOURS = 16
RENDERINGS_PER_NEIGHBOURS = 8

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

#: Renderings of the second tier (a user's additions) given a fit, beside the
#: first tier's CANDIDATES. With 24 in each tier, the 10 000-emblem catalogue
#: took 2.07x the shipped one's time per picture (353 against 170 ms, mean;
#: benchmarks/catalogue_scale.py, 2026-12-01); half as many bounds the work
#: at 1.5 times a one-tier search. The number is a guess, measured after.
LATER_CANDIDATES = CANDIDATES // 2

#: Material renderings (catalogue/materials.py) given a fit in each tier, beside the flat renderings'
#: CANDIDATES or LATER_CANDIDATES: a worn emblem has ten, eight of them lights of one relief, and a photo
#: of a metal badge votes for every emblem's reliefs (they share a tone and a rim), which took the
#: second tier's 12 places before the right light's turn. On 30 simulated badges (suite_materials.py,
#: seed 3, 2026-12-02, with 32 neighbours): sharing the 12 places, 18 found; 12 places of their own, 18;
#: 24 places, 21. Cost on the 60 materials negatives, with neighbour_count: 1.07x the time per picture
#: (interleaved in one run, load 12 on 2 cores; coin and medal pictures draw about 30 candidates, plain cloth 2).
#: Three worn emblems have 30 material renderings between them, more than 24 places; with the metal
#: renderings shrunk to 256 px (see engine.materials.RELIEF_BLUR), 36 places found 20 badges and 28
#: pins of 30 against 18 and 28 (seed 3, 2026-12-02), but cost 1.21x the flat-only detector's time
#: on pictures without an emblem against 1.13x (76 pictures, interleaved; the issue's bound is
#: 1.15x), and found 17 of 30 badges at seed 7: not kept (benchmarks/RESULTS.md, branch metal3).
MATERIAL_CANDIDATES = CANDIDATES

#: A tree of more emblems than this places its candidates by a homography
#: only, not by the similarity fallback (7-9 inliers). With 10 000 drawn
#: emblems, the one drawn emblem taken for another was such a fit (drawn-06091
#: on drawn-01237's picture: similarity, 7 inliers, score 0.81; the true one,
#: fitted alone, gives a homography of 16 inliers, 0.94, but was not among the
#: candidates): among thousands of look-alikes a weak fit is a likely accident.
#: The number is a guess between the 50-emblem run (no such confusion) and
#: the 10 000-emblem one (benchmarks/catalogue_scale.py, 2026-12-01).
SIMILARITY_MAX_EMBLEMS = 1000

#: Edge maps kept for the renderings most recently verified. An edge map is
#: computed when a candidate is verified, not kept for every rendering: at
#: 10 000 catalogued emblems the float32 maps of every channel were most of the
#: 11.9 GB a loaded scanner held (benchmarks/RESULTS.md, catalogue-scale).
#: 64 is a guess sized to hold one picture's candidates (CANDIDATES per
#: channel and tier) so each is computed once per picture.
EDGE_CACHE = 64

#: Second-tier renderings whose templates are kept, read back, after their
#: fit (see FeatureIndex's ``templates``). A guess sized like EDGE_CACHE: a
#: picture's LATER_CANDIDATES per channel and tile, each read once per picture.
TEMPLATE_CACHE = 64

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
    polarity: Polarity
    #: Keypoints of the rendering seen small (see features.small_scale), indexed as their own entry.
    small: bool = False

    @classmethod
    def of(cls, rendering_id: str, emblem_id: str, features: ReferenceFeatures, *, small: bool = False) -> Reference:
        """A reference with the polarity of its features' template."""
        return cls(rendering_id, emblem_id, features, polarity(features.template), small)

    @property
    def look(self) -> str:
        """The material rendering this is (``"metal-gold-45"``: after the ``@`` of its id), ``""`` for a flat one.

        Each material rendering gets a candidate slot of its own: a relief lit
        from one side shares few descriptors with one lit from another, and the
        best-voted of them is often not the one that fits (materials benchmark,
        seed 7, 2026-12-02: badge 000 gave 9 inliers to the top-voted relief, lit
        from 45 degrees, and 21 to the one lit from 315, which was never tried).
        """
        return self.rendering_id.rpartition("@")[2] if "@" in self.rendering_id else ""

    @property
    def edges(self) -> np.ndarray:
        """The edge map of the template, computed when first verified and kept in a small LRU cache."""
        return _edges.of(self.features.template)


class _EdgeCache:
    """The last EDGE_CACHE templates' edge maps, keyed by the template itself (identity, not content)."""

    def __init__(self, size: int):
        self.size = size
        self._maps: OrderedDict[int, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()  # a Dask worker may run several scans in threads

    def of(self, template: np.ndarray) -> np.ndarray:
        key = id(template)
        with self._lock:
            hit = self._maps.get(key)
            # The template is held beside its map, so its id cannot be reused while it is cached.
            if hit is not None and hit[0] is template:
                self._maps.move_to_end(key)
                return hit[1]
        edges = edge_map(template)
        with self._lock:
            self._maps[key] = (template, edges)
            self._maps.move_to_end(key)
            while len(self._maps) > self.size:
                self._maps.popitem(last=False)
        return edges


_edges = _EdgeCache(EDGE_CACHE)


@dataclass(frozen=True)
class Candidate:
    """A rendering worth a fit: which picture keypoints matched which of its keypoints."""

    reference: Reference
    #: Indices into the picture's keypoints.
    query: np.ndarray
    #: The reference keypoints they matched, ``float32 (n, 4)``: x, y, size, angle.
    matched: np.ndarray
    #: Only a homography places it, not the similarity fallback (see SIMILARITY_MAX_EMBLEMS).
    homography_only: bool = False

    def subset(self, keep: np.ndarray) -> Candidate:
        """The same candidate with only the matches ``keep`` selects."""
        return Candidate(self.reference, self.query[keep], self.matched[keep], self.homography_only)


class FeatureIndex:
    """The descriptors of many references, in one FLANN KD-tree per tier.

    The first tier holds the ``first`` emblems (the shipped ones), the second
    the rest (a user's additions), each searched on its own and each given
    its own share of candidates: with 10 000 added emblems in the same tree, FLANN's
    fixed budget of leaves found fewer of a shipped emblem's true neighbours
    and two of 24 shipped pictures were lost (benchmarks/RESULTS.md,
    catalogue-scale). With one tier only, it is one tree as before.

    Given ``templates`` (a reference's features read back from where they
    are stored), the second tier keeps no templates or colour thumbnails in
    memory: a candidate's are read back when it is fitted (and kept for the
    last TEMPLATE_CACHE). At 10 000 added emblems, at about 140 KB a rendering,
    they were about 1.4 GB of the loaded scanner (benchmarks/RESULTS.md,
    2026-12-01). The first tier keeps its own: it is small, and its fits
    stay free of reads.
    """

    def __init__(self, references: Sequence[Reference], first: frozenset[str] = frozenset(),
                 templates: Templates | None = None, trees: TreeStore | None = None):
        references = list(references)
        tiers = [[r for r in references if r.emblem_id in first], [r for r in references if r.emblem_id not in first]]
        later = bool(tiers[0])
        self._pools = [_Pool(tier, LATER_CANDIDATES if n and later else CANDIDATES, templates if n and later else None,
                             trees)
                       for n, tier in enumerate(tiers) if tier] or [_Pool([], CANDIDATES)]
        self.references = [r for pool in self._pools for r in pool.references]

    @classmethod
    def build(cls, references: Iterable[Reference], first: Iterable[str] = (),
              templates: Templates | None = None, trees: TreeStore | None = None) -> FeatureIndex:
        """An index over ``references``; the ``first`` emblems in a tier of their own (see the class).

        ``trees`` keeps the built FLANN trees for the next process and loads them when they were kept.
        """
        return cls(list(references), frozenset(first), templates, trees)

    def __len__(self) -> int:
        return len(self.references)

    @property
    def searchable(self) -> bool:
        """Whether the index holds enough descriptors to be searched."""
        return any(pool.searchable for pool in self._pools)

    @property
    def descriptor_count(self) -> int:
        """How many descriptors the index holds, over its tiers."""
        return sum(len(pool.descriptors) for pool in self._pools)

    def neighbours(self, descriptors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The first tier's ``k`` nearest indexed descriptors of each query descriptor, and their distances."""
        return self._pools[0].neighbours(descriptors)

    def query(self, descriptors: np.ndarray, wanted: set[str] | None = None) -> list[Candidate]:
        """Renderings worth a fit: each tier's, most matches first (CANDIDATES, then LATER_CANDIDATES)."""
        return [c for pool in self._pools for c in pool.query(descriptors, wanted)]


class _Pool:
    """The descriptors of many references in one FLANN KD-tree."""

    def __init__(self, references: Sequence[Reference], candidates: int, templates: Templates | None = None,
                 trees: TreeStore | None = None):
        self.references = list(references)
        self.candidates = candidates
        self.homography_only = len({r.emblem_id for r in self.references}) > SIMILARITY_MAX_EMBLEMS
        self.k = neighbour_count(self.references)
        self._owner = np.concatenate([np.full(r.features.keypoint_count, i, np.int32)
                                      for i, r in enumerate(self.references)] or [np.zeros(0, np.int32)])
        self._keypoints = np.concatenate([r.features.keypoints for r in self.references] or
                                         [np.zeros((0, 4), np.float32)]).astype(np.float32)
        self.descriptors = np.concatenate([r.features.descriptors for r in self.references] or
                                          [np.zeros((0, 128), np.uint8)]).astype(np.float32)
        # The tree holds them as float32 from here: each reference's own uint8
        # copy would only take memory (290 MB at 10 000 added emblems). Its
        # tint and small-scale features went to their own references, if any.
        self.references = [replace(r, features=replace(r.features, descriptors=_NO_DESCRIPTORS, tint=None, small=None))
                           for r in self.references]
        self._templates = None if templates is None else _TemplateCache(templates, TEMPLATE_CACHE)
        if self._templates is not None:
            self.references = [replace(r, features=replace(r.features, template=_NO_TEMPLATE, colour=_NO_COLOUR))
                               for r in self.references]
        self._flann = None
        if len(self.descriptors) > NEIGHBOURS:
            # FLANN_INDEX_KDTREE = 1. The trees are randomised from OpenCV's
            # generator: seeding it makes the near neighbours found, and so a
            # verdict, the same in every process whatever it built before
            # (unseeded, a borderline case in 30 could flip).
            key = tree_key(self.descriptors)
            self._flann = None if trees is None else trees.load(key, self.descriptors)
            if self._flann is None:
                cv2.setRNGSeed(FLANN_SEED)
                self._flann = cv2.flann.Index(self.descriptors, {"algorithm": 1, "trees": FLANN_TREES})
                if trees is not None:
                    trees.save(key, self._flann)

    @property
    def searchable(self) -> bool:
        """Whether the index holds enough descriptors to be searched."""
        return self._flann is not None

    def neighbours(self, descriptors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` nearest indexed descriptors of each query descriptor (see neighbour_count), and their distances."""
        assert self._flann is not None, "search only a searchable index"
        k = min(self.k, len(self.descriptors))
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
        budget = {False: self.candidates, True: MATERIAL_CANDIDATES}  # by whether the rendering is a material's
        for index, pairs in sorted(groups.items(), key=lambda item: -len(item[1])):
            ref = self.references[index]
            if len(pairs) < MIN_MATCHES or (wanted is not None and ref.emblem_id not in wanted):
                continue
            key = (ref.emblem_id, ref.polarity, ref.small, ref.look)
            if key in tried or not budget[bool(ref.look)]:
                continue
            tried.add(key)
            budget[bool(ref.look)] -= 1
            pairs = pairs.astype(np.int64)
            if self._templates is not None:
                ref = self._templates.restored(ref)
            chosen.append(Candidate(ref, pairs[:, 0], self._keypoints[pairs[:, 1]], self.homography_only))
            if not any(budget.values()):
                break
        return chosen


_NO_DESCRIPTORS = np.zeros((0, 128), np.uint8)


def neighbour_count(references: Sequence[Reference]) -> int:
    """Neighbours to fetch per query descriptor: NEIGHBOURS for every RENDERINGS_PER_NEIGHBOURS renderings
    (begun) that one emblem has in this pool, at its most.

    The ratio test is taken within each rendering, so a rendering's two nearest
    descriptors must both be among those fetched, and each near-duplicate
    rendering of the emblem takes places among them. NEIGHBOURS was sized to
    cover the 8 flat renderings of a GC symbol twice; a worn emblem has 13 with
    its material renderings (catalogue/materials.SYNTHESISED), so 32. On 30
    simulated pins and 30 badges (benchmarks/suite_materials.py, seed 3, not the
    benchmark's seed 7; 2026-12-02): 16 neighbours found 23 pins and 14 badges,
    26 found 27 and 18, 32 found 29 and 21 (with MATERIAL_CANDIDATES), 52 no
    more badges. A pool without worn emblems keeps NEIGHBOURS, and its time.
    """
    per_emblem: dict[str, int] = {}
    for ref in references:
        if not ref.small:
            per_emblem[ref.emblem_id] = per_emblem.get(ref.emblem_id, 0) + 1
    most = max(per_emblem.values(), default=0)
    return NEIGHBOURS * max(1, -(-most // RENDERINGS_PER_NEIGHBOURS))


class TreeStore(Protocol):
    """Where built FLANN trees are kept between processes (catalogue/trees.py): a tree built once is loaded."""

    def load(self, key: str, descriptors: np.ndarray) -> cv2.flann.Index | None:
        """The trees saved under ``key`` over ``descriptors``, or ``None``."""

    def save(self, key: str, tree: cv2.flann.Index) -> None:
        """Keep ``tree`` under ``key``."""


def tree_key(descriptors: np.ndarray) -> str:
    """What a pool's trees are a function of: its descriptors, the tree parameters and OpenCV's version."""
    digest = hashlib.blake2b(f"{FLANN_TREES}/{FLANN_SEED}/{cv2.__version__}".encode(), digest_size=16)
    digest.update(np.ascontiguousarray(descriptors).data)
    return digest.hexdigest()
_NO_TEMPLATE, _NO_COLOUR = np.zeros((0, 0), np.uint8), np.zeros((0, 0, 3), np.uint8)

#: A reference's features with its template, read back from where they are stored (the catalogue).
Templates = Callable[[Reference], ReferenceFeatures]


class _TemplateCache:
    """The templates and thumbnails of the last ``size`` references read back, by rendering id."""

    def __init__(self, read: Templates, size: int):
        self.read = read
        self.size = size
        self._kept: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()  # a Dask worker may run several scans in threads

    def restored(self, ref: Reference) -> Reference:
        """``ref`` with its template and colour thumbnail (the small-scale entry shares its rendering's)."""
        with self._lock:
            kept = self._kept.get(ref.rendering_id)
            if kept is not None:
                self._kept.move_to_end(ref.rendering_id)
        if kept is None:
            stored = self.read(ref)
            kept = (stored.template, stored.colour)
            with self._lock:
                self._kept[ref.rendering_id] = kept
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return replace(ref, features=replace(ref.features, template=kept[0], colour=kept[1]))


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
