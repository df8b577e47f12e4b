"""The stored form of detection features: one blob per rendering in catalogue.db's ``features`` table.

Layout (little-endian): a header (magic ``EMBF``, format, keypoint count,
the rendering's width and height, the grey template's height and width),
from format 2 the colour thumbnail's height and width, then float32
keypoints ``(n, 4)``, uint8 descriptors ``(n, 128)``, the grey template, the
colour thumbnail, and from format 3 the byte length of the tint features
followed by their own blob (0: none), and from format 4 the byte length of
the small-scale features (features.small_scale) followed by their own blob,
whose template and thumbnail are empty (they are the rendering's own). Older
formats still load: format 1 without the colour thumbnail (the region check
skips it), formats 1-2 without tint features (no colour search), formats 1-3
without small-scale features (computed when the index is built, as before).
"""

from __future__ import annotations

import struct
from dataclasses import replace

import numpy as np

from ..engine.features import ReferenceFeatures
from ..errors import CatalogueError

_MAGIC = b"EMBF"
FORMAT = 4
_HEADER = struct.Struct("<4sBIIIHH")  # magic, format, keypoints, width, height, template h, w
_COLOUR_HEADER = struct.Struct("<HH")  # format 2 adds the colour thumbnail's h, w after the template
_TINT_HEADER = struct.Struct("<I")  # format 3 adds the byte length of the tint features (0: none) at the end
_SMALL_HEADER = struct.Struct("<I")  # format 4 adds the byte length of the small-scale features (0: none) after it
_NO_TEMPLATE, _NO_COLOUR = np.zeros((0, 0), np.uint8), np.zeros((0, 0, 3), np.uint8)


class FeaturesBlobError(CatalogueError):
    """A stored features blob is truncated or of a format this emblemcheck does not know."""


def encode(features: ReferenceFeatures) -> bytes:
    """A compact blob of ``features`` for SQLite."""
    th, tw = features.template.shape
    header = _HEADER.pack(_MAGIC, FORMAT, features.keypoint_count, features.width, features.height, th, tw)
    colour = _COLOUR_HEADER.pack(*features.colour.shape[:2])
    tint = b"" if features.tint is None else encode(features.tint)
    # The small-scale features share the rendering's template and thumbnail: stored without them.
    small = b"" if features.small is None else encode(replace(
        features.small, template=_NO_TEMPLATE, colour=_NO_COLOUR, tint=None, small=None))
    return (header + colour + features.keypoints.astype("<f4").tobytes()
            + features.descriptors.astype(np.uint8).tobytes() + features.template.astype(np.uint8).tobytes()
            + features.colour.astype(np.uint8).tobytes() + _TINT_HEADER.pack(len(tint)) + tint
            + _SMALL_HEADER.pack(len(small)) + small)


def decode(blob: bytes) -> ReferenceFeatures:
    """Inverse of :func:`encode`; raises :class:`FeaturesBlobError` on a foreign or truncated blob."""
    truncated = FeaturesBlobError("features blob is truncated; rebuild with `emblemcheck catalogue build`")
    if len(blob) < _HEADER.size:
        raise truncated
    magic, fmt, count, width, height, th, tw = _HEADER.unpack_from(blob)
    if magic != _MAGIC or fmt not in range(1, FORMAT + 1):
        raise FeaturesBlobError("features blob has an unknown format; rebuild with `emblemcheck catalogue build`")
    start, ch, cw = _HEADER.size, 0, 0
    if fmt >= 2:
        if len(blob) < start + _COLOUR_HEADER.size:
            raise truncated
        ch, cw = _COLOUR_HEADER.unpack_from(blob, start)
        start += _COLOUR_HEADER.size
    kp_end = start + count * 16
    desc_end = kp_end + count * 128
    template_end = desc_end + th * tw
    end = template_end + ch * cw * 3
    tint = None
    if fmt >= 3:
        if len(blob) < end + _TINT_HEADER.size:
            raise truncated
        (size,) = _TINT_HEADER.unpack_from(blob, end)
        end += _TINT_HEADER.size
        tint = decode(blob[end:end + size]) if size else None
        end += size
    small = None
    if fmt >= 4:
        if len(blob) < end + _SMALL_HEADER.size:
            raise truncated
        (size,) = _SMALL_HEADER.unpack_from(blob, end)
        end += _SMALL_HEADER.size
        small = decode(blob[end:end + size]) if size else None
        end += size
    if len(blob) != end:
        raise truncated
    keypoints = np.frombuffer(blob, "<f4", count * 4, start).reshape(count, 4).astype(np.float32)
    descriptors = np.frombuffer(blob, np.uint8, count * 128, kp_end).reshape(count, 128).copy()
    template = np.frombuffer(blob, np.uint8, th * tw, desc_end).reshape(th, tw).copy()
    colour = np.frombuffer(blob, np.uint8, ch * cw * 3, template_end).reshape(ch, cw, 3).copy()
    if small is not None:
        small = replace(small, template=template, colour=colour)
    return ReferenceFeatures(keypoints, descriptors, width, height, template, colour, tint, small)
