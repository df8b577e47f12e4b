"""Channels: which picture the detector searches, and which references it searches for there.

A channel is a value: how to make its view of the picture (and at what
size), which renderings it indexes, the method names its fits carry, and an
extra agreement check a fit found in it must pass. The detector builds one
index per channel and searches each the same way (fitting.locate), so a new
channel (another colour opponent, an infrared band) is one more value here.

* :data:`LUMINANCE`: grey at :data:`~emblemcheck.engine.features.FEATURE_SIDE`,
  every rendering, plus each rendering's keypoints seen small (for header badges).
* :data:`TINT`: the blue-yellow channel (features.tint_channel) at
  :data:`~emblemcheck.engine.features.TINT_SIDE`, only emblems coloured in
  every part, and fits must agree with the reference's tint values. A
  translucent coloured watermark over a photo keeps 5-6 consistent SIFT
  matches in luminance, where the photo shows through it, and 28-49 in
  colour, where a grey photo has no edges (benchmark, seed 11).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from .detection import Method
from .features import (
    TINT_SIDE,
    ReferenceFeatures,
    edge_map,
    parts,
    shrink,
    small_scale,
    tint_channel,
)
from .fitting import MIN_INLIERS
from .index import Reference
from .verification import tint_agreement

ChannelName = Literal["luminance", "tint"]

#: ``(rendering_id, emblem_id, features)``, as the catalogue hands them over.
Triple = tuple[str, str, ReferenceFeatures]

#: Least edge strength (standard deviation of the edge map) in every part of a
#: reference's tint template for the emblem to be searched in colour: below it
#: a part is blank in colour (the black words of a signature, whose red flag
#: symbol alone must not stand for the signature).
MIN_TINT_EDGES = 1.0

#: Least correlation of tint values between a region found in colour and the
#: reference (see verification.tint_agreement). Benchmark seeds 7 and 11: 173
#: true fits in colour scored 0.39-0.99 (no wrong emblem's fit reached the
#: check); the test shield with its blue field turned red scored -0.03 to 0.20
#: at 45-70 % opacity.
MIN_TINT_AGREEMENT = 0.3

#: A pixel is coloured when its tint lies at least this far from neutral (128):
#: about 8 units of CIELAB b* (the channel doubles b*). A guess, above JPEG's
#: chroma noise on grey.
COLOURED_TINT = 16

#: Least share of a picture's pixels that are coloured for the colour search
#: to run: a black-and-white or sepia-free grey photo has nothing to find in
#: colour. A guess; no benchmark picture sits near it.
MIN_TINTED_SHARE = 0.01


@dataclass(frozen=True)
class Picture:
    """The picture at the detector's working size (FEATURE_SIDE): its luminance and its colours (RGB)."""

    luminance: np.ndarray
    colour: np.ndarray

    @property
    def width(self) -> int:
        return int(self.luminance.shape[1])


@dataclass(frozen=True)
class Channel:
    """A picture channel the detector searches, with the references it searches for there."""

    name: ChannelName
    #: The homography's and the similarity's method names.
    methods: tuple[Method, Method]
    #: The channel's view of a picture, or ``None`` when it has nothing to search.
    view: Callable[[Picture], np.ndarray | None]
    #: The references this channel indexes, from the catalogue's renderings.
    references: Callable[[Iterable[Triple]], list[Reference]]
    #: An extra check a fit found here must pass (picture view, homography, reference), or ``None``.
    agrees: Callable[[np.ndarray, np.ndarray, Reference], bool] | None = None
    #: Which of a rendering's stored features this channel's references are made of (for templates read back).
    part: Callable[[ReferenceFeatures], ReferenceFeatures | None] = lambda features: features
    #: The view of a whole big picture at the scale each of its tiles (``tile_side`` px long) is viewed at,
    #: and that scale (view pixels per picture pixel); ``None`` keeps the picture's own size.
    detail_view: Callable[[Picture, int], tuple[np.ndarray, float]] | None = None
    #: Whether a part of the detail view (one tile's) has anything to search, as :attr:`view` decides.
    searchable: Callable[[np.ndarray], bool] = lambda part: True

    def view_of_detail(self, picture: Picture, tile_side: int) -> tuple[np.ndarray, float]:
        """:attr:`detail_view`, or the picture's own view at its size."""
        if self.detail_view is None:
            return picture.luminance, 1.0
        return self.detail_view(picture, tile_side)

    def accepts(self, view: np.ndarray, homography: np.ndarray, ref: Reference) -> bool:
        """Whether a fit passes this channel's extra check (always, without one)."""
        return self.agrees is None or self.agrees(view, homography, ref)


def _luminance_view(picture: Picture) -> np.ndarray:
    return picture.luminance


def _luminance_references(renderings: Iterable[Triple]) -> list[Reference]:
    """Every rendering with enough keypoints, and beside it its keypoints seen small.

    Every colour variant stays in the index: dropping near copies (black and
    colour on white, say) was measured on the benchmark and lost recall in
    the embedded-small, watermark and screenshot classes.
    """
    built = []
    for rid, eid, features in renderings:
        # Fewer keypoints than a fit needs inliers: nothing to locate.
        if features.keypoint_count < MIN_INLIERS:
            continue
        built.append(Reference.of(rid, eid, features))
        small = small_scale(features)  # stored at build since features format 4; computed for an older catalogue
        if small.keypoint_count >= MIN_INLIERS:
            built.append(Reference.of(rid, eid, small, small=True))
    return built


def _tint_view(picture: Picture) -> np.ndarray | None:
    view = tint_channel(shrink(picture.colour, TINT_SIDE))
    return view if _tinted(view) else None


def _tint_detail_view(picture: Picture, tile_side: int) -> tuple[np.ndarray, float]:
    """The whole picture's tint at the scale a tile ``tile_side`` px long is shrunk to TINT_SIDE."""
    scale = min(1.0, TINT_SIDE / tile_side)
    size = (max(1, round(picture.colour.shape[1] * scale)), max(1, round(picture.colour.shape[0] * scale)))
    return tint_channel(cv2.resize(picture.colour, size, interpolation=cv2.INTER_AREA)), scale


def _tinted(view: np.ndarray) -> bool:
    """Whether enough of a tint view is coloured to search it (MIN_TINTED_SHARE)."""
    coloured = np.count_nonzero(np.abs(view.astype(np.int16) - 128) >= COLOURED_TINT)
    return bool(coloured >= MIN_TINTED_SHARE * view.size)


def _tint_references(renderings: Iterable[Triple]) -> list[Reference]:
    """The tint features of emblems coloured in every part; one artwork on several neutral grounds once."""
    built, described = [], set()
    for rid, eid, features in renderings:
        tint = features.tint
        if tint is None or not tinted_throughout(tint.template):
            continue
        key = (eid, tint.descriptors.tobytes())
        if key not in described:
            described.add(key)
            built.append(Reference.of(rid, eid, tint))
    return built


def tinted_throughout(template: np.ndarray) -> bool:
    """Whether every part of a tint template has edges of its own (see MIN_TINT_EDGES)."""
    edges = edge_map(template)
    return all(edges[tile].std() >= MIN_TINT_EDGES for tile in parts(template.shape))


def _tints_agree(view: np.ndarray, homography: np.ndarray, ref: Reference) -> bool:
    return tint_agreement(view, homography, ref) >= MIN_TINT_AGREEMENT


LUMINANCE = Channel("luminance", ("sift-homography", "sift-similarity"), _luminance_view, _luminance_references)
TINT = Channel("tint", ("sift-colour-homography", "sift-colour-similarity"), _tint_view, _tint_references,
               _tints_agree, lambda features: features.tint, _tint_detail_view, _tinted)

#: The channels a detector searches, in this order.
CHANNELS: tuple[Channel, ...] = (LUMINANCE, TINT)
