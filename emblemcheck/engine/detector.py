"""The detector: find catalogued emblems that are only part of a picture.

Pure core: reference features in (:meth:`Detector.build`), an RGB array in
(:meth:`Detector.detect`), detections out. No files, no SQLite.

The method is the classic one (Lowe 2004; Philbin et al. 2007 for the
pooled index). For each channel (channels.py: luminance, then the
blue-yellow tint for emblems coloured throughout) the picture's SIFT
descriptors are matched against that channel's pooled index (index.py), the
best-voted renderings are placed by a verified homography or, for a faint
watermark, a similarity (fitting.py, verification.py). Small emblems on a
plain ground (a header badge 36-60 px tall, too small for a homography) are
also looked for by shape and colour (regions.py). A picture too big or too
long for one look at FEATURE_SIDE (a phone screenshot, a 12-megapixel photo)
is also searched in overlapping tiles at a bounded scale (tiles.py).
Everything found, in every tile, goes through one merge (merge.py), so each
region is reported once, as the emblem that explains it best.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from . import regions, tiles
from .channels import CHANNELS, LUMINANCE, Channel, ChannelName, Picture, Triple
from .detection import Detection, rescale
from .features import (
    FEATURE_SIDE,
    MAX_QUERY_KEYPOINTS,
    ReferenceFeatures,
    extract,
    extract_ranked,
    grey,
    seen_smaller,
    shrink,
    strongest_inside,
)
from .fitting import MIN_SIDE_PX, locate
from .index import MIN_MATCHES, FeatureIndex, Reference, Templates, TreeStore
from .merge import merge
from .regions import RegionReference


@dataclass(frozen=True)
class ChannelSearch:
    """One channel and the index of the references it searches for."""

    channel: Channel
    index: FeatureIndex

    def run(self, picture: Picture, wanted: set[str] | None, factor: float) -> list[Detection]:
        """Detections in this channel, geometry in the picture's pixels times ``factor``."""
        if not self.index.searchable:
            return []
        view = self.channel.view(picture)
        if view is None:
            return []
        points, descriptors = extract(view, MAX_QUERY_KEYPOINTS)
        to_original = factor * picture.width / view.shape[1]
        return [rescale(d, to_original) for d in self.fit(view, points, descriptors, wanted)]

    def fit(self, view: np.ndarray, points: np.ndarray, descriptors: np.ndarray,
            wanted: set[str] | None) -> list[Detection]:
        """Detections from keypoints already extracted from ``view``, in its pixels."""
        if len(points) < MIN_MATCHES:
            return []
        found = (locate(candidate, points, view, self.channel) for candidate in self.index.query(descriptors, wanted))
        return [d for d in found if d is not None]


def _reader(channel: Channel, templates: Callable[[str], ReferenceFeatures] | None) -> Templates | None:
    """A reference's features as ``channel`` indexes them, read back through ``templates``."""
    if templates is None:
        return None

    def read(ref: Reference) -> ReferenceFeatures:
        stored = channel.part(templates(ref.rendering_id))
        # The reference was made of these very features when the index was built (the reader holds that file).
        assert stored is not None, f"{ref.rendering_id} lost its {channel.name} features"
        return stored

    return read


@dataclass(frozen=True)
class Described:
    """One channel's view of a whole big picture, described by one SIFT run, and its scale."""

    view: np.ndarray
    #: View pixels per pixel of the scaled picture.
    scale: float
    points: np.ndarray
    descriptors: np.ndarray
    strength: np.ndarray


@dataclass(frozen=True)
class Detail:
    """A big or long picture as the tiles see it: scaled by its tile plan, each channel described once.

    Each channel's view of the whole scaled picture, at the scale a tile's own
    view has, is described by one SIFT run, and each tile searches the
    strongest keypoints inside it, as its own SIFT run would keep them: the
    overlapping tiles of a 12-megapixel photo cover twice its area, and SIFT
    time grows with area (benchmarks/RESULTS.md, section shapes: 18 % less
    CPU per big photo for luminance, the same verdicts).
    """

    layout: tiles.TilePlan
    luminance: np.ndarray
    colour: np.ndarray
    described: dict[ChannelName, Described]

    @classmethod
    def of(cls, luminance: np.ndarray, colour: np.ndarray, channels: Sequence[Channel]) -> Detail | None:
        """The detail of a picture its tile plan (tiles.py) tiles, in ``channels``; ``None`` for one a whole
        look covers."""
        layout = tiles.plan(*luminance.shape)
        if not layout.tiles:
            return None
        if layout.scale < 1:
            size = (round(luminance.shape[1] * layout.scale), round(luminance.shape[0] * layout.scale))
            luminance = cv2.resize(luminance, size, interpolation=cv2.INTER_AREA)
            colour = cv2.resize(colour, size, interpolation=cv2.INTER_AREA)
        picture, described = Picture(luminance, colour), {}
        for channel in channels:
            view, scale = channel.view_of_detail(picture, tiles.TILE_SIDE)
            if not any(channel.searchable(view[_rows_columns(_scaled(tile, scale))]) for tile in layout.tiles):
                continue
            # The cap, twice every tile's share, leaves room for tiles busier than the rest (a guess; the
            # benchmark's pictures stay under it).
            ranked = extract_ranked(view, 2 * MAX_QUERY_KEYPOINTS * len(layout.tiles))
            described[channel.name] = Described(view, scale, *ranked)
        return cls(layout, luminance, colour, described)

    def seen_at(self, width: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The luminance keypoints (in the pixels of the picture seen ``width`` px wide) and descriptors a
        whole look of at most MAX_QUERY_KEYPOINTS takes; ``None`` if luminance was not described."""
        grey = self.described.get(LUMINANCE.name)
        if grey is None:
            return None
        return seen_smaller(grey.points, grey.descriptors, grey.strength, width / grey.view.shape[1],
                            MAX_QUERY_KEYPOINTS)


def _scaled(tile: tiles.Tile, scale: float) -> tuple[int, int, int, int]:
    """A tile's box (x, y, w, h) in a view ``scale`` times the scaled picture's size."""
    return (round(tile.x * scale), round(tile.y * scale), max(1, round(tile.width * scale)),
            max(1, round(tile.height * scale)))


def _rows_columns(box: tuple[int, int, int, int]) -> tuple[slice, slice]:
    x, y, w, h = box
    return slice(y, y + h), slice(x, x + w)


class Detector:
    """Every channel's pooled index and the region references: build once, detect in as many pictures as you like."""

    def __init__(self, searches: Sequence[ChannelSearch], region_references: Sequence[RegionReference]):
        self.searches = tuple(searches)
        self.regions = list(region_references)

    @classmethod
    def build(cls, references: Iterable[Triple], channels: Sequence[Channel] = CHANNELS, *,
              first: Iterable[str] = (), templates: Callable[[str], ReferenceFeatures] | None = None,
              trees: TreeStore | None = None) -> Detector:
        """Index ``(rendering_id, emblem_id, features)`` triples in every channel, ``first`` emblems in a tier.

        ``templates`` reads one rendering's features back by id (from the
        catalogue): given it, the other emblems' templates are not held in
        memory but read when a candidate is fitted (index.FeatureIndex).
        ``trees`` loads the FLANN trees an earlier process built and saved
        over the same descriptors, and saves those it builds.
        """
        references, first = list(references), frozenset(first)
        # Material renderings ("<variant>@<material>", catalogue/materials.py) are for local features only:
        # by shape and colour a metal disc is every coin (materials benchmark, 2026-12-01: 3 false alarms).
        blobs = [r for r in (RegionReference.prepare(*triple) for triple in references if "@" not in triple[0])
                 if r is not None]
        return cls([ChannelSearch(c, FeatureIndex.build(c.references(references), first, _reader(c, templates),
                                                           trees))
                    for c in channels], blobs)

    def search(self, name: str) -> ChannelSearch | None:
        """The search of the channel called ``name``, if it has any reference."""
        return next((s for s in self.searches if s.channel.name == name and len(s.index)), None)

    def detect(self, rgb: np.ndarray, *, emblem_ids: Iterable[str] | None = None,
               scale: float = 1.0) -> list[Detection]:
        """Emblems located in an RGB ``uint8`` picture, best first, one per region.

        Geometry is in the pixels of ``rgb`` times ``scale``: give the
        original's pixels per pixel of ``rgb`` to have it in the original's.
        ``emblem_ids`` restricts the search (``explain --emblem``).
        """
        luminance = grey(rgb)
        if min(luminance.shape) < MIN_SIDE_PX:
            return []
        colour = np.ascontiguousarray(rgb)
        wanted = None if emblem_ids is None else set(emblem_ids)
        picture = Picture(shrink(luminance, FEATURE_SIDE), shrink(colour, FEATURE_SIDE))
        detail = Detail.of(luminance, colour, [s.channel for s in self.searches if s.index.searchable])
        # A tiled picture's whole look takes its luminance keypoints from the detail's SIFT run rather
        # than from a run of its own over the same picture at half the size (features.seen_smaller):
        # that run was 12 % of a phone photo's scan (cProfile, 2026-12-02).
        features = None if detail is None else detail.seen_at(picture.width)
        found = self.look(picture, wanted, scale * luminance.shape[1] / picture.width, features)
        if detail is not None:
            found += self.look_closely(detail, wanted, scale)
        return merge(found)

    def look(self, picture: Picture, wanted: set[str] | None, factor: float,
             luminance_features: tuple[np.ndarray, np.ndarray] | None = None) -> list[Detection]:
        """Every path's detections in ``picture``, geometry multiplied by ``factor``; with
        ``luminance_features`` (keypoints in ``picture``'s pixels, descriptors) luminance is not described again."""
        found = [rescale(d, factor) for d in self.blobs(picture, wanted)]
        for search in self.searches:
            if search.channel is LUMINANCE and luminance_features is not None:
                found += [rescale(d, factor) for d in search.fit(picture.luminance, *luminance_features, wanted)]
            else:
                found += search.run(picture, wanted, factor)
        return found

    def look_closely(self, detail: Detail, wanted: set[str] | None, scale: float) -> list[Detection]:
        """Detections in the overlapping tiles of a big or long picture (tiles.py)."""
        factor = scale / detail.layout.scale
        found = []
        for tile in detail.layout.tiles:
            box = (tile.x, tile.y, tile.width, tile.height)
            rows, columns = _rows_columns(box)
            part = Picture(np.ascontiguousarray(detail.luminance[rows, columns]),
                           np.ascontiguousarray(detail.colour[rows, columns]))
            if min(part.luminance.shape) < MIN_SIDE_PX:
                continue
            found += [rescale(d, factor, (tile.x, tile.y)) for d in self.blobs(part, wanted)]
            for search in self.searches:
                described = detail.described.get(search.channel.name)
                if described is None:
                    continue
                box = _scaled(tile, described.scale)
                if not search.channel.searchable(described.view[_rows_columns(box)]):
                    continue
                inside = strongest_inside(described.points, described.strength, box, MAX_QUERY_KEYPOINTS)
                fits = search.fit(described.view, described.points[inside], described.descriptors[inside], wanted)
                found += [rescale(d, factor / described.scale) for d in fits]
        return found

    def blobs(self, picture: Picture, wanted: set[str] | None) -> list[Detection]:
        """Small emblems on a plain ground, found by shape and colour (see regions.py), in working pixels."""
        references = [r for r in self.regions if wanted is None or r.emblem_id in wanted]
        found = []
        for match in regions.find(picture.luminance, picture.colour, references):
            x, y, w, h = match.box
            outline = ((float(x), float(y)), (float(x + w), float(y)), (float(x + w), float(y + h)),
                       (float(x), float(y + h)))
            found.append(Detection(match.emblem_id, match.rendering_id, match.box, outline, match.score, 0,
                                   regions.METHOD))
        return found
