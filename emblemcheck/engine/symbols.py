"""The flag symbol located by its structure: two upright bars with a leaf between them.

The Federal Identity Program's flag symbol is the National Flag's red bars and
leaf without the white square's outline: in the official file (``fip_flag``
in the GC signature SVG) each bar is 36.84 x 75.01 units (height 2.04 times
the width), the bars stand 81.70 units apart (2.22 bar widths) and the leaf
between them reaches from 4.9 to about 70 units down (0.87 of the height).
Those proportions, with tolerances for print, screens, JPEG and the signatures
benchmark's perspective, are what :func:`locate_symbols` looks for in three inks:
FIP red, black (the all-black signature) and white on a dark ground (reversed).
Bars are taken as upright boxes, which holds to about 6 degrees of rotation in
the picture's plane (branch sigs4, a CBSA signature 30 and 60 px tall on white:
located at 4 and 6 degrees, at none of 8-30). A signature tilted further (a
photo of a page on a desk) is :func:`locate_tilted`'s: it finds bars that lean
by their second moments, pairs them, turns the picture upright about the pair
and confirms the symbol there with the upright finder; the title is then read
in that upright frame (signatures.py). A signature photographed at an angle
(a poster seen from one side) is sheared rather than turned: its bars lean but
stand level with each other, and it is stood upright by undoing the shear.

A signature set without clear space of its own (a logo file cropped to its
ink, pasted over a photo) has its left bar and top touching whatever is
around it; where that is ink of the same class (an orange sleeve, a dark
sky) the left bar is no component of its own, and the symbol is looked for
leftwards of its right bar (which stands beside the title's clear space) by
its column profile and the leaf's shape.

Where both bars join the ink around them (a red photo above and left of a
red symbol), the leaf is still a component of its own, and the bars are looked
for as full columns beside it. Symbols 4-8 px tall (a signature 120-250 px
wide in a larger picture) are found with looser bar proportions (or as one
"H" where JPEG has joined the leaf to both bars), and kept only with type-like
ink beside them: shapes that small are common in a photo.

It is cheap (one threshold and one connected-component pass per ink, a few
milliseconds at the working size), so every picture gets it; only a located
symbol costs an OCR of its title zone (titles.py, signatures.py). The National
Flag on a white ground has the same structure and is located too: what tells a
signature from the flag is the title beside it, not the symbol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import cv2
import numpy as np

from ..models import Box

Ink = Literal["red", "black", "white"]

#: Bar height over width: 2.04 in the official file; 1.4-3.0 admits a tilt of
#: up to 25 degrees about either axis and antialiased edges at 8 px (a guess,
#: checked on the signatures benchmark's perspective class).
BAR_ASPECT = (1.4, 3.0)
#: Gap between the bars over the bar width: 2.22 in the official file.
GAP_RATIO = (1.5, 3.1)
#: A bar fills most of its bounding box (1.0 upright; 0.75 at a 10-degree rotation).
MIN_BAR_FILL = 0.7
#: The smallest bar height located, in working pixels: a signature 120 px wide
#: has a symbol about 11 px tall (the symbol is 19 % of the GC signature's width).
MIN_BAR_HEIGHT = 8
#: Leaf height over the bar height: 0.87 in the official file.
LEAF_HEIGHT = (0.55, 1.05)
#: Longest side searched; larger pictures are shrunk first (the symbol of a
#: 4000 px scan is still over 8 px tall at this size).
SEARCH_SIDE = 2400


#: Tilts :func:`locate_tilted` looks for, degrees either way: from where the upright finder stops
#: (about 6, see above; it overlaps it by 2) to a page photographed well askew (a guess: beyond
#: 35 degrees a reader turns the photo). Measured in branch tilt (benchmarks/RESULTS.md).
TILT = (4.0, 35.0)
#: A leaning bar fills most of the rectangle its second moments describe (1.0 for a rectangle; JPEG
#: and antialiasing round its corners). A guess, checked on tilted signatures of 30-80 px.
MIN_LEANING_FILL = 0.8
#: Two bars of one symbol lean alike (degrees) and their centres line up across the bars, in bar
#: lengths (the official file: 0, both bars 75.01 units tall and level). Guesses with room for JPEG.
PAIR_TILT = 5.0
PAIR_SHIFT = 0.2
#: Two sheared bars of one symbol shift alike, in pixels across per pixel down (the regression of a
#: bar's columns on its rows; 0.1 is about 6 degrees of lean, a guess with room for JPEG).
PAIR_SHEAR = 0.1
#: A leaning bar no other pairs with (the other bar joined to the leaf, as the upright finder's one
#: free bar) stands for a symbol when the place of the other bar's centre, across from it by the
#: official file's 1 + 2.22 bar widths, is in another component of its ink as heavy as the bar and
#: leaf together could be (1-LONE_BAR_MASS times the bar) and about as tall (LONE_BAR_ROWS). Seed 7's
#: sig-turned-26 (30 a class): an 8 px symbol turned 28 degrees whose left bar JPEG joined to the
#: leaf, never located before. The bounds are guesses: the official bar and leaf weigh 1.9 bars.
BAR_CENTRES = 1 + 2.22
LONE_BAR_MASS = 2.5
LONE_BAR_ROWS = 1.4
#: The smallest leaning bar's box (rows): a bar of 7 rows leaning 15-25 degrees is a symbol of about 7
#: px, which the upright finder confirms only as a tiny one, with type beside it, so its window reaches
#: TINY_TYPE_REACH symbol heights further right (titles.TEXT_LENGTH and the symbol's own width). Seed
#: 7's sig-turned-27 (30 a class): a black 7 px symbol turned 19 degrees, never located before.
MIN_LEANING_BAR = MIN_BAR_HEIGHT - 1
TINY_TYPE_REACH = 7.0


@dataclass(frozen=True)
class Symbol:
    """A flag symbol located in a picture: its box (in the given array's pixels) and its ink."""

    box: Box
    ink: Ink

    @property
    def height(self) -> int:
        return self.box[3]


def ink_masks(rgb: np.ndarray) -> dict[Ink, np.ndarray]:
    """Where each ink is, as 0/255 masks: FIP red (#eb2d37), black, and white."""
    r, g, b = (rgb[..., i].astype(np.int32) for i in range(3))
    grey = (r * 299 + g * 587 + b * 114) // 1000
    red = (r > 130) & (r - g > 70) & (r - b > 55)
    return {"red": red.astype(np.uint8) * 255, "black": (grey < 90).astype(np.uint8) * 255,
            "white": (grey > 185).astype(np.uint8) * 255}


Components = tuple[int, np.ndarray, np.ndarray]  # count, labels, stats (cv2.connectedComponentsWithStats)


@dataclass(frozen=True)
class Inks:
    """A picture as both finders see it: at most SEARCH_SIDE long, each ink's mask and its components.

    Made once per picture: the masks and their components are most of a search's time (cProfile of
    the tilted finder on 54 photos, branch tilt: 2.5 of its 2.8 s), so the tilted finder reads them
    from the upright one's.
    """

    rgb: np.ndarray
    #: Working pixels per pixel of the picture.
    factor: float
    masks: dict[Ink, np.ndarray]
    components: dict[Ink, Components]

    @classmethod
    def of(cls, rgb: np.ndarray) -> Inks:
        """The inks of an RGB ``uint8`` picture."""
        factor = 1.0
        if max(rgb.shape[:2]) > SEARCH_SIDE:
            factor = SEARCH_SIDE / max(rgb.shape[:2])
            size = (round(rgb.shape[1] * factor), round(rgb.shape[0] * factor))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        masks = ink_masks(rgb)
        return cls(rgb, factor, masks, {ink: _components(mask) for ink, mask in masks.items()})


def _components(mask: np.ndarray) -> Components:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return count, labels, stats


def locate_symbols(rgb: np.ndarray, inks: Inks | None = None) -> list[Symbol]:
    """Every flag symbol in an RGB ``uint8`` picture, largest first, boxes in its pixels (``inks``: the
    picture's, if made already)."""
    inks = inks or Inks.of(rgb)
    found: list[Symbol] = []
    for ink, mask in inks.masks.items():
        # White ink is the reversed symbol: it stands on a dark ground (the white between a black
        # text's strokes has the same shapes, on a white page).
        dark = inks.masks["black"] if ink == "white" else None
        for box in _symbols_in(mask, dark, inks.rgb, inks.components[ink]):
            if not any(overlap(box, s.box) > 0.5 for s in found):
                found.append(Symbol(box, ink))
    scaled = [Symbol(tuple(round(v / inks.factor) for v in s.box), s.ink) for s in found]  # type: ignore[arg-type]
    return sorted(scaled, key=lambda s: -s.box[2] * s.box[3])


@dataclass(frozen=True)
class Tilted:
    """A flag symbol tilted in the picture's plane, as the upright frame it is read in sees it.

    ``turn`` maps picture pixels into that frame (a 2x3 affine matrix, row by row) and ``size`` is
    the frame's (width, height): the whole picture, turned by ``angle`` degrees counter-clockwise
    about the symbol (or its rows shifted back by ``shear``) and enlarged to hold all of it. ``symbol``
    is the symbol in the frame.
    """

    symbol: Symbol
    angle: float
    turn: tuple[float, float, float, float, float, float]
    size: tuple[int, int]
    #: Columns per row the frame undoes instead of turning (a symbol photographed at an angle, its bars
    #: leaning but level with each other); 0 for a frame turned by ``angle``.
    shear: float = 0.0

    @property
    def box(self) -> Box:
        """The symbol's box in the picture's pixels (around its turned corners)."""
        return self.to_picture(self.symbol.box)

    def upright(self, rgb: np.ndarray) -> np.ndarray:
        """``rgb`` turned into the upright frame (edges replicated: no new ink at the border)."""
        matrix = np.array(self.turn, np.float64).reshape(2, 3)
        return cv2.warpAffine(rgb, matrix, self.size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    def to_picture(self, box: Box) -> Box:
        """A box of the upright frame as the picture's box around it (its four corners turned back)."""
        x, y, w, h = box
        back = cv2.invertAffineTransform(np.array(self.turn, np.float64).reshape(2, 3))
        corners = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float64)
        turned = corners @ back[:, :2].T + back[:, 2]
        x0, y0 = np.floor(turned.min(axis=0)).astype(int)
        x1, y1 = np.ceil(turned.max(axis=0)).astype(int)
        return (int(x0), int(y0), int(x1 - x0), int(y1 - y0))


def locate_tilted(rgb: np.ndarray, known: Sequence[Box] = (), inks: Inks | None = None) -> list[Tilted]:
    """Flag symbols tilted by :data:`TILT` degrees in the picture's plane, or leaning as much under a shear,
    largest first; a pair of bars centred in a ``known`` box (symbols found upright, in ``rgb``'s pixels)
    is left out.

    Cheap beside the upright search (given its ``inks``): one second-moment test per component shaped
    like a leaning bar.
    """
    inks = inks or Inks.of(rgb)
    factor = inks.factor
    found: list[Tilted] = []
    known = list(known)
    for ink in inks.masks:
        for pair in _leaning_pairs(inks.components[ink]):
            picture_centre = (pair.centre[0] / factor, pair.centre[1] / factor)
            if any(_contains(box, picture_centre) for box in known):
                continue
            tilted = _confirmed(rgb, picture_centre, pair.tilt, pair.length / factor, ink, pair.shear)
            if tilted is not None:
                found.append(tilted)
                known.append(tilted.box)
    return sorted(found, key=lambda t: -t.symbol.box[2] * t.symbol.box[3])


class _Leaning(NamedTuple):
    """A component that is a leaning bar, by its second moments (picture pixels, degrees)."""

    centre: tuple[float, float]
    #: From upright, clockwise, in [-90, 90): negative when the top leans left.
    tilt: float
    length: float
    width: float
    #: Columns across per row down (the regression of x on y): a sheared bar's shift.
    slope: float
    #: Its rows (the component's box height) and pixels: a sheared bar is mass / rows wide along a row.
    rows: int
    mass: float


class _Pair(NamedTuple):
    """Two leaning bars that stand as a symbol's do: turned (``shear`` 0) or sheared by ``shear``."""

    centre: tuple[float, float]
    tilt: float
    length: float
    shear: float


def _leaning_pairs(components: Components) -> list[_Pair]:
    """Every two leaning bars that stand as a symbol's do, turned or sheared."""
    count, labels, stats = components
    if count <= 2:
        return []
    w, h, area = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    # A bar at 4-35 degrees: its box at least MIN_LEANING_BAR tall, taller than wide, and a third full
    # or more (an upright 2:1 bar fills its box; at 35 degrees about 0.45 of it).
    keep = (h >= MIN_LEANING_BAR) & (h > 0.9 * w) & (area >= 0.35 * w * h) & (area >= 24)
    bars = [bar for i in np.flatnonzero(keep) + 1 if (bar := _leaning_bar(labels, stats[i], int(i))) is not None]
    pairs = []
    paired: set[int] = set()
    for n, a in enumerate(bars):
        for m, b in enumerate(bars[n + 1:], n + 1):
            if abs(a.tilt - b.tilt) > PAIR_TILT or not 0.8 <= b.length / a.length <= 1.25:
                continue
            pair = _turned_pair(a, b) or _sheared_pair(a, b)
            if pair is not None:
                pairs.append(pair)
                paired.update((n, m))
    return pairs + [pair for n, bar in enumerate(bars) if n not in paired for pair in _lone_bar(bar, labels, stats)]


def _lone_bar(bar: _Leaning, labels: np.ndarray, stats: np.ndarray) -> list[_Pair]:
    """The symbols a leaning bar may be one bar of, its other bar joined to other ink (BAR_CENTRES)."""
    own = labels[int(bar.centre[1]), int(bar.centre[0])]
    t = np.radians(bar.tilt)
    out = []
    for side in (-1, 1):
        x = bar.centre[0] + side * BAR_CENTRES * bar.width * np.cos(t)
        y = bar.centre[1] + side * BAR_CENTRES * bar.width * np.sin(t)
        if not (0 <= int(y) < labels.shape[0] and 0 <= int(x) < labels.shape[1]):
            continue
        other = labels[int(y), int(x)]
        if (other and other != own and bar.mass <= stats[other][4] <= LONE_BAR_MASS * bar.mass
                and stats[other][3] <= LONE_BAR_ROWS * bar.rows):
            out.append(_Pair(((bar.centre[0] + x) / 2, (bar.centre[1] + y) / 2), bar.tilt, bar.length, 0.0))
    return out


def _turned_pair(a: _Leaning, b: _Leaning) -> _Pair | None:
    """The pair as a turned symbol's bars: side by side across their common tilt, level along it."""
    tilt = (a.tilt + b.tilt) / 2
    across, along = _in_bar_frame(b.centre[0] - a.centre[0], b.centre[1] - a.centre[1], tilt)
    width = (a.width + b.width) / 2
    if abs(across) < 0.5 * width:
        return None
    gap = abs(across) - width
    if GAP_RATIO[0] * width - 1 <= gap <= GAP_RATIO[1] * width + 1 and abs(along) <= PAIR_SHIFT * a.length:
        return _Pair(_midpoint(a, b), tilt, (a.length + b.length) / 2, 0.0)
    return None


def _sheared_pair(a: _Leaning, b: _Leaning) -> _Pair | None:
    """The pair as a sheared symbol's bars: level in the picture's rows, their gap measured along a row."""
    if abs(a.slope - b.slope) > PAIR_SHEAR:
        return None
    rows = (a.rows + b.rows) / 2
    width = (a.mass / a.rows + b.mass / b.rows) / 2
    dx, dy = b.centre[0] - a.centre[0], b.centre[1] - a.centre[1]
    gap = abs(dx) - width
    if abs(dy) <= PAIR_SHIFT * rows and GAP_RATIO[0] * width - 1 <= gap <= GAP_RATIO[1] * width + 1:
        return _Pair(_midpoint(a, b), (a.tilt + b.tilt) / 2, rows, (a.slope + b.slope) / 2)
    return None


def _midpoint(a: _Leaning, b: _Leaning) -> tuple[float, float]:
    return (a.centre[0] + b.centre[0]) / 2, (a.centre[1] + b.centre[1]) / 2


def _leaning_bar(labels: np.ndarray, stat: np.ndarray, label: int) -> _Leaning | None:
    """The component as a leaning bar: a filled rectangle or parallelogram (by its second moments) of
    BAR_ASPECT, leaning within TILT; None if it is none."""
    x, y, w, h = (int(v) for v in stat[:4])
    moments = cv2.moments((labels[y:y + h, x:x + w] == label).astype(np.uint8), binaryImage=True)
    mass = moments["m00"]
    if mass <= 0:
        return None
    a, b, c = moments["mu20"] / mass, moments["mu11"] / mass, moments["mu02"] / mass
    spread = np.sqrt(((a - c) / 2) ** 2 + b * b)
    major, minor = (a + c) / 2 + spread, (a + c) / 2 - spread
    if minor <= 0:
        return None
    # A filled rectangle L x W has variances L^2/12 and W^2/12 along its axes; so has the rectangle of a
    # parallelogram's area (a shear keeps the determinant), which then fills it as well.
    length, width = np.sqrt(12 * major), np.sqrt(12 * minor)
    if not BAR_ASPECT[0] <= length / width <= BAR_ASPECT[1] or mass < MIN_LEANING_FILL * length * width:
        return None
    # The major axis' angle from the x axis (y down); an upright bar's is 90 degrees.
    axis = np.degrees(0.5 * np.arctan2(2 * b, a - c))
    tilt = (axis - 90 + 90) % 180 - 90  # from upright, in [-90, 90): negative when the top leans left
    if not TILT[0] <= abs(tilt) <= TILT[1]:
        return None
    centre = (x + moments["m10"] / mass, y + moments["m01"] / mass)
    return _Leaning(centre, float(tilt), float(length), float(width), float(b / c), h, float(mass))


def _in_bar_frame(dx: float, dy: float, tilt: float) -> tuple[float, float]:
    """A displacement (picture pixels) as (across the bars, along them) for bars tilted ``tilt`` degrees."""
    t = np.radians(tilt)
    return dx * np.cos(t) + dy * np.sin(t), -dx * np.sin(t) + dy * np.cos(t)


def _contains(box: Box, point: tuple[float, float]) -> bool:
    x, y, w, h = box
    return x <= point[0] <= x + w and y <= point[1] <= y + h


def _confirmed(rgb: np.ndarray, centre: tuple[float, float], tilt: float, length: float, ink: Ink,
               shear: float = 0.0) -> Tilted | None:
    """The symbol about ``centre`` in the picture stood upright (turned by ``tilt``, or its ``shear``
    undone), if the upright finder finds it there."""
    height, width = rgb.shape[:2]
    if shear:
        # Each row shifted back by its shear about the centre's row: the bars stand upright and the rows
        # (the title's lines) stay rows.
        matrix = np.array([[1.0, -shear, shear * centre[1]], [0.0, 1.0, 0.0]])
    else:
        # Turn the bars upright. ``tilt`` is the bars' angle from upright with y down, negative for bars
        # whose top leans left (a picture turned counter-clockwise on screen); OpenCV's angles are
        # counter-clockwise on screen, so turning by ``tilt`` stands them up.
        matrix = cv2.getRotationMatrix2D(centre, tilt, 1.0)
    corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64) @ matrix[:, :2].T + matrix[:, 2]
    low, high = corners.min(axis=0), corners.max(axis=0)
    matrix[:, 2] -= low  # enlarged so the whole picture stays in the frame
    size = (int(np.ceil(high[0] - low[0])), int(np.ceil(high[1] - low[1])))
    # Confirm on a window about the symbol: the whole frame is only needed to read its title.
    cx, cy = matrix[:, :2] @ np.array(centre) + matrix[:, 2]
    half = int(np.ceil(2.5 * length))
    # A symbol under MIN_BAR_HEIGHT + 1 px is kept only with type beside it (titles.text_block looks
    # TEXT_LENGTH of its heights right): its window reaches that far.
    right = half + (int(np.ceil(TINY_TYPE_REACH * length)) if length < MIN_BAR_HEIGHT + 1 else 0)
    x0, y0 = max(0, int(cx) - half), max(0, int(cy) - half)
    window = cv2.warpAffine(rgb, matrix - np.array([[0, 0, x0], [0, 0, y0]]), (half + right, 2 * half),
                            flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    masks = ink_masks(window)
    for box in _symbols_in(masks[ink], masks["black"] if ink == "white" else None, window):
        if _contains(box, (cx - x0, cy - y0)):
            symbol = Symbol((box[0] + x0, box[1] + y0, box[2], box[3]), ink)
            turn = tuple(float(v) for v in matrix.ravel())
            return Tilted(symbol, 0.0 if shear else -tilt, turn, size, shear)  # type: ignore[arg-type]
    return None


def _symbols_in(mask: np.ndarray, dark: np.ndarray | None = None, rgb: np.ndarray | None = None,
                components: Components | None = None) -> list[Box]:
    count, labels, stats = components or _components(mask)
    bars = sorted(_bars(stats, count), key=lambda i: stats[i][0])
    out: list[Box] = []
    paired: set[int] = set()
    for n, left in enumerate(bars):
        for right in bars[n + 1:]:
            if stats[right][0] > stats[left][0] + stats[left][2] * (1 + GAP_RATIO[1]) + 2:
                break  # sorted by x: every later bar is further than the widest gap
            box = _pair(stats[left], stats[right])
            if box is None or not _on_ground(mask, box):
                continue
            if dark is not None and _ring_share(dark, box) < MIN_DARK_RING:
                continue
            if _has_leaf(stats, labels, box, left, right) or _leaf_ink(mask, box, stats[left][2]):
                out.append(box)
                paired.update((left, right))
                break
    # The right bar stands beside the title's clear space; the left one may touch what lies outside a
    # signature set without clear space of its own (a photo's orange, a shadow): then the symbol is
    # looked for leftwards of a right bar.
    for bar in bars:
        if bar in paired:
            continue
        for box in (_anchored(mask, stats[bar]), _anchored_right(mask, stats[bar])):
            if box is not None and _clear_right(mask, dark, box) and not any(overlap(box, b) > 0.5 for b in out):
                out.append(box)
    # Both bars may join the ink around them (a red photo above a red symbol set without clear space):
    # the leaf between them is then still a component of its own, and the bars are looked for beside it.
    for leaf in _leaf_candidates(stats, count, mask):
        if any(_inside(_box(stats[leaf]), b) for b in out):
            continue
        box = _around_leaf(mask, stats[leaf])
        if box is not None and _clear_right(mask, dark, box) and not any(overlap(box, b) > 0.5 for b in out):
            out.append(box)
    if rgb is not None:
        out += [box for box in _tiny(mask, dark, rgb, stats, count) if not any(overlap(box, b) > 0.5 for b in out)]
    return out


#: Symbols 4-8 px tall (signatures 120-250 px wide in a larger picture): bars of 4-7 rows and 2-4
#: columns, whose proportions JPEG and a pixel grid bend (1.2-3.2 tall for wide, a pixel either way in
#: width). Too small for their title to be read (type 1-4 px), and shapes that small are common in a
#: photo, so such a symbol is kept only with type-like ink beside it (titles.text_block): then it is
#: reported as a signature whose title cannot be read. Signatures benchmark (--per-class 30, seed 7):
#: the bars of its 4-7 px symbols measured 4-7 x 2-4 px. A bar of MIN_BAR_HEIGHT rows is taken too: JPEG
#: leaves a 7 px symbol's bars 7 and 8 rows tall (seed 7's sig-turned-27 stood upright, 30 a class), and
#: the regular finder pairs only bars of MIN_BAR_HEIGHT or more.
TINY_BAR_HEIGHT = 4
TINY_ASPECT = (1.2, 3.2)
TINY_FILL = 0.6
#: ... and it stands in clear space: at most this share of its ring (see :func:`_ring_share`) is of its
#: ink. Measured (2026-12-03, signatures benchmark, seeds 3 and 7 at 10 a class, seed 11 at 30, every
#: symbol under 8 px located): the 8 symbols of signatures had 0.00; of the 14 letter pairs of type taken
#: for symbols, 12 had 0.024-0.24 (in titles, and in the body text of a turned letterhead, seed 11's
#: sig-turned-27, reported `fip-signature` for it) and 2 had 0.00 (in titles the OCR had read).
TINY_RING_INK = 0.02
#: ... and nothing of its ink stands within one symbol height to its left (at most this share of that
#: strip, for a JPEG speck): a symbol begins its signature, a letter follows others on its line.
#: Measured (2026-12-03): the 7 symbols under 8 px located in signatures (seeds 3, 7 and 11, as above)
#: had 0.00 there; of the 46 letter groups of photographed pages of type taken for symbols (signatures
#: benchmark's text-photographed class, 40 pages at seeds 5 and 11), 44 had 0.04-0.31, among them all 5
#: that the scan reported `fip-signature` before this test.
TINY_LEFT_INK = 0.02
#: ... nor anything of contrast within two symbol heights to its left: at most this share of that strip
#: differs from the ground around the box (the median of its ring) by more than LEFT_CONTRAST grey
#: levels. The ink mask misses a small type's thin strokes, which JPEG and resizing leave grey (a
#: letter group inside "identité" on seed 11's text-photographed-9, reported `fip-signature`).
#: Measured (2026-12-04, signatures benchmark at 30 a class, seeds 3, 5, 7, 11 and 13: every tiny
#: symbol kept by the tests above): the 19 symbols of signatures had 0.00-0.08 (0.08: a red symbol
#: pasted on a photo, its texture in the strip); 27 of the 31 letter groups of the photographed pages
#: had 0.20-0.59, the other 4 0.00-0.08; the bound is halfway between 0.08 and 0.20. The one other
#: box above it is a letter group inside a decided title (0.43), which is dropped anyway.
TINY_LEFT_CONTRAST = 0.15
LEFT_CONTRAST = 60


def _tiny(mask: np.ndarray, dark: np.ndarray | None, rgb: np.ndarray, stats: np.ndarray, count: int) -> list[Box]:
    """Symbols of bars up to :data:`MIN_BAR_HEIGHT` rows, in clear space with type-like ink beside them."""
    if count <= 1:
        return []
    w, h, area = stats[1:, 2], stats[1:, 3], stats[1:, 4]
    keep = ((h >= TINY_BAR_HEIGHT) & (h <= MIN_BAR_HEIGHT) & (w >= 2) & (h >= TINY_ASPECT[0] * w)
            & (h <= TINY_ASPECT[1] * w) & (area >= TINY_FILL * w * h))
    bars = sorted((int(i) + 1 for i in np.flatnonzero(keep)), key=lambda i: stats[i][0])
    out: list[Box] = []
    for n, left in enumerate(bars):
        for right in bars[n + 1:]:
            if stats[right][0] > stats[left][0] + stats[left][2] * (1 + GAP_RATIO[1]) + 2:
                break
            box = _pair(stats[left], stats[right], slack=1)
            if box is not None and _leaf_ink(mask, box, int(stats[left][2])) and _tiny_kept(mask, dark, rgb, box):
                out.append(box)
                break
    for label in _tiny_joined(stats, count, mask):
        box = _box(stats[label])
        if not any(overlap(box, b) > 0.5 for b in out) and _tiny_kept(mask, dark, rgb, box):
            out.append(box)
    return out


def _tiny_kept(mask: np.ndarray, dark: np.ndarray | None, rgb: np.ndarray, box: Box) -> bool:
    """Whether a tiny symbol's box stands in clear space (TINY_RING_INK, TINY_LEFT_INK, TINY_LEFT_CONTRAST;
    a white one on a dark ground) with type-like ink beside it."""
    from .titles import text_block

    if _ring_share(mask, box) > TINY_RING_INK or (dark is not None and _ring_share(dark, box) < MIN_DARK_RING):
        return False
    return (_left_share(mask, box) <= TINY_LEFT_INK and _left_contrast(rgb, box) <= TINY_LEFT_CONTRAST
            and text_block(rgb, box))


def _left_share(mask: np.ndarray, box: Box) -> float:
    """The share of ``mask`` in a strip one box height wide on the box's left (0 at the picture's edge)."""
    x, y, w, h = box
    strip = mask[y:y + h, max(0, x - h):x]
    return float(np.count_nonzero(strip)) / strip.size if strip.size else 0.0


def _left_contrast(rgb: np.ndarray, box: Box) -> float:
    """The share of a strip two box heights wide on the box's left whose grey differs from the median
    of the box's ring (:func:`_ring_share`'s) by more than LEFT_CONTRAST (0 at the picture's edge)."""
    x, y, w, h = box
    pad = max(2, h // 4)
    x0, y0 = max(0, x - pad), max(0, y - pad)
    grey = cv2.cvtColor(rgb[y0:y + h + pad, max(0, x - 2 * h):x + w + pad], cv2.COLOR_RGB2GRAY).astype(np.int16)
    left = x0 - max(0, x - 2 * h)  # the ring's first column in ``grey``
    ring = np.ones(grey[:, left:].shape, bool)
    ring[y - y0:y - y0 + h, x - x0:x - x0 + w] = False
    ground = np.median(grey[:, left:][ring])
    strip = grey[y - y0:y - y0 + h, :x - max(0, x - 2 * h)]
    return float(np.count_nonzero(np.abs(strip - ground) > LEFT_CONTRAST)) / strip.size if strip.size else 0.0


#: A symbol 4-7 px tall whose leaf joins both bars is one component, an "H": as wide as the official
#: symbol's 2.07 heights give or take a pixel a side (1.3-2.4), full columns at both ends (the bars, a
#: fifth of its width each), and between them the leaf's part-full columns (the official file fills
#: 0.45 of the gap; JPEG'd at 5 px, 0.3: seed 7's sig-small-1, bars 2 px, the leaf's arms a row across).
#: The ranges are guesses about those values.
TINY_JOINED_ASPECT = (1.3, 2.4)
TINY_JOINED_MIDDLE = (0.15, 0.65)


def _tiny_joined(stats: np.ndarray, count: int, mask: np.ndarray) -> list[int]:
    """Components of tiny-symbol size shaped as bars joined by their leaf."""
    if count <= 1:
        return []
    w, h = stats[1:count, 2], stats[1:count, 3]
    keep = ((h >= TINY_BAR_HEIGHT) & (h < MIN_BAR_HEIGHT) & (w >= TINY_JOINED_ASPECT[0] * h)
            & (w <= TINY_JOINED_ASPECT[1] * h))
    out = []
    for label in np.flatnonzero(keep) + 1:
        x, y, bw, bh = _box(stats[label])
        columns = np.count_nonzero(mask[y:y + bh, x:x + bw], axis=0) / bh
        side = max(1, round(0.2 * bw))
        middle = columns[side + 1:bw - side - 1]  # a column each side of the bars may be their JPEG'd edge
        if (columns[:side].min() >= FULL_COLUMN and columns[bw - side:].min() >= FULL_COLUMN and middle.size
                and TINY_JOINED_MIDDLE[0] <= middle.mean() <= TINY_JOINED_MIDDLE[1] and middle.max() < FULL_COLUMN):
            out.append(int(label))
    return out


def _clear_right(mask: np.ndarray, dark: np.ndarray | None, box: Box) -> bool:
    """Whether the title's clear space is right of ``box``: no ink of its class (and, for white, dark)."""
    return _right_share(mask, box) <= MAX_RING_INK and (dark is None or _right_share(dark, box) >= MIN_DARK_RING)


def _inside(inner: Box, outer: Box) -> bool:
    return overlap(inner, outer) > 0.5


def _anchored_right(mask: np.ndarray, stat: np.ndarray) -> Box | None:
    """The symbol whose left bar is ``stat`` and whose right bar joins other ink (mirrored :func:`_anchored`)."""
    x, y, w, h = _box(stat)
    span = min(mask.shape[1] - x, w * (2 + int(np.ceil(GAP_RATIO[1]))) + 2)  # the widest symbol on that bar
    flipped = np.ascontiguousarray(mask[y:y + h, x:x + span][:, ::-1])
    box = _anchored(flipped, np.array([span - w, 0, w, h, 0]))
    if box is None:
        return None
    return (x + span - box[0] - box[2], y, box[2], h)


def _box(stat: np.ndarray) -> Box:
    return (int(stat[0]), int(stat[1]), int(stat[2]), int(stat[3]))


def _right_share(mask: np.ndarray, box: Box) -> float:
    """The share of ``mask`` in a strip a quarter of the box's height wide on its right."""
    x, y, w, h = box
    strip = mask[y:y + h, x + w:x + w + max(2, h // 4)]
    return float(np.count_nonzero(strip)) / strip.size if strip.size else 1.0


#: A column of the left bar has ink in at least this share of the right bar's rows (a guess: the
#: left bars of the signatures benchmark's small and tilted symbols, JPEG-compressed, filled 0.8-1.0).
FULL_COLUMN = 0.75
#: Beside each bar the official symbol's gap is empty for 0.14 of its width (the leaf spans 0.14-0.86
#: of it, measured on the fetched fip_flag path rendered 400 px tall): this share of the gap next to
#: each bar has less than CLEAR_COLUMN ink in every column (a guess with room for antialiasing).
CLEAR_STRIP = 0.1
CLEAR_COLUMN = 0.25
#: The columns of a bar's edge left out of that strip, as a share of the gap (a tilt of 10-25 degrees
#: ramps a bar's edge over 1-3 columns of a 50 px gap; a guess from the sig-angle class).
RAMP = 0.05
#: Under this gap (px) the clear space beside each bar is less than a column and a half wide.
SMALL_GAP = 10


def _anchored(mask: np.ndarray, stat: np.ndarray) -> Box | None:
    """The symbol whose right bar is ``stat`` and whose left bar joins other ink of the same class.

    That bar is no component of its own: it is looked for in the column profile of the right bar's
    rows, leftwards: an empty strip, the leaf's columns, an empty strip, then full columns as wide
    as the bar.
    """
    x, y, w, h = _box(stat)
    rows = mask[y:y + h, :x]
    ahead = (np.count_nonzero(rows, axis=0) / max(1, rows.shape[0]))[::-1]
    full = ahead >= FULL_COLUMN
    for gap in range(int(GAP_RATIO[0] * w), min(int(np.ceil(GAP_RATIO[1] * w)), len(ahead) - w) + 1):
        # round: a JPEG bar of a 7-8 px symbol may be a column narrower than its pair (3 against 4).
        if not full[gap] or full[gap - 1] or np.count_nonzero(full[gap:gap + w]) < round(0.8 * w):
            continue
        strip = max(1, round(CLEAR_STRIP * gap))
        # A tilted bar's edge is a ramp of part-full columns (sig-angle: 0.38, 0.62 beside a 48 px bar).
        ramp = round(RAMP * gap)
        # The column beside each bar holds its antialiased edge and is left out, but in a gap of 10 px or
        # less the clear space (0.14 of it) is that one column.
        edge = 1 if gap > SMALL_GAP else 0
        if (ahead[edge:edge + strip].max() >= CLEAR_COLUMN
                or ahead[gap - edge - strip - ramp:gap - edge - ramp].max() >= CLEAR_COLUMN):
            continue
        if _leaf_shaped(mask[y:y + h, x - gap:x]):
            return (x - gap - w, y, 2 * w + gap, h)
    return None


#: The leaf in the official file (fetched fip_flag path): from 4.9 to 70 units of the symbol's 75 in
#: height (its top at 0.065 of the height, its height 0.87), 58.8 units wide (0.9 of its height); the
#: bar is 0.49 symbol heights wide. A leaf component is looked for with room for JPEG and a tilt: at
#: least LEAF_MIN_HEIGHT px tall (an 6 px symbol's, a guess), filling 0.25-0.85 of its box (the shapes
#: test below), 0.6-1.5 times as wide as tall.
LEAF_TOP, LEAF_SHARE, BAR_SHARE = 0.065, 0.87, 0.49
LEAF_MIN_HEIGHT = 5
LEAF_FILL = (0.25, 0.85)
LEAF_ASPECT = (0.6, 1.5)
#: The bar beside a leaf is at most this many times as wide as the leaf's height makes it (BAR_SHARE
#: of the symbol's height). A JPEG leaf of a 10-18 px symbol, tilted, thresholds to 0.55-0.7 of its
#: height, its bars then 1.5-1.6 times as wide as it makes them. Measured (2026-12-02, every picture of
#: detection.py --per-class 10, seeds 3 and 7, core + signatures, located symbols compared): 1.5 -> 2.0
#: added the symbols of a tilted signature (seed 3, sig-angle-8) and of a GC signature in a photo
#: (seed 3, embedded-small-002), and none in any other picture.
LEAF_BAR_MOST = 2.0
#: Symbol height over the gap between its bars: 75.01 / 81.70 units in the official file.
GAP_HEIGHT = 75.01 / 81.70


def _leaf_candidates(stats: np.ndarray, count: int, mask: np.ndarray) -> list[int]:
    """Components shaped as the leaf is, with ink where a bar would stand on each side of them
    (vectorised: a photo's mask has thousands of components)."""
    if count <= 1:
        return []
    x, y = stats[1:, 0], stats[1:, 1]
    w, h, area = stats[1:, 2].astype(np.float64), stats[1:, 3].astype(np.float64), stats[1:, 4]
    fill = area / np.maximum(1.0, w * h)
    keep = ((h >= LEAF_MIN_HEIGHT) & (w >= 3) & (fill >= LEAF_FILL[0]) & (fill <= LEAF_FILL[1])
            & (w >= LEAF_ASPECT[0] * h) & (w <= LEAF_ASPECT[1] * h))
    # A bar stands 0.15-0.65 symbol heights beside the leaf (the clear strip, then the bar): some ink
    # at one of three points across that span, on the leaf's middle row, on each side.
    row = np.clip(y + h.astype(np.int64) // 2, 0, mask.shape[0] - 1)
    sides = []
    for sign, edge in ((1, x + w.astype(np.int64)), (-1, x - 1)):
        hits = np.zeros(len(x), bool)
        for share in (0.25, 0.4, 0.55):
            column = np.clip(edge + sign * np.round(share * h / LEAF_SHARE).astype(np.int64), 0, mask.shape[1] - 1)
            hits |= mask[row, column] > 0
        sides.append(hits)
    return [int(i) + 1 for i in np.flatnonzero(keep & sides[0] & sides[1])]


def _around_leaf(mask: np.ndarray, stat: np.ndarray) -> Box | None:
    """The symbol whose leaf is ``stat``: full columns as wide as a bar on each side of it, past a clear strip.

    The left bar may run on into the ink it joins; the right bar is measured (it ends at the title's
    clear space) and gives the symbol's width. Only the columns a symbol around that leaf could take
    are looked at (a photo has thousands of leaf-shaped components).
    """
    lx, ly, lw, lh = _box(stat)
    reach = int(np.ceil(0.45 * lh / LEAF_SHARE + 1.5 * BAR_SHARE * lh / LEAF_SHARE)) + 4
    x0, x1 = max(0, lx - reach), min(mask.shape[1], lx + lw + reach)
    box = _around_leaf_in(mask[:, x0:x1], (lx - x0, ly, lw, lh))
    return None if box is None else (box[0] + x0, box[1], box[2], box[3])


def _around_leaf_in(mask: np.ndarray, leaf: Box) -> Box | None:
    lx, ly, lw, lh = leaf
    height = lh / LEAF_SHARE
    bar = BAR_SHARE * height
    rows = mask[ly:ly + lh]
    profile = np.count_nonzero(rows, axis=0) / max(1, lh)
    full = profile >= FULL_COLUMN
    reach = int(np.ceil(0.45 * height)) + 2
    right = next((i for i in range(lx + lw, min(len(full), lx + lw + reach)) if full[i]), None)
    left = next((i for i in range(lx - 1, max(-1, lx - 1 - reach), -1) if full[i]), None)
    if right is None or left is None:
        return None
    run = right
    while run < len(full) and full[run]:
        run += 1
    bar_width = run - right
    left_bar = np.count_nonzero(full[max(0, left - bar_width + 1):left + 1])
    if not 0.6 * bar <= bar_width <= LEAF_BAR_MOST * bar or left_bar < 0.8 * bar_width:
        return None
    gap = right - left - 1
    if not GAP_RATIO[0] * bar_width <= gap <= GAP_RATIO[1] * bar_width:
        return None
    if abs(left + 1 + gap / 2 - (lx + lw / 2)) > 0.15 * gap:  # the leaf stands in the gap's middle
        return None
    strip = max(1, round(CLEAR_STRIP * gap))
    # The bars' antialiased edges are a ramp of part-full columns, which may be left out as in _anchored
    # (seed 7's sig-angle-7: 0.27 in the column beside a 12 px bar kept that symbol from being located);
    # in a narrow gap the strip past the ramp is the leaf's side, so either strip may be the clear one.
    ramp = round(RAMP * gap)
    if min(profile[left + 1 + s:left + 1 + s + strip].max() for s in {0, ramp}) >= CLEAR_COLUMN:
        return None
    if min(profile[right - s - strip:right - s].max() for s in {0, ramp}) >= CLEAR_COLUMN:
        return None
    # A JPEG leaf thresholded at 8-15 px loses a pixel or two: the right bar's rows tell the height,
    # up to what its width and the leaf allow (it may run on into ink above or below it).
    height = max(height, bar_width / BAR_SHARE)
    grown = _bar_rows(mask[:, right:run], ly, ly + lh, round(1.15 * height))
    placed = max(0, ly - round(LEAF_TOP * height))
    # A leaf that lost its top point to the threshold places the symbol too low; the bars' feet do not
    # move: a third placement stands on the right bar's foot, as tall as the gap makes it.
    footed = max(0, grown[1] - round(max(height, GAP_HEIGHT * gap)))
    for top, bottom in (grown, (placed, placed + round(height)), (footed, grown[1])):
        box = (left + 1 - bar_width, top, 2 * bar_width + gap, bottom - top)
        if bottom - top >= 0.8 * height and box[0] >= 0 and _leaf_shaped(mask[top:bottom, left + 1:right]):
            return box
    return None


def _bar_rows(columns: np.ndarray, top: int, bottom: int, longest: int) -> tuple[int, int]:
    """The rows of a bar's ``columns`` that are full, grown from ``top:bottom`` to at most ``longest``."""
    full = np.count_nonzero(columns, axis=1) >= FULL_COLUMN * max(1, columns.shape[1])
    if not full[top:bottom].all():
        return top, top
    while bottom - top < longest and (top > 0 and full[top - 1] or bottom < len(full) and full[bottom]):
        if top > 0 and full[top - 1]:
            top -= 1
        if bottom - top < longest and bottom < len(full) and full[bottom]:
            bottom += 1
    return top, bottom


#: The leaf in a 3 x 3 grid over the gap between the bars (ink share per cell; the fetched fip_flag
#: path rendered 8-400 px tall: corners 0.00-0.08, the middle row's sides 0.34-0.51, its centre
#: 0.92-0.96, the top centre 0.30-0.39). A letter's stem between two strokes fills the middle column
#: from top to bottom instead and leaves its sides empty. The bounds leave room for JPEG and a tilt:
#: the benchmark's small symbols (8-20 px) had corners up to 0.19, sides from 0.19, the text strokes
#: taken for bars corners from 0.33 or a top centre from 0.67, or empty sides (signatures benchmark,
#: --per-class 10, seed 7).
LEAF_CORNER = 0.25
LEAF_SIDE = 0.12
LEAF_TIP = 0.6


def _leaf_shaped(gap: np.ndarray) -> bool:
    """Whether the ink of a gap between two bars is laid out as the leaf: a cross with empty corners."""
    rows, columns = gap.shape
    if rows < 3 or columns < 3:
        return False
    cells = [[float(np.count_nonzero(part)) / max(1, part.size) for part in np.array_split(band, 3, axis=1)]
             for band in np.array_split(gap, 3, axis=0)]
    corners = max(cells[0][0], cells[0][2], cells[2][0], cells[2][2])
    return (corners <= LEAF_CORNER and min(cells[1][0], cells[1][2]) >= LEAF_SIDE and cells[0][1] <= LEAF_TIP
            and cells[1][1] > max(cells[1][0], cells[1][2]))


def _bars(stats: np.ndarray, count: int) -> list[int]:
    """The components that are bars (vectorised over a photo's thousands)."""
    w, h, area = (stats[1:count, i].astype(np.float64) for i in (2, 3, 4))
    keep = ((h >= MIN_BAR_HEIGHT) & (w >= 3) & (h >= BAR_ASPECT[0] * w) & (h <= BAR_ASPECT[1] * w)
            & (area >= MIN_BAR_FILL * w * h))
    return [int(i) + 1 for i in np.flatnonzero(keep)]


def _pair(a: np.ndarray, b: np.ndarray, slack: int = 0) -> Box | None:
    """The symbol's box if bars ``a`` (left) and ``b`` stand as the symbol's two bars do, give or take
    ``slack`` pixels (a pixel is a quarter of a tiny symbol's bar)."""
    ax, ay, aw, ah = (int(v) for v in a[:4])
    bx, by, bw, bh = (int(v) for v in b[:4])
    height = max(ah, bh)
    if min(ah, bh) < 0.8 * height - slack or min(aw, bw) < 0.7 * max(aw, bw) - slack:
        return None
    if abs(ay - by) > 0.2 * height + slack:
        return None
    gap = bx - (ax + aw)
    width = (aw + bw) / 2
    if not GAP_RATIO[0] * width - slack <= gap <= GAP_RATIO[1] * width + slack:
        return None
    top = min(ay, by)
    return (ax, top, bx + bw - ax, max(ay + ah, by + bh) - top)


def _has_leaf(stats: np.ndarray, labels: np.ndarray, box: Box, left: int, right: int) -> bool:
    """Whether the ink between the bars holds a leaf: one component centred in the gap, most of its height."""
    x, y, w, h = box
    inner_x0 = x + int(stats[left][2])
    inner_x1 = x + w - int(stats[right][2])
    centre = (inner_x0 + inner_x1) / 2
    window = labels[y:y + h, inner_x0:inner_x1]
    for label in np.unique(window):
        if label == 0 or label in (left, right):
            continue
        lx, ly, lw, lh, area = (int(v) for v in stats[label])
        if not LEAF_HEIGHT[0] * h <= lh <= LEAF_HEIGHT[1] * h:
            continue
        if abs(lx + lw / 2 - centre) > 0.2 * (inner_x1 - inner_x0) or lw > (inner_x1 - inner_x0) * 1.05:
            continue
        if 0.25 <= area / max(1, lw * lh) <= 0.8:  # a leaf fills about half its box, never all of it
            return True
    return False


#: The symbol stands on a ground of another colour: at most this share of a ring around it (a quarter
#: of its height wide) is of its ink. Rejects the white gaps between a black text's strokes.
MAX_RING_INK = 0.3


#: A white symbol's ring is nearly all dark (0.65 around the counters of a bold "m" on a white page).
MIN_DARK_RING = 0.85


def _on_ground(mask: np.ndarray, box: Box) -> bool:
    return _ring_share(mask, box) <= MAX_RING_INK


def _ring_share(mask: np.ndarray, box: Box) -> float:
    """The share of ``mask`` in a ring a quarter of the box's height wide around it."""
    x, y, w, h = box
    pad = max(2, h // 4)
    x0, y0 = max(0, x - pad), max(0, y - pad)
    outer = mask[y0:y + h + pad, x0:x + w + pad]
    ring = int(np.count_nonzero(outer)) - int(np.count_nonzero(mask[y:y + h, x:x + w]))
    area = outer.size - w * h
    return ring / area if area > 0 else 1.0


#: Below this height the leaf of a JPEG-compressed symbol falls apart into pieces: it is then told by
#: the share of ink between the bars (0.45 in the official file at 20 px), not by one component.
SMALL_SYMBOL = 20
LEAF_INK = (0.2, 0.75)


def _leaf_ink(mask: np.ndarray, box: Box, bar_width: int) -> bool:
    x, y, w, h = box
    if h >= SMALL_SYMBOL:
        return False
    inner = mask[y:y + h, x + int(bar_width) + 1:x + w - int(bar_width) - 1]
    if inner.size == 0:
        return False
    share = float(np.count_nonzero(inner)) / inner.size
    columns = np.count_nonzero(inner, axis=0)
    centre = float((columns * np.arange(len(columns))).sum() / max(1, columns.sum())) / max(1, len(columns) - 1)
    return LEAF_INK[0] <= share <= LEAF_INK[1] and abs(centre - 0.5) < 0.15


def overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box's area."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    if x1 <= x0 or y1 <= y0:
        return 0.0
    return (x1 - x0) * (y1 - y0) / max(1, min(a[2] * a[3], b[2] * b[3]))

