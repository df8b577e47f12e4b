"""Tiles: how the detector looks closely at a picture too big or too long for one look.

The detector's whole-picture look shrinks the longest side to FEATURE_SIDE
(1280 px). That loses small emblems in two kinds of picture: a full-page
phone screenshot (390 x 2400 becomes 208 px wide, and the header's signature
about 100 px) and a big photo (a 4032 x 3024 photo becomes 1280 x 960, and a
badge at 4 % of its width 51 px). So a picture whose longest side is over
:data:`TILE_FROM` is also searched in overlapping tiles:

* The picture is first brought to at most :data:`DETAIL_PIXELS` pixels (an
  area bound, whatever its shape): a tall strip keeps its full width, a
  12-megapixel photo is seen at 2560 x 1920, where an emblem at 3 % of the
  width keeps 77 px, as one at 6 % does in today's whole look (found 6 of 6).
* Tiles are :data:`TILE_SIDE` square (the size of one whole look, so a tile
  costs what a 1280-pixel picture costs), overlapping by :data:`OVERLAP`, so
  an emblem up to that size is whole in at least one tile; a bigger one is
  found by the whole look. At most :data:`MAX_TILES` tiles: a longer strip is
  seen smaller.

Pure arithmetic: shapes in, a scale and tile rectangles out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .features import FEATURE_SIDE

#: Longest side above which a picture is also searched in tiles. Up to 1.5
#: times FEATURE_SIDE the whole look loses at most a third of the resolution,
#: which every benchmark class tolerates; a letter page at 150 dpi (1650 px)
#: is not tiled, so a PDF page costs one look.
TILE_FROM = FEATURE_SIDE * 3 // 2

#: Pixels of the picture the tiles cover at most (2560 x 1920): about four
#: whole looks of area, so a tiled picture costs at most ~6 looks with overlaps.
DETAIL_PIXELS = 2560 * 1920

#: Side of a square tile, in the scaled picture's pixels: one whole look's size.
TILE_SIDE = FEATURE_SIDE

#: Overlap of neighbouring tiles: an emblem up to this size lies whole in one tile.
OVERLAP = 320

#: Most tiles per picture (a 20000 x 200 banner needs 21 at full size).
MAX_TILES = 24


@dataclass(frozen=True)
class Tile:
    """A rectangle of the scaled picture: left, top, width and height in its pixels."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class TilePlan:
    """How to tile a picture: scale it by ``scale`` (<= 1), then cut these ``tiles`` from it."""

    scale: float
    tiles: tuple[Tile, ...]


def plan(height: int, width: int) -> TilePlan:
    """The tiles that cover a ``height`` x ``width`` picture; none when one whole look is enough."""
    if max(height, width) <= TILE_FROM:
        return TilePlan(1.0, ())
    scale = min(1.0, math.sqrt(DETAIL_PIXELS / (height * width)))
    while True:
        rows = starts(round(height * scale))
        columns = starts(round(width * scale))
        if len(rows) * len(columns) <= MAX_TILES:
            break
        scale *= math.sqrt(MAX_TILES / (len(rows) * len(columns)))
    scaled_h, scaled_w = round(height * scale), round(width * scale)
    tiles = tuple(Tile(x, y, min(TILE_SIDE, scaled_w - x), min(TILE_SIDE, scaled_h - y))
                  for y in rows for x in columns)
    return TilePlan(scale, tiles)


def starts(length: int) -> list[int]:
    """Where tiles start along a side of ``length``: evenly spread, overlapping by at least OVERLAP."""
    if length <= TILE_SIDE:
        return [0]
    count = math.ceil((length - OVERLAP) / (TILE_SIDE - OVERLAP))
    return [round(i * (length - TILE_SIDE) / (count - 1)) for i in range(count)]
